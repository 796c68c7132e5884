"""The access log records who saw which patient, when, from where; logs and error pages
never carry the patient's data."""

import datetime
import logging

import pytest
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.test import Client
from django.urls import include, path
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from ccmweb.accounts.models import AccessLog, AppendOnlyError
from ccmweb.patients.models import Patient
from ccmweb.patients.views import visible_patients
from ccmweb.tenants.decorators import requires
from ccmweb.testing.cast import PASSWORD


@requires("patients.view")
def broken_patient_view(request: HttpRequest, uid: str) -> HttpResponse:
    """A view that fails after loading a patient, as a bug in a real view would."""
    get_object_or_404(visible_patients(request), uid=uid)
    raise RuntimeError("something broke while rendering the page")


# This module doubles as a URLconf for the 500 test: the real URLs plus one that breaks.
urlpatterns = [
    path("broken/<uuid:uid>/", broken_patient_view),
    path("", include("ccmweb.urls")),
]


@pytest.fixture
def patient(cast):
    """Acme's patient with data distinctive enough to search the logs for."""
    with scopes_disabled():
        p = Patient.objects.get(pk=cast.acme.patient.pk)
        p.given_name, p.family_name, p.mrn = "Philomena", "Quackenbush", "MRN-778899"
        p.birth_date, p.mbi = datetime.date(1944, 7, 19), "2EG4TE5MK74"
        p.save()
    return p


def patient_data(patient: Patient) -> list[str]:
    born = patient.birth_date
    return [
        patient.given_name,
        patient.family_name,
        patient.mrn,
        patient.mbi,
        born.isoformat(),
        born.strftime("%m/%d/%Y"),
        born.strftime("%B %-d, %Y"),
    ]


def assert_no_patient_data(text: str, patient: Patient) -> None:
    for value in patient_data(patient):
        assert value not in text, f"patient data {value!r} leaked"


def test_viewing_a_patient_writes_who_what_when_and_where(cast, login):
    client = login(cast.acme.coordinator)
    before = timezone.now()
    client.get(f"/patients/{cast.acme.patient.uid}/", REMOTE_ADDR="10.1.2.3")
    with scopes_disabled():
        row = AccessLog.objects.get(patient_uid=str(cast.acme.patient.uid))
    assert row.user == cast.acme.coordinator and row.organization == cast.acme.org
    assert row.action == "view" and row.object_type == "patient"
    assert row.object_uid == str(cast.acme.patient.uid)
    assert before <= row.at <= timezone.now()
    assert row.ip_address == "10.1.2.3"
    assert row.path == f"/patients/{cast.acme.patient.uid}/"


def test_behind_the_tls_proxy_the_address_is_the_one_the_proxy_saw(cast, login, settings):
    settings.HTTPS = True
    settings.TRUSTED_PROXIES = "10.0.0.1"
    client = login(cast.acme.coordinator)
    for peer in ("10.0.0.1", "10.0.0.2"):  # our proxy, then a peer that is none
        client.get(
            f"/patients/{cast.acme.patient.uid}/",
            REMOTE_ADDR=peer,
            HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9",
            secure=True,
        )
    with scopes_disabled():
        addresses = list(AccessLog.objects.order_by("pk").values_list("ip_address", flat=True))
    assert addresses == ["203.0.113.9", "10.0.0.2"]  # CCM_TRUSTED_PROXIES: only ours is believed


def test_the_patient_list_logs_each_patient_shown(cast, login):
    login(cast.acme.biller).get("/patients/")
    with scopes_disabled():
        rows = list(AccessLog.objects.filter(user=cast.acme.biller))
    assert [(r.action, r.patient_uid) for r in rows] == [("view", str(cast.acme.patient.uid))]


def test_a_refused_look_at_another_organisations_patient_is_not_logged_as_a_view(cast, login):
    login(cast.acme.coordinator).get(f"/patients/{cast.bravo.patient.uid}/")
    with scopes_disabled():
        assert not AccessLog.objects.filter(patient_uid=str(cast.bravo.patient.uid)).exists()


def test_the_access_log_cannot_be_changed_or_deleted(cast, login):
    login(cast.acme.coordinator).get(f"/patients/{cast.acme.patient.uid}/")
    with scope(organization=cast.acme.org):
        row = AccessLog.objects.get()
        row.action = "delete"
        with pytest.raises(AppendOnlyError):
            row.save()
        with pytest.raises(AppendOnlyError):
            row.delete()
        with pytest.raises(AppendOnlyError):
            AccessLog.objects.filter(pk=row.pk).update(action="delete")
        with pytest.raises(AppendOnlyError):
            AccessLog.objects.filter(pk=row.pk).delete()
        with pytest.raises(AppendOnlyError):
            AccessLog.objects.bulk_update([row], ["action"])
        assert AccessLog.objects.get().action == "view"


def test_the_access_log_is_scoped_to_its_organisation(cast, login):
    login(cast.acme.coordinator).get(f"/patients/{cast.acme.patient.uid}/")
    with scope(organization=cast.bravo.org):
        assert not AccessLog.objects.exists()
    with scope(organization=cast.acme.org):
        assert AccessLog.objects.count() == 1


def test_application_logs_never_carry_patient_data(cast, patient, login, caplog):
    caplog.set_level(logging.DEBUG)
    client = login(cast.acme.coordinator)
    assert client.get(f"/patients/{patient.uid}/").status_code == 200
    assert client.post("/patients/", {"q": patient.family_name}).status_code == 200
    assert client.post("/patients/", {"q": patient.mrn}).status_code == 200
    # failed requests: wrong organisation, forbidden switch, failed log-in with a patient's name
    other = Client()
    other.post("/login/", {"username": cast.bravo.coordinator.username, "password": PASSWORD})
    assert other.get(f"/patients/{patient.uid}/").status_code == 404
    assert other.post("/switch/", {"organization": str(cast.acme.org.uid)}).status_code == 400
    Client().post("/login/", {"username": patient.family_name, "password": patient.mrn})
    assert caplog.records, "nothing was logged: the test would prove nothing"
    assert_no_patient_data(caplog.text, patient)
    for record in caplog.records:
        assert_no_patient_data(record.getMessage() + repr(record.args), patient)


def test_the_404_page_shows_no_patient_data(cast, patient, login):
    response = login(cast.bravo.coordinator).get(f"/patients/{patient.uid}/")
    assert response.status_code == 404 and b"Not found" in response.content
    assert_no_patient_data(response.content.decode(), patient)


def test_the_500_page_and_its_log_show_no_patient_data(cast, patient, settings, caplog):
    settings.ROOT_URLCONF = __name__
    caplog.set_level(logging.DEBUG)
    client = Client(raise_request_exception=False)
    client.post("/login/", {"username": cast.acme.coordinator.username, "password": PASSWORD})
    response = client.get(f"/broken/{patient.uid}/")
    assert response.status_code == 500 and b"Something went wrong" in response.content
    assert_no_patient_data(response.content.decode(), patient)
    assert "Internal Server Error" in caplog.text
    assert_no_patient_data(caplog.text, patient)


def test_a_long_list_is_logged_row_for_row_over_several_statements(cast, rf, monkeypatch):
    """log_patients_shown writes a multi-row INSERT a chunk: every object shown gets its row,
    with the patient's uid only where the object is a patient."""
    from ccmweb.accounts import audit

    monkeypatch.setattr(audit, "ROWS_A_STATEMENT", 2)
    request = rf.get("/time/worklist/", REMOTE_ADDR="203.0.113.9")
    request.user, request.organization = cast.acme.biller, cast.acme.org
    shown = [cast.acme.patient, cast.acme.practitioner, cast.acme.patient, cast.acme.patient, cast.acme.patient]  # fmt: skip
    audit.log_patients_shown(request, shown)
    with scopes_disabled():
        rows = list(AccessLog.objects.filter(user=cast.acme.biller).order_by("pk"))
    patient, practitioner = str(cast.acme.patient.uid), str(cast.acme.practitioner.uid)
    assert [(r.object_type, r.object_uid, r.patient_uid) for r in rows] == [
        ("patient", patient, patient),
        ("practitioner", practitioner, ""),
        *[("patient", patient, patient)] * 3,
    ]
    assert {(r.organization_id, r.action, r.ip_address, r.path) for r in rows} == {
        (cast.acme.org.pk, "view", "203.0.113.9", "/time/worklist/")
    }
