"""Medication reconciliation: imported and patient-reported medicines, discrepancies, who and
when, and the minutes logged as medication reconciliation time."""

from django_scopes import scopes_disabled

from ccmweb.imports.models import Medication
from ccmweb.medications.events import patient_events
from ccmweb.medications.models import Reconciliation
from ccmweb.timelog.models import TimeEntry


def imported(tenant, rx, display, status="active"):
    with scopes_disabled():
        return Medication.objects.create(
            organization=tenant.org, patient=tenant.patient, status=status, rxnorm_code=rx,
            display=display,
        )  # fmt: skip


def form_for(page_rows, answers, new=(), minutes=""):
    data = {"minutes": minutes}
    for n, (key, outcome, dose) in enumerate(answers):
        data.update({f"m-{n}-key": key, f"m-{n}-outcome": outcome, f"m-{n}-dose": dose})
    for n, (display, dose) in enumerate(new):
        data.update({f"new-{n}-display": display, f"new-{n}-dose": dose, f"new-{n}-rxnorm": ""})
    return data


def test_reconciliation_records_discrepancies_and_logs_its_minutes(cast, login):
    imported(cast.acme, "860975", "metformin 500 MG Oral Tablet")
    imported(cast.acme, "197361", "amlodipine 5 MG Oral Tablet")
    imported(cast.acme, "310798", "hydrochlorothiazide 25 MG", status="stopped")  # not current
    c = login(cast.acme.coordinator)
    url = f"/medications/{cast.acme.patient.uid}/reconcile/"
    page = c.get(url).content.decode()
    assert "metformin" in page and "amlodipine" in page and "hydrochlorothiazide" not in page
    form = form_for(
        None,
        [("rx:197361", "confirmed", ""), ("rx:860975", "changed_dose", "1000 mg twice a day")],
        new=[("Vitamin D", "1000 IU daily")],
        minutes="12",
    )
    assert c.post(url, form).status_code == 302
    with scopes_disabled():
        (record,) = Reconciliation.objects.filter(patient=cast.acme.patient)
        items = {i.display: i for i in record.items.all()}
        entry = TimeEntry.objects.get(patient=cast.acme.patient)
    assert record.reconciled_by == cast.acme.coordinator
    assert [i.discrepancy for i in items.values()].count(True) == 2
    assert items["Vitamin D"].outcome == "new" and items["Vitamin D"].dose == "1000 IU daily"
    assert (entry.activity, entry.minutes, entry.user) == (
        "medication_reconciliation",
        12,
        cast.acme.coordinator,
    )
    assert record.time_entry == entry and "metformin" in entry.note
    patient_page = c.get(f"/patients/{cast.acme.patient.uid}/").content.decode()
    assert "1000 mg twice a day" in patient_page and "patient-reported" in patient_page
    with scopes_disabled():
        (event,) = patient_events(cast.acme.patient)
    assert event.title == "Medications reconciled: 2 discrepancies"


def test_a_stopped_medicine_stays_listed_as_not_taken(cast, login):
    imported(cast.acme, "860975", "metformin 500 MG Oral Tablet")
    c = login(cast.acme.coordinator)
    url = f"/medications/{cast.acme.patient.uid}/reconcile/"
    c.post(url, form_for(None, [("rx:860975", "not_taking", "")]))
    page = c.get(f"/patients/{cast.acme.patient.uid}/").content.decode()
    assert "(not taking)" in page


def test_a_wrong_row_keeps_nothing_and_keeps_the_form(cast, login):
    imported(cast.acme, "860975", "metformin 500 MG Oral Tablet")
    c = login(cast.acme.coordinator)
    url = f"/medications/{cast.acme.patient.uid}/reconcile/"
    bad = c.post(url, form_for(None, [("rx:860975", "changed_dose", "")], new=[("Aspirin", "81")]))
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "metformin 500 MG Oral Tablet: write the dose the patient takes." in text
    assert 'value="Aspirin"' in text
    too_long = c.post(url, form_for(None, [("rx:860975", "confirmed", "")], minutes="900"))
    assert too_long.status_code == 400 and b"Minutes" in too_long.content
    with scopes_disabled():
        assert not Reconciliation.objects.exists() and not TimeEntry.objects.exists()


def test_a_coordinator_of_another_org_gets_404(cast, login):
    c = login(cast.acme.coordinator)
    assert c.get(f"/medications/{cast.bravo.patient.uid}/reconcile/").status_code == 404
