"""The worklist: whose patients, in what order, the counts, filters and bulk reassignment."""

import re

import pytest
from django_scopes import scopes_disabled

from ccmweb.patients.models import Patient
from ccmweb.timelog.models import OutreachAttempt
from ccmweb.timelog.testing import log_call, worklist_patient


@pytest.fixture(autouse=True)
def _at_noon(midday):  # type: ignore[no-untyped-def]
    """Logged minutes "today" must fit in the day so far: run at noon (ccmweb.testing.clock)."""


@pytest.fixture
def day(cast):  # type: ignore[no-untyped-def]
    """Acme's coordinator with four patients: done, nothing yet, a little, and no consent."""
    t = cast.acme
    patients = {
        "done": worklist_patient(t, "DONE", t.coordinator),
        "zero": worklist_patient(t, "ZERO", t.coordinator),
        "some": worklist_patient(t, "SOME", t.coordinator),
        "blocked": worklist_patient(t, "BLOCKED", t.coordinator, enrolled=False),
    }
    log_call(t, patients["done"], 25)
    log_call(t, patients["some"], 12)
    return t, patients


def order(html: str, patients: dict[str, Patient]) -> list[str]:
    by_uid = {str(p.uid): name for name, p in patients.items()}
    return [by_uid[u] for u in re.findall(r'id="row-([0-9a-f-]+)"', html) if u in by_uid]


def test_worklist_ranks_by_what_the_next_unit_takes(day, login):
    t, patients = day
    html = login(t.coordinator).get("/time/worklist/").content.decode()
    assert order(html, patients) == ["zero", "some", "blocked", "done"]
    assert "Consent missing" in html and "99490" in html


def test_worklist_shows_only_my_patients(day, login, cast):
    t, patients = day
    other = worklist_patient(t, "OTHER", None)
    html = login(t.coordinator).get("/time/worklist/").content.decode()
    assert str(other.uid) not in html
    assert str(cast.bravo.patient.uid) not in html


def test_counts_at_the_top_and_status_filter(day, login):
    t, patients = day
    client = login(t.coordinator)
    html = client.get("/time/worklist/").content.decode()
    counts = dict(
        re.findall(r'<span class="badge[^"]*">([A-Za-z ]+)</span> <strong>(\d+)</strong>', html)
    )
    # blocked: BLOCKED and the cast's own patient, who is not enrolled
    assert counts["Done"] == "1" and counts["Blocked"] == "2"
    assert int(counts["On track"]) + int(counts["At risk"]) == 2
    done_only = client.get("/time/worklist/?status=done").content.decode()
    assert order(done_only, patients) == ["done"]


def test_a_failed_call_from_the_worklist_is_one_click(day, login):
    t, patients = day
    client = login(t.coordinator)
    response = client.post(
        f"/time/patients/{patients['zero'].uid}/outreach/",
        {"channel": "call", "outcome": "no_answer", "answer": "row"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert html.lstrip().startswith("<tr") and "1 failed" in html
    with scopes_disabled():
        assert OutreachAttempt.objects.filter(patient=patients["zero"]).count() == 1


def test_practitioner_reassigns_in_bulk_and_coordinator_may_not(day, login, cast):
    t, patients = day
    with scopes_disabled():
        from ccmweb.tenants.models import Membership

        new = type(t.coordinator).objects.create_user(
            username="acme_coordinator2", password="x" * 16
        )
        Membership.objects.create(user=new, organization=t.org, role="coordinator")
    uids = [str(patients["zero"].uid), str(patients["some"].uid)]
    coordinator = login(t.coordinator)
    assert (
        coordinator.post("/time/assign/", {"patient": uids, "coordinator": new.pk}).status_code
        == 403
    )
    coordinator.post("/logout/")
    practitioner = login(t.practitioner.user)
    assert "Reassign" in practitioner.get("/time/worklist/").content.decode()
    practitioner.post(
        "/time/assign/", {"patient": uids + [str(cast.bravo.patient.uid)], "coordinator": new.pk}
    )
    with scopes_disabled():
        moved = set(Patient.objects.filter(coordinator=new).values_list("mrn", flat=True))
        assert moved == {"ZERO", "SOME"}
        assert Patient.objects.get(pk=cast.bravo.patient.pk).coordinator == cast.bravo.coordinator


def test_admin_sees_the_assign_page_but_not_the_worklist(cast, login):
    client = login(cast.acme.admin)
    assert client.get("/time/worklist/").status_code == 403
    html = client.get("/time/assign/").content.decode()
    assert "Assign to" in html and str(cast.acme.patient.uid) in html
    assert str(cast.bravo.patient.uid) not in html


def test_worklist_link_in_the_navigation_for_coordinators_only(cast, login):
    assert ">Worklist</a>" in login(cast.acme.coordinator).get("/patients/").content.decode()


def test_biller_has_no_worklist_link(cast, login):
    assert ">Worklist</a>" not in login(cast.acme.biller).get("/patients/").content.decode()


def test_worklist_queries_do_not_grow_with_patients(cast, login, django_assert_max_num_queries):
    t = cast.acme
    client = login(t.coordinator)
    for i in range(3):
        worklist_patient(t, f"A{i}", t.coordinator)
    # Cold: every standing is computed (worklist_state.refresh), then the page's rows built live.
    with django_assert_max_num_queries(40) as few:
        client.get("/time/worklist/")
    for i in range(12):
        worklist_patient(t, f"B{i}", t.coordinator)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/time/worklist/")
    # Warm: nothing changed, so nothing is recomputed: the page's rows alone are built.
    with django_assert_max_num_queries(len(few.captured_queries) - 8):
        client.get("/time/worklist/")
