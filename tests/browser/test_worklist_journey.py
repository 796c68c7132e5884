"""A coordinator's day in a real browser: worklist → patient → timer or manual time → 99490.

These journeys read like docs/coordinator-guide.md and take its screenshots (CCM_SCREENSHOTS=1).
"""

import datetime as dt
import re

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from ccmweb.patients.models import Condition, Patient
from ccmweb.timelog import services
from ccmweb.timelog.models import RunningTimer, TimeEntry
from ccmweb.timelog.services import NewTime
from ccmweb.timelog.testing import enroll

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _at_noon(midday):  # type: ignore[no-untyped-def]
    """Logged minutes "today" must fit in the day so far: run at noon (ccmweb.testing.clock)."""


@pytest.fixture
def day(cast):  # type: ignore[no-untyped-def]
    """Acme's coordinator: Alice with no time yet, Bob with 12 minutes, Carol already at 30."""
    t = cast.acme
    enroll(t.patient, t.practitioner, t.coordinator)
    others = {}
    for name, minutes, hours_ago in (("Bob", 12, 1), ("Carol", 30, 2)):
        with scopes_disabled():
            patient = Patient.objects.create(
                organization=t.org,
                practice=t.north,
                mrn=f"ACME-{name}",
                given_name=name,
                family_name="Journey",
                birth_date=dt.date(1944, 2, 2),
                part_b=True,
                coordinator=t.coordinator,
            )
            for code in ("E11.9", "I10"):
                Condition.objects.create(organization=t.org, patient=patient, icd10_code=code)
        enroll(patient, t.practitioner, t.coordinator)
        with scope(organization=t.org):
            fresh = Patient.objects.select_related("practice").get(pk=patient.pk)
            services.add_time(
                t.coordinator,
                "coordinator",
                t.org,
                fresh,
                NewTime(
                    minutes, "patient_call", start=timezone.now() - dt.timedelta(hours=hours_ago)
                ),
            )
        others[name] = patient
    return t


def worklist_names(page) -> list[str]:  # type: ignore[no-untyped-def]
    rows = page.locator("table.worklist tbody tr td a")
    return [re.sub(r"\s+", " ", text).strip() for text in rows.all_inner_texts()]


def test_timer_journey_reaches_99490_and_moves_the_patient_down(
    day, page, live_server, log_in, screenshot
):
    log_in(page, live_server, day.coordinator.username)
    page.get_by_role("link", name="Worklist").click()
    page.wait_for_load_state()
    names = worklist_names(page)
    assert names[0] == "Acmepatient, Alice", names
    screenshot(page, "worklist")

    page.locator("table.worklist tbody tr").first.get_by_role("link").click()
    page.get_by_role("button", name="Start timer").click()
    stop = page.get_by_role("button", name="Stop timer")
    stop.wait_for()
    page.reload()  # the timer lives on the server: a reload keeps it running
    clock = page.locator(".timer-clock")
    clock.filter(has_text=re.compile(r"^\d\d:\d\d$")).wait_for()  # timer.js ticks under CSP
    screenshot(page, "patient-timer")
    with scopes_disabled():
        moved = RunningTimer.objects.filter(user=day.coordinator).update(
            started_at=timezone.now() - dt.timedelta(minutes=21, seconds=3)
        )
    assert moved == 1
    page.get_by_role("button", name="Stop timer").click()
    reached = page.locator("#codes-reached")
    reached.filter(has_text="99490").wait_for()
    assert "99490" in reached.inner_text()
    screenshot(page, "patient-99490")

    page.get_by_role("link", name="Worklist").click()
    page.wait_for_load_state()
    after = worklist_names(page)
    assert after.index("Acmepatient, Alice") > 0, after
    assert after[0] == "Journey, Bob"


def test_discarding_a_timer_asks_first_and_logs_nothing(day, page, live_server, log_in):
    log_in(page, live_server, day.coordinator.username)
    page.get_by_role("link", name="Worklist").click()
    page.locator("table.worklist tbody tr").first.get_by_role("link").click()
    page.get_by_role("button", name="Start timer").click()
    discard = page.get_by_role("button", name="Discard timer")
    discard.wait_for()
    with scopes_disabled():
        entries = TimeEntry.objects.count()

    page.once("dialog", lambda dialog: dialog.dismiss())  # "Cancel": the timer keeps running
    discard.click()
    page.get_by_role("button", name="Stop timer").wait_for()
    with scopes_disabled():
        assert RunningTimer.objects.filter(user=day.coordinator).count() == 1

    page.once("dialog", lambda dialog: dialog.accept())
    discard.click()
    page.get_by_text("Timer discarded: no time was logged.").wait_for()
    assert page.get_by_role("button", name="Start timer").is_visible()
    with scopes_disabled():
        assert not RunningTimer.objects.filter(user=day.coordinator).exists()
        assert TimeEntry.objects.count() == entries


def test_manual_entry_journey(day, page, live_server, log_in, screenshot):
    log_in(page, live_server, day.coordinator.username)
    page.get_by_role("link", name="Worklist").click()
    page.locator("table.worklist tbody tr").first.get_by_role("link").click()
    assert "none yet" in page.locator("#codes-reached").inner_text()
    page.get_by_label("Minutes").fill("21")
    page.get_by_label("Activity").select_option(label="Patient call")
    page.get_by_label("Note").fill("Reviewed glucose log; adjusted diet plan")
    screenshot(page, "patient-manual-entry")
    page.get_by_role("button", name="Add time").click()
    page.locator("#codes-reached").filter(has_text="99490").wait_for()
    recent = page.locator("#time-panel table").inner_text()
    assert "21" in recent and "Patient call" in recent


def test_a_failed_call_is_logged_from_the_worklist_with_the_keyboard(
    day, page, live_server, log_in
):
    log_in(page, live_server, day.coordinator.username)
    page.get_by_role("link", name="Worklist").click()
    page.wait_for_load_state()  # htmx (a deferred script) is running before the key press
    first = page.locator("table.worklist tbody tr").first
    row = first.get_attribute("id")  # the patient's row, wherever the answer puts it
    button = first.get_by_role("button", name="No answer")
    button.focus()
    page.keyboard.press("Enter")
    page.locator(f"table.worklist tbody tr#{row}").get_by_text("1 failed").wait_for()
