"""The patient list shows each patient's enrollment, program and coordinator and filters on
them by link (enum values and ids only: a name never goes in a URL), paged, within the member's
practices."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django_scopes import scopes_disabled

from ccmweb.patients.models import Patient
from ccmweb.tenants.models import Membership
from ccmweb.testing.cast import PASSWORD
from ccmweb.timelog.testing import enroll


def add_patient(tenant, practice, mrn, family, coordinator=None):  # type: ignore[no-untyped-def]
    with scopes_disabled():
        return Patient.objects.create(
            organization=tenant.org,
            practice=practice,
            mrn=mrn,
            given_name="Bea",
            family_name=family,
            birth_date=dt.date(1948, 3, 1),
            coordinator=coordinator,
        )


def limited_user(tenant, username, role, practice):  # type: ignore[no-untyped-def]
    with scopes_disabled():
        user = get_user_model().objects.create_user(username=username, password=PASSWORD)
        Membership.objects.create(user=user, organization=tenant.org, role=role).practices.set(
            [practice]
        )
    return user


def names(response) -> list[str]:  # type: ignore[no-untyped-def]
    return re.findall(r'<a href="/patients/[^"]+/">([^<]+)</a>', response.content.decode())


def row_of(response, family: str) -> str:  # type: ignore[no-untyped-def]
    rows = re.findall(r"<tr>.*?</tr>", response.content.decode(), re.S)
    return next(r for r in rows if family in r)


@pytest.fixture
def acme(cast):  # type: ignore[no-untyped-def]
    """Alice enrolled in CCM with the coordinator; Bea not enrolled, unassigned."""
    enroll(cast.acme.patient, cast.acme.practitioner, cast.acme.coordinator)
    add_patient(cast.acme, cast.acme.north, "ACME-2", "Unenrolled")
    return cast.acme


def test_the_list_shows_enrollment_program_and_coordinator(acme, login):
    response = login(acme.coordinator).get("/patients/")
    alice = row_of(response, "Acmepatient")
    assert "Enrolled" in alice and "CCM (chronic care management)" in alice
    assert acme.coordinator.username in alice
    bea = row_of(response, "Unenrolled")
    assert "Not enrolled" in bea and "unassigned" in bea


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("state=enrolled", ["Acmepatient, Alice"]),
        ("state=none", ["Unenrolled, Bea"]),
        ("program=ccm", ["Acmepatient, Alice"]),
        ("program=apcm", []),
        ("coordinator=none", ["Unenrolled, Bea"]),
        ("state=declined", []),
        ("state=Alice", ["Acmepatient, Alice", "Unenrolled, Bea"]),  # not a state: no filter
    ],
)
def test_filters_by_link(acme, login, query, shown):
    assert names(login(acme.coordinator).get(f"/patients/?{query}")) == shown


def test_filter_by_coordinator_id(acme, login):
    client = login(acme.admin)
    shown = names(client.get(f"/patients/?coordinator={acme.coordinator.pk}"))
    assert shown == ["Acmepatient, Alice"]


def test_the_search_stays_in_the_body_and_keeps_the_filters(acme, login):
    add_patient(acme, acme.north, "ACME-3", "Unenrolledtoo")
    client = login(acme.coordinator)
    response = client.post("/patients/?state=none", {"q": "unenrolledt"})
    assert names(response) == ["Unenrolledtoo, Bea"]
    html = response.content.decode()
    assert '<option value="none" selected>Not enrolled</option>' in html
    assert "unenrolledt" not in re.sub(r'value="unenrolledt"', "", html)  # only in the box


def test_the_filter_form_names_no_patient_and_sends_only_ids_and_states(acme, login):
    html = login(acme.admin).get("/patients/").content.decode()
    form = re.search(r'<form method="get".*?</form>', html, re.S)
    assert form is not None
    values = re.findall(r'<option value="([^"]*)"', form.group(0))
    assert all(v == "" or v.isdigit() or v.isalpha() and v.islower() for v in values), values
    assert str(acme.coordinator.pk) in values


def test_the_list_is_paged(acme, login):
    for n in range(55):
        add_patient(acme, acme.north, f"ACME-P{n}", f"Paged{n:02d}")
    client = login(acme.coordinator)
    first = client.get("/patients/?state=none")
    assert len(names(first)) == 50 and "Page 1 of 2" in first.content.decode()
    second = client.post("/patients/?state=none", {"page": "2", "q": ""})
    assert len(names(second)) == 6 and "Page 2 of 2" in second.content.decode()


def test_a_practice_limited_user_sees_only_their_practices_coordinators(cast, login):
    acme = cast.acme
    south_coordinator = limited_user(acme, "acme_south_coordinator", "coordinator", acme.south)
    north_biller = limited_user(acme, "acme_north_biller", "biller", acme.north)
    add_patient(acme, acme.south, "ACME-S1", "Southpatient", south_coordinator)

    html = login(north_biller).get("/patients/").content.decode()
    assert acme.coordinator.username in html  # works across the organisation
    assert "acme_south_coordinator" not in html
    assert cast.bravo.coordinator.username not in html
    assert "Southpatient" not in html
    # an id the page did not offer filters nothing (and shows no one else's patient)
    shown = names(login(north_biller).get(f"/patients/?coordinator={south_coordinator.pk}"))
    assert shown == ["Acmepatient, Alice"]

    login(north_biller).post("/logout/")
    html = login(acme.admin).get("/patients/").content.decode()
    assert "acme_south_coordinator" in html and "Southpatient" in html


def test_a_coordinator_of_another_organisation_filters_nothing(cast, login):
    add_patient(cast.acme, cast.acme.north, "ACME-2", "Unenrolled")
    client = login(cast.acme.coordinator)
    response = client.get(f"/patients/?coordinator={cast.bravo.coordinator.pk}")
    assert names(response) == ["Acmepatient, Alice", "Unenrolled, Bea"]
    assert "Bravopatient" not in response.content.decode()


def test_a_member_limited_to_an_archived_practice_sees_no_patients(cast, login):
    """Not, by accident, the whole organisation's (the middleware's practices_of)."""
    acme = cast.acme
    south_coordinator = limited_user(acme, "acme_south_coordinator", "coordinator", acme.south)
    add_patient(acme, acme.south, "ACME-S1", "Southpatient", south_coordinator)
    assert names(login(south_coordinator).get("/patients/?state=none")) == ["Southpatient, Bea"]

    with scopes_disabled():
        acme.south.archived_at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        acme.south.save(update_fields=["archived_at"])
    response = login(south_coordinator).get("/patients/")
    assert response.status_code == 200
    assert names(response) == [] and "Acmepatient" not in response.content.decode()
