"""A care coordinator logs in with a real browser and opens a patient from the list."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_coordinator_logs_in_and_opens_a_patient(page, live_server, cast, form_log_in, screenshot):
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text) if m.type == "error" else None)
    form_log_in(page, live_server, cast.acme.coordinator.username)
    expect(page.get_by_role("heading", name="Worklist")).to_be_visible()  # a coordinator's day
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Patients").click()

    expect(page.get_by_role("heading", name="Patients")).to_be_visible()
    expect(page.get_by_text("Acmepatient, Alice")).to_be_visible()
    expect(page.get_by_text("Bravopatient")).to_have_count(0)
    screenshot(page, "patient-list")

    page.get_by_role("link", name="Acmepatient, Alice").click()
    expect(page.get_by_role("heading", name="Alice Acmepatient")).to_be_visible()
    assert f"/patients/{cast.acme.patient.uid}/" in page.url
    conditions = page.get_by_role("table").first
    expect(conditions).to_contain_text("E11.9")
    expect(conditions).to_contain_text("Type 2 diabetes")
    expect(conditions).to_contain_text("Hypertension")
    screenshot(page, "patient-detail")
    # The page runs under our Content-Security-Policy with nothing refused.
    assert not [m for m in messages if "Content Security Policy" in m], messages


def test_practice_switcher_submits_without_a_button(page, live_server, cast, log_in):
    """ccm.js submits the switcher on change: CSP forbids doing it with an inline handler."""
    log_in(page, live_server, cast.acme.coordinator.username)
    switcher = page.locator("form.switcher")  # the worklist has a Practice filter of its own
    switcher.get_by_label("Practice").select_option(label=cast.acme.south.name)
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name="Worklist")).to_be_visible()  # back to the day
    expect(page.get_by_text("Acmepatient")).to_have_count(0)
    expect(switcher.get_by_label("Practice")).to_have_value(str(cast.acme.south.uid))


def test_an_auditor_finds_who_opened_a_patient(page, live_server, cast, log_in):
    """The coordinator opens a patient; the auditor reads it on the patient's access history."""
    log_in(page, live_server, cast.acme.coordinator.username)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Patients").click()
    page.get_by_role("link", name="Acmepatient, Alice").click()
    expect(page.get_by_role("heading", name="Alice Acmepatient")).to_be_visible()
    expect(page.get_by_role("link", name="Access history")).to_have_count(0)  # not a reviewer
    page.get_by_role("button", name="Log out", exact=True).click()

    log_in(page, live_server, cast.acme.auditor.username)
    page.get_by_role("link", name="Acmepatient, Alice").click()
    page.get_by_role("link", name="Access history").click()
    log = page.locator("#access-log")
    expect(log).to_contain_text(cast.acme.coordinator.username)
    expect(log).to_contain_text("Viewed")
    page.get_by_label("Staff member").select_option(value=str(cast.acme.auditor.pk))
    page.get_by_role("button", name="Show").click()
    expect(log).not_to_contain_text(cast.acme.coordinator.username)


def test_a_forgotten_password_is_set_again_from_the_mailed_link(
    page, live_server, cast, form_log_in
):
    import re

    from django.core import mail

    user = cast.acme.biller
    user.email = "biller@acme.example"
    user.save()
    page.goto(f"{live_server.url}/login/")
    page.get_by_role("link", name="Forgotten your password?").click()
    page.get_by_label("E-mail address").fill("biller@acme.example")
    page.get_by_role("button", name="Send the link").click()
    expect(page.locator("#reset-sent")).to_be_visible()
    [message] = mail.outbox
    link = re.search(r"https?://\S+/password/reset/\S+/", message.body).group(0)
    page.goto(link)
    new = "another-long-passphrase-77"
    page.get_by_label("New password", exact=True).fill(new)
    page.get_by_label("The new password again").fill(new)
    page.get_by_role("button", name="Set the password").click()
    expect(page.get_by_text("Your password was set. Log in with it now.")).to_be_visible()
    form_log_in(page, live_server, user.username, new)
    expect(page.get_by_role("button", name="Log out", exact=True)).to_be_visible()
