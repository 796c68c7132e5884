"""A coordinator's call in a real browser: find the patient on the day plan by name (the search
goes in the POST body), read the whole picture, log the reached call and its minutes, and see
both at the top of the timeline; no Content-Security-Policy refusal on the way."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from ccmweb.imports.models import Measurement, Medication
from ccmweb.patients.models import Allergy, CareTeamMember
from ccmweb.timelog.testing import enroll

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _at_noon(midday):  # type: ignore[no-untyped-def]
    """Logged minutes "today" must fit in the day so far."""


def test_a_coordinators_call_from_the_day_plan_to_the_timeline(
    page, live_server, cast, log_in, screenshot
):
    t = cast.acme
    enroll(t.patient, t.practitioner, t.coordinator)
    with scopes_disabled():
        today = timezone.localdate()
        for months, (sys, dia, a1c) in enumerate(((148, 92, 8.9), (139, 88, 8.1), (131, 82, 7.3))):
            day = today - dt.timedelta(days=30 * (6 - 2 * months))
            Measurement.objects.create(organization=t.org, patient=t.patient, source_id=f"bp{months}", kind="blood_pressure", date=day, value=Decimal(sys), value2=Decimal(dia))  # fmt: skip
            Measurement.objects.create(organization=t.org, patient=t.patient, source_id=f"a{months}", kind="hba1c", date=day, value=Decimal(str(a1c)), unit="%")  # fmt: skip
        Medication.objects.create(organization=t.org, patient=t.patient, source_id="m1", status="active", display="Metformin 500 mg tablet")  # fmt: skip
        Allergy.objects.create(organization=t.org, patient=t.patient, substance="Penicillin", reaction="Hives", criticality="high")  # fmt: skip
        CareTeamMember.objects.create(organization=t.org, patient=t.patient, role="caregiver", name="Ben Acmepatient", detail="son", phone="555-0142", may_share=True, added_by=t.coordinator)  # fmt: skip
    refused: list[str] = []
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server, t.coordinator.username)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Worklist").click()
    expect(page.get_by_role("heading", name="Worklist")).to_be_visible()
    expect(page.get_by_role("heading", name="Due today")).to_be_visible()
    page.get_by_label("Search by name or MRN").fill("acmepat")
    page.get_by_role("button", name="Show").click()
    assert "acmepat" not in page.url.lower()  # the search went in the body
    screenshot(page, "worklist")
    page.locator("table.worklist tbody tr").first.get_by_role("link").click()

    expect(page.locator("#coverage-words")).not_to_be_empty()
    expect(page.locator("#allergies")).to_contain_text("Penicillin")
    expect(page.locator("#medications")).to_contain_text("Metformin")
    expect(page.locator("#trends svg polyline")).to_have_count(3)
    expect(page.locator("#care-team")).to_contain_text("may share")

    page.get_by_label("Outcome").select_option(label="Reached")
    page.get_by_label("Outreach details").fill("Reviewed sugars; pharmacy refill arranged")
    page.get_by_role("button", name="Log outreach").click()
    expect(page.locator("#time-panel ul.outreach")).to_contain_text("Reached")
    page.get_by_label("Minutes").fill("18")
    page.get_by_label("Activity").select_option(label="Patient call")
    page.get_by_label("Note").fill("Call about glucose log")
    page.get_by_role("button", name="Add time").click()
    expect(page.locator("#time-panel")).to_contain_text("Counted: 18 min")

    page.reload()
    first = page.locator("#timeline li").first
    expect(first).to_contain_text(t.coordinator.username)
    expect(page.locator("#timeline")).to_contain_text("Reviewed sugars")
    expect(page.locator("#timeline")).to_contain_text("18 min · Patient call")
    screenshot(page, "patient-picture")

    assert not refused, refused
