"""The time form after a mistake keeps what was typed and says what is wrong beside the field;
an amendment can move an entry's start."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django_scopes import scope, scopes_disabled

from ccmweb.patients.models import Patient
from ccmweb.timelog import services
from ccmweb.timelog.models import TimeEntry
from ccmweb.timelog.services import NewTime


@pytest.fixture(autouse=True)
def _at_noon(midday):  # type: ignore[no-untyped-def]
    """Logged minutes "today" must fit in the day so far."""


@pytest.mark.parametrize("htmx", [True, False])
def test_a_failed_time_form_keeps_what_was_typed_with_the_error_beside_the_field(cast, login, htmx):
    t = cast.acme
    client = login(t.coordinator)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    response = client.post(
        f"/time/patients/{t.patient.uid}/time/",
        {"minutes": "0", "activity": "education", "program": "ccm", "note": "Diet leaflet"},
        **headers,
    )
    assert response.status_code == (200 if htmx else 400)  # htmx swaps only a 2xx answer
    html = response.content.decode()
    assert 'value="Diet leaflet"' in html
    assert re.search(r'<option value="education" selected>', html)
    assert re.search(
        r'name="minutes"[^>]*aria-invalid="true"[^>]*><span class="error" id="time-error-minutes">'
        r"Minutes: enter a whole number",
        html,
    )
    with scopes_disabled():
        assert not TimeEntry.objects.filter(patient=t.patient).exists()


def test_a_successful_entry_leaves_the_form_empty(cast, login):
    t = cast.acme
    response = login(t.coordinator).post(
        f"/time/patients/{t.patient.uid}/time/",
        {"minutes": "7", "activity": "education", "program": "ccm", "note": "Diet leaflet"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert 'value="Diet leaflet"' not in response.content.decode()


def _entry(t):  # type: ignore[no-untyped-def]
    with scope(organization=t.org):
        fresh = Patient.objects.select_related("practice").get(pk=t.patient.pk)
        return services.add_time(
            t.coordinator, "coordinator", t.org, fresh, NewTime(10, "patient_call")
        )


def test_an_amendment_moves_the_start_and_keeps_the_original(cast, login):
    t = cast.acme
    entry = _entry(t)
    zone = ZoneInfo(t.north.time_zone)
    local = entry.started_at.astimezone(zone)
    earlier = (local - dt.timedelta(hours=2)).replace(second=0, microsecond=0)
    if earlier.month != local.month:
        earlier = local.replace(hour=0, minute=0, second=0, microsecond=0)
    client = login(t.coordinator)
    client.post(f"/time/entries/{entry.uid}/amend/", {"minutes": "10", "started": earlier.strftime("%Y-%m-%dT%H:%M"), "note": "was earlier"})  # fmt: skip
    with scopes_disabled():
        amended = TimeEntry.objects.get(amends=entry)
        assert amended.started_at == earlier and amended.minutes == 10
        assert TimeEntry.objects.filter(pk=entry.pk).exists()


def test_an_amendment_may_not_move_an_entry_to_another_month(cast, login):
    t = cast.acme
    entry = _entry(t)
    other_month = entry.started_at.astimezone(ZoneInfo(t.north.time_zone)) - dt.timedelta(days=40)
    response = login(t.coordinator).post(
        f"/time/entries/{entry.uid}/amend/",
        {"minutes": "10", "started": other_month.strftime("%Y-%m-%dT%H:%M")},
        HTTP_HX_REQUEST="true",
    )
    assert "Start: an amendment stays in its entry&#x27;s month." in response.content.decode()
    with scopes_disabled():
        assert not TimeEntry.objects.filter(amends=entry).exists()
