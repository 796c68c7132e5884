// Small behaviours that CSP forbids inline: auto-submitting selects.
document.addEventListener("change", function (event) {
  if (event.target.matches("select.autosubmit")) {
    event.target.form.submit();
  }
});

// Irreversible actions: a form with data-confirm asks first, naming the consequence (and count).
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
