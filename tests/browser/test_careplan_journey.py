"""A practitioner writes a care plan for two conditions (one problem each, from the problem list,
prefilled from both templates), signs it and downloads the patient copy."""

import datetime as dt

import pytest
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from ccmweb.careplans.models import CarePlan
from ccmweb.enrollment.services import record_consent

pytestmark = pytest.mark.browser


def test_practitioner_creates_signs_and_downloads_a_care_plan(
    page, live_server, cast, log_in, screenshot
):
    patient = cast.acme.patient
    with scope(organization=cast.acme.org):
        record_consent(
            patient,
            program="ccm",
            decision="accepted",
            method="verbal",
            billing_practitioner=cast.acme.practitioner,
            obtained_by=cast.acme.coordinator,
            effective_date=dt.date.today(),
        )
    log_in(page, live_server, cast.acme.practitioner.user.username, to=f"/patients/{patient.uid}/")
    page.get_by_role("button", name="New care plan").click()

    diabetes = page.get_by_role("group", name="Problem: Type 2 diabetes")
    expect(diabetes.get_by_label("Type 2 diabetes goal 1", exact=True)).to_have_value(
        "HbA1c below target"
    )
    pressure = page.get_by_role("group", name="Problem: Hypertension")
    expect(pressure.get_by_label("Hypertension goal 1", exact=True)).to_have_value(
        "Blood pressure at goal"
    )
    page.get_by_label("Barriers: Type 2 diabetes").fill("Cost of test strips")
    page.get_by_label("The patient's own priorities").fill("Keep gardening")
    screenshot(page, "new-care-plan")
    page.get_by_role("button", name="Save care plan").click()

    expect(page.get_by_text("Care plan saved as version 1")).to_be_visible()
    page.get_by_role("button", name="Sign care plan").click()
    expect(page.get_by_text("Version 1 signed")).to_be_visible()
    expect(page.get_by_text("in force", exact=True)).to_be_visible()
    screenshot(page, "care-plan")

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download patient copy").click()
    path = download_info.value.path()
    with open(path, "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    page.get_by_label("How given").select_option(label="In person")
    page.get_by_role("button", name="Record copy given").click()
    expect(page.get_by_text("Copy given in person")).to_be_visible()

    with scopes_disabled():
        plan = CarePlan.objects.get(patient=patient)
        version = plan.versions.get()
        given = version.copies_given.get()
    assert version.signed_by == cast.acme.practitioner
    problems = {p["code"]: p for p in version.content["problems"]}
    assert set(problems) == {"E11.9", "I10"}
    assert problems["E11.9"]["barriers"] == "Cost of test strips"
    assert version.content["priorities"] == "Keep gardening"
    assert given.method == "in_person" and given.given_by == cast.acme.practitioner.user
