// The patient page's timer clock. The server keeps the timer (it survives a reload or a
// closed tab); this only shows the elapsed time ticking, for every [data-timer] on the page,
// including panels HTMX swaps in later.
(function () {
  if (window.ccmTimerClock) { return; }
  window.ccmTimerClock = true;

  function show(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor(seconds / 60) % 60, s = seconds % 60;
    var two = function (n) { return (n < 10 ? "0" : "") + n; };
    return (h ? h + ":" : "") + two(m) + ":" + two(s);
  }

  function tick() {
    document.querySelectorAll("[data-timer]").forEach(function (clock) {
      if (!clock.dataset.since) {
        clock.dataset.since = String(Date.now() - Number(clock.dataset.elapsed || 0) * 1000);
      }
      var seconds = clock.dataset.running === "1"
        ? Math.floor((Date.now() - Number(clock.dataset.since)) / 1000)
        : Number(clock.dataset.elapsed || 0);
      clock.textContent = show(seconds);
    });
  }

  tick();
  setInterval(tick, 1000);
  document.addEventListener("htmx:afterSwap", tick);
})();
