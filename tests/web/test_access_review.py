"""The access-log page: who saw or changed which patient's records, for organisation-wide
admins and auditors; filters by patient, staff member and dates; the names it shows are
logged in turn; nothing of another organisation, nor for members limited to some practices."""

import datetime as dt

from django_scopes import scopes_disabled

from ccmweb.accounts.models import AccessLog
from ccmweb.patients.models import Patient
from ccmweb.tenants.localtime import local_today
from ccmweb.tenants.models import Membership
from ccmweb.testing.cast import PASSWORD


def visits(client, patient, times: int = 1) -> None:  # type: ignore[no-untyped-def]
    for _ in range(times):
        assert client.get(f"/patients/{patient.uid}/").status_code == 200


def test_an_auditor_sees_who_looked_at_which_patient_newest_first(cast, login, client):
    acme = cast.acme
    visits(login(acme.coordinator), acme.patient)
    client.logout()
    html = login(acme.auditor).get("/access-log/").content.decode()
    row = html.split('<table class="list" id="access-log">')[1].split("</tr>")[1]
    assert acme.coordinator.username in row and "Viewed" in row
    assert f"{acme.patient.family_name}, {acme.patient.given_name}" in row
    assert f"/patients/{acme.patient.uid}/" in row  # the path, opaque ids only
    assert cast.bravo.patient.family_name not in html  # another organisation's log
    with scopes_disabled():  # the names this page showed are logged as views in turn
        assert AccessLog.objects.filter(
            user=acme.auditor, patient_uid=str(acme.patient.uid), path="/access-log/"
        ).exists()


def test_filters_by_patient_staff_member_and_dates(cast, login, client):
    acme = cast.acme
    with scopes_disabled():
        other = Patient.objects.create(
            organization=acme.org, practice=acme.north, mrn="AL-2", given_name="Olga",
            family_name="Otherpatient", birth_date=dt.date(1950, 1, 1),
        )  # fmt: skip
    visits(login(acme.coordinator), acme.patient, 2)
    client.logout()
    visits(login(acme.practitioner.user), other)
    client.logout()
    auditor = login(acme.auditor)

    def rows(query: str) -> str:
        html = auditor.get(f"/access-log/?{query}").content.decode()
        return html.split('id="access-log">')[1] if 'id="access-log">' in html else ""

    only_first = rows(f"patient={acme.patient.uid}")
    assert only_first.count("<tr>") == 3  # the header and two views
    assert "Otherpatient" not in only_first
    by_practitioner = rows(f"user={acme.practitioner.user.pk}")
    assert "Otherpatient" in by_practitioner and acme.patient.family_name not in by_practitioner
    today = local_today(acme.north)  # the page reads dates on the practice's clock, not UTC's
    coordinator = f"user={acme.coordinator.pk}"
    assert rows(f"{coordinator}&since={today}&until={today}").count("Viewed") == 2
    assert rows(f"{coordinator}&since={today + dt.timedelta(days=1)}") == ""
    assert rows(f"until={today - dt.timedelta(days=1)}") == ""


def test_a_patient_of_another_organisation_or_a_bad_id_is_404(cast, login):
    auditor = login(cast.acme.auditor)
    assert auditor.get(f"/access-log/?patient={cast.bravo.patient.uid}").status_code == 404
    assert auditor.get("/access-log/?patient=not-a-uuid").status_code == 404


def test_a_member_limited_to_some_practices_reviews_only_their_own_patients(cast, client):
    acme = cast.acme
    with scopes_disabled():
        user = type(acme.coordinator).objects.create_user(username="south_admin", password=PASSWORD)
        Membership.objects.create(user=user, organization=acme.org, role="admin").practices.set(
            [acme.south]
        )
        southern = Patient.objects.create(
            organization=acme.org, practice=acme.south, mrn="S-1", given_name="Sue",
            family_name="Southpatient", birth_date=dt.date(1950, 1, 1),
        )  # fmt: skip
    client.post("/login/", {"username": "south_admin", "password": PASSWORD})
    assert client.get("/access-log/").status_code == 403  # the whole log names every practice
    assert client.get(f"/access-log/?patient={acme.patient.uid}").status_code == 404  # north's
    visits(client, southern)
    own = client.get(f"/access-log/?patient={southern.uid}").content.decode()
    assert "Southpatient, Sue" in own and acme.patient.family_name not in own


def test_the_patient_page_links_its_access_history_for_reviewers_only(cast, login, client):
    acme = cast.acme
    link = f'href="/access-log/?patient={acme.patient.uid}"'
    assert link in login(acme.admin).get(f"/patients/{acme.patient.uid}/").content.decode()
    client.logout()
    assert (
        link not in login(acme.coordinator).get(f"/patients/{acme.patient.uid}/").content.decode()
    )


def test_pages_keep_the_filters(cast, login, client, monkeypatch):
    from ccmweb.accounts import views

    monkeypatch.setattr(views, "ACCESS_LOG_PAGE", 1)
    acme = cast.acme
    visits(login(acme.coordinator), acme.patient, 3)
    client.logout()
    html = login(acme.auditor).get(f"/access-log/?user={acme.coordinator.pk}").content.decode()
    assert "Page 1 of 3 (3 in all)" in html
    assert f'href="?user={acme.coordinator.pk}&amp;page=2"' in html
