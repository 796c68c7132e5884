"""A coordinator records verbal consent from the patient page; the worklist then counts it."""

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from ccmweb.enrollment.models import ConsentRecord

pytestmark = pytest.mark.browser


def test_coordinator_records_verbal_consent_and_the_patient_is_on_the_worklist(
    page, live_server, cast, log_in, screenshot
):
    patient = cast.acme.patient
    log_in(page, live_server, cast.acme.coordinator.username, to=f"/patients/{patient.uid}/")
    panel = page.locator("#enrollment-panel")
    expect(panel).to_contain_text("Not enrolled")

    panel.get_by_role("button", name="Record consent").click()
    form = page.locator("#consent-form")
    expect(form.get_by_label("Disclosure script")).to_contain_text("Only one practitioner")
    expect(form).to_contain_text(
        f"{patient.practice.patient_facing_name} offers chronic care management"
    )
    expect(form).to_contain_text("$13.23")
    form.get_by_label("Program").select_option("ccm")
    form.get_by_label("Billing practitioner").select_option(label=str(cast.acme.practitioner))
    form.get_by_label("Verbal").check()
    form.get_by_label("Accepted").check()
    screenshot(page, "record-consent")
    form.get_by_role("button", name="Record consent").click()

    expect(page.get_by_text("Consent recorded: Accepted.")).to_be_visible()
    panel = page.locator("#enrollment-panel")
    expect(panel).to_contain_text("CCM (chronic care management)")
    expect(panel.get_by_role("button", name="Revoke consent")).to_be_visible()
    with scopes_disabled():
        record = ConsentRecord.objects.get(patient=patient)
    assert (record.decision, record.method, record.obtained_by) == (
        "accepted",
        "verbal",
        cast.acme.coordinator,
    )

    page.goto(f"{live_server.url}/time/worklist/")
    row = page.locator(f"#row-{patient.uid}")
    expect(row).to_be_visible()
    expect(row).to_contain_text("CCM")
    expect(row).not_to_contain_text("Consent missing")
