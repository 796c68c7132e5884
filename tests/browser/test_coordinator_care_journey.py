"""A coordinator's call in a real browser, the clinical half: reconcile the medicines (one
confirmed, one at a changed dose, one stopped) with its minutes, give a PHQ-9 whose score
crosses the cut-off (a task lands in the billing practitioner's queue), record progress on a
care-plan goal, log the call's time, and find each of them in the patient's timeline."""

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from ccmweb.assessments.models import Assessment
from ccmweb.care_tasks.models import CareTask
from ccmweb.careplans.models import GoalProgress
from ccmweb.imports.models import Medication
from ccmweb.medications.models import Reconciliation
from ccmweb.timelog.models import TimeEntry
from ccmweb.timelog.testing import enroll

pytestmark = pytest.mark.browser

MEDICINES = (
    ("860975", "metformin 500 MG Oral Tablet"),
    ("197361", "amlodipine 5 MG Oral Tablet"),
    ("314076", "lisinopril 10 MG Oral Tablet"),
)


@pytest.fixture(autouse=True)
def _at_noon(midday):  # type: ignore[no-untyped-def]
    """Logged minutes "today" must fit in the day so far."""


def test_a_coordinators_call_reconciles_screens_records_progress_and_logs_time(
    browser, page, live_server, cast, log_in, screenshot
):
    t = cast.acme
    enroll(t.patient, t.practitioner, t.coordinator)
    with scopes_disabled():
        for rx, display in MEDICINES:
            Medication.objects.create(organization=t.org, patient=t.patient, source_id=rx, status="active", rxnorm_code=rx, display=display)  # fmt: skip
    log_in(page, live_server, t.coordinator.username, to=f"/patients/{t.patient.uid}/")

    # Medication reconciliation, its minutes logged as such.
    page.get_by_role("button", name="Reconcile medications").click()
    expect(page.get_by_role("heading", name="Medication reconciliation")).to_be_visible()
    page.get_by_label("amlodipine 5 MG Oral Tablet: what the patient said").select_option("confirmed")  # fmt: skip
    page.get_by_label("metformin 500 MG Oral Tablet: what the patient said").select_option("changed_dose")  # fmt: skip
    page.get_by_label("metformin 500 MG Oral Tablet: dose taken").fill("1000 mg twice a day")
    page.get_by_label("lisinopril 10 MG Oral Tablet: what the patient said").select_option("stopped")  # fmt: skip
    page.get_by_label("Minutes spent").fill("6")
    page.get_by_role("button", name="Save reconciliation").click()
    expect(page.get_by_text("Medications reconciled: 2 discrepancies.")).to_be_visible()
    panel = page.locator("#medications-panel")
    expect(panel).to_contain_text("1000 mg twice a day")
    expect(panel.locator("tr", has_text="lisinopril")).to_contain_text("not taking")

    # A PHQ-9 over its cut-off.
    page.locator("#assessments-panel").get_by_role("button", name="PHQ-9", exact=True).click()
    for n in range(1, 10):
        page.locator(f'input[name="q{n}"][value="{2 if n <= 5 else 0}"]').check()
    page.get_by_role("button", name="Score and save").click()
    expect(page.get_by_text("Over the cut-off: a task was made for the practitioner")).to_be_visible()  # fmt: skip
    page.goto(f"{live_server.url}/patients/{t.patient.uid}/")

    # Progress on a goal of the care plan, recorded during the call.
    page.locator("#careplan-panel").get_by_role("link", name="Care plan").first.click()
    page.get_by_label("Goal", exact=True).select_option(label="HbA1c below target (HbA1c < 7.5%)")
    page.get_by_label("Status", exact=True).select_option(label="In progress")
    page.get_by_label("Note", exact=True).fill("A1c 8.1, down from 8.9")
    page.get_by_role("button", name="Record progress").click()
    expect(page.get_by_text("Goal progress recorded.")).to_be_visible()
    expect(page.get_by_role("cell", name="In progress (")).to_contain_text("A1c 8.1, down from 8.9")

    # The call's own minutes.
    page.goto(f"{live_server.url}/patients/{t.patient.uid}/")
    page.get_by_label("Minutes").fill("14")
    page.get_by_label("Activity").select_option(label="Patient call")
    page.get_by_label("Note", exact=True).fill("Mood and sugars reviewed")
    page.get_by_role("button", name="Add time").click()
    # 6 + 14 counted ("14 min" alone was already there: the next unit was 14 min away, and a
    # reload then raced the request on a loaded machine)
    expect(page.locator("#time-panel")).to_contain_text("Counted: 20 min")

    page.reload()
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("14 min · Patient call")
    expect(timeline).to_contain_text("6 min · Medication reconciliation")
    expect(timeline).to_contain_text("Medications reconciled: 2 discrepancies")
    expect(timeline).to_contain_text("PHQ-9: 10 (moderate) — over the cut-off")
    expect(timeline).to_contain_text("Goal progress: HbA1c below target: In progress")
    stamps = timeline.locator("time").evaluate_all("ts => ts.map(t => t.dateTime)")
    assert stamps == sorted(stamps, reverse=True)  # newest first
    screenshot(page, "patient-after-call")

    with scopes_disabled():
        record = Reconciliation.objects.get(patient=t.patient)
        outcomes = {i.display.split()[0]: (i.outcome, i.dose) for i in record.items.all()}
        assessment = Assessment.objects.get(patient=t.patient)
        task = CareTask.objects.get(source="assessment", source_key=str(assessment.uid))
        progress = GoalProgress.objects.get(care_plan__patient=t.patient)
        minutes = sorted(TimeEntry.objects.filter(patient=t.patient).values_list("activity", "minutes"))  # fmt: skip
    assert outcomes == {
        "amlodipine": ("confirmed", ""),
        "metformin": ("changed_dose", "1000 mg twice a day"),
        "lisinopril": ("stopped", ""),
    }
    assert record.reconciled_by == t.coordinator
    assert (assessment.score, assessment.positive) == (10, True)
    assert task.assignee == t.practitioner.user and task.status == "open"
    assert (progress.status, progress.recorded_by) == ("in_progress", t.coordinator)
    assert minutes == [("medication_reconciliation", 6), ("patient_call", 14)]

    # The task waits in the practitioner's queue.
    doctor = browser.new_context(base_url=live_server.url).new_page()
    try:
        log_in(doctor, live_server, t.practitioner.user.username)
        doctor.goto(f"{live_server.url}/tasks/queue/")
        flagged = doctor.get_by_role("region", name="Assessments over their cut-off")
        expect(flagged).to_contain_text("Review PHQ-9: 10 (moderate)")
    finally:
        doctor.context.close()
