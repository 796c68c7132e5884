"""A re-close rebuilds the patients whose inputs changed, and only them: every writer of a close
input bumps the patient's revision in the database (ccmweb.sql.revises_patient), each stored
month remembers the revision it was decided at, and a re-close with nothing changed reads
revisions and claims, never the inputs.

One test per input path: each changes that input after a close, through the code that writes
it, and fails if that input's bump is taken away (the re-close would keep the old decision)."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django_scopes import scope, scopes_disabled

from ccmweb.billing import testdata
from ccmweb.billing.models import Claim, MonthClose, PatientMonth
from ccmweb.billing.services import close_month
from ccmweb.careplans import services as careplans
from ccmweb.careplans.testdata import care_plan
from ccmweb.enrollment.services import record_initiating_visit, revoke_consent
from ccmweb.imports.services import run_import, start_run
from ccmweb.patients.models import Condition, Encounter, Patient
from ccmweb.timelog.services import NewTime, add_time, record_mdm

MONTH = testdata.MONTH
NOW = dt.datetime(2026, 4, 2, 9, 0, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(days=2)
INPUT_TABLES = ("timelog_timeentry", "timelog_monthmdm", "patients_condition",
                "patients_encounter", "careplans_careplanversion")  # fmt: skip


@pytest.fixture
def acme(cast):  # type: ignore[no-untyped-def]
    with scopes_disabled():
        yield cast.acme


def month_of(patient: Patient) -> PatientMonth:
    return PatientMonth.objects.get(patient=patient, month=MONTH.first)


def billed(patient: Patient) -> list[tuple[str, int]]:
    """The codes and units of the patient's current claim for the month (none: [])."""
    claim = Claim.objects.filter(patient=patient, month=MONTH.first, current=True).first()
    if claim is None or claim.frequency == Claim.Frequency.VOID:
        return []
    return sorted((line.code, line.units) for line in claim.lines.all())


def revision(patient: Patient) -> int:
    return Patient.objects.values_list("revision", flat=True).get(pk=patient.pk)


def test_a_second_close_with_nothing_changed_reads_no_inputs_and_changes_nothing(acme):
    patient = testdata.billable_month(acme)
    first = close_month(acme.north, MONTH, now=NOW)
    stored = month_of(patient)
    assert stored.patient_revision == revision(patient) > 0
    with CaptureQueriesContext(connection) as queries:
        second = close_month(acme.north, MONTH, now=LATER)
    read = " ".join(q["sql"] for q in queries.captured_queries)
    assert [table for table in INPUT_TABLES if table in read] == []
    consents = [q for q in queries.captured_queries if "enrollment_consentrecord" in q["sql"]]
    assert len(consents) == 1  # the list of enrolled patients
    assert (second.billable, second.claims, second.total) == (first.billable, 1, first.total)
    again = month_of(patient)
    assert (again.decided_at, again.fingerprint) == (stored.decided_at, stored.fingerprint)


def test_a_bump_without_a_change_rebuilds_once_then_reads_no_inputs_again(acme):
    patient = testdata.billable_month(acme)
    close_month(acme.north, MONTH, now=NOW)
    decided = month_of(patient).decided_at
    testdata.log_time(acme, patient, dt.date(2026, 4, 1), 10)  # April's time: March is the same
    close_month(acme.north, MONTH, now=LATER)
    month = month_of(patient)
    assert month.decided_at == decided and month.patient_revision == revision(patient)
    with CaptureQueriesContext(connection) as queries:
        close_month(acme.north, MONTH, now=LATER + dt.timedelta(hours=1))
    assert "timelog_timeentry" not in " ".join(q["sql"] for q in queries.captured_queries)


def test_time_amended_through_the_time_service_is_billed_at_the_re_close(acme):
    patient = testdata.billable_month(acme, minutes=25)
    close_month(acme.north, MONTH, now=NOW)
    assert billed(patient) == [("99490", 1)]
    entry = patient.time_entries.get()
    add_time(
        acme.coordinator, "coordinator", acme.org, patient,
        NewTime(minutes=45, program="ccm", activity="patient_call", note="Call ran longer"),
        now=NOW + dt.timedelta(hours=1), amends=entry,
    )  # fmt: skip
    close_month(acme.north, MONTH, now=LATER)
    assert billed(patient) == [("99439", 1), ("99490", 1)]


def test_mdm_recorded_after_the_close_is_read_at_the_re_close(acme):
    patient = testdata.billable_month(acme, minutes=95)
    close_month(acme.north, MONTH, now=NOW)
    assert ("99487", 1) not in billed(patient)
    record_mdm(acme.coordinator, acme.org, patient, MONTH, "high")
    close_month(acme.north, MONTH, now=LATER)
    assert ("99487", 1) in billed(patient)


def test_a_condition_resolved_or_deleted_is_read_at_the_re_close(acme):
    patient = testdata.billable_month(acme)
    close_month(acme.north, MONTH, now=NOW)
    assert month_of(patient).status == "billable"
    Condition.objects.filter(patient=patient, icd10_code="I10").update(clinical_status="resolved")
    close_month(acme.north, MONTH, now=LATER)
    assert month_of(patient).status != "billable" and billed(patient) == []
    Condition.objects.filter(patient=patient, icd10_code="I10").update(clinical_status="active")
    close_month(acme.north, MONTH, now=LATER + dt.timedelta(hours=1))
    assert month_of(patient).status == "billable"
    Condition.objects.filter(patient=patient, icd10_code="I10").delete()
    close_month(acme.north, MONTH, now=LATER + dt.timedelta(hours=2))
    assert month_of(patient).status != "billable"


def test_an_initiating_visit_recorded_after_the_close_is_read_at_the_re_close(acme):
    Encounter.objects.filter(patient=acme.patient).delete()
    patient = testdata.billable_month(acme)
    close_month(acme.north, MONTH, now=NOW)
    assert month_of(patient).status != "billable"
    record_initiating_visit(
        patient, date=dt.date(2025, 12, 15), code="99214", practitioner=acme.practitioner
    )
    close_month(acme.north, MONTH, now=LATER)
    assert month_of(patient).status == "billable" and billed(patient) == [("99490", 1)]


def test_a_consent_revoked_after_the_close_is_read_at_the_re_close(acme):
    patient = testdata.billable_month(acme)
    close_month(acme.north, MONTH, now=NOW)
    revoke_consent(
        patient, obtained_by=acme.coordinator, effective_date=dt.date(2026, 2, 10), now=NOW
    )
    close_month(acme.north, MONTH, now=LATER)
    assert month_of(patient).status != "billable" and billed(patient) == []


def test_a_care_plan_signed_after_the_close_is_read_at_the_re_close(acme):
    version = careplans.latest_version(care_plan(acme))
    patient = acme.patient
    Patient.objects.filter(pk=patient.pk).update(
        address_line="12 Elm St", city="Springfield", state="IL", postal_code="62704"
    )
    testdata.log_time(acme, patient, dt.date(2026, 3, 4), 25)
    close_month(acme.north, MONTH, now=NOW)
    assert month_of(patient).status != "billable"
    careplans.sign(version, user=acme.practitioner.user, now=dt.datetime(2026, 2, 1, tzinfo=dt.UTC))
    close_month(acme.north, MONTH, now=LATER)
    assert month_of(patient).status == "billable"


def test_patient_facts_changed_in_bulk_or_by_a_save_are_read_at_the_re_close(acme):
    patient = testdata.billable_month(acme)
    close_month(acme.north, MONTH, now=NOW)
    Patient.objects.filter(pk=patient.pk).update(mbi="")  # a set-based UPDATE
    close_month(acme.north, MONTH, now=LATER)
    assert month_of(patient).status == "held" and "MBI" in month_of(patient).fix
    patient.refresh_from_db()
    patient.mbi = "1EG4TE5MK73"
    patient.save()
    close_month(acme.north, MONTH, now=LATER + dt.timedelta(hours=1))
    assert month_of(patient).status == "billable"
    patient.part_b = False
    patient.save(update_fields=["part_b"])
    close_month(acme.north, MONTH, now=LATER + dt.timedelta(hours=2))
    assert month_of(patient).status == "held" and "Part B" in month_of(patient).reason


def test_a_stale_save_of_the_patient_cannot_undo_a_bump(acme):
    """A patient loaded before a change and saved after it writes its old revision back: the
    database keeps the newer one, so the change is still seen."""
    patient = testdata.billable_month(acme, minutes=25)
    close_month(acme.north, MONTH, now=NOW)
    stale = Patient.objects.get(pk=patient.pk)
    testdata.log_time(acme, patient, dt.date(2026, 3, 20), 20)
    bumped = revision(patient)
    stale.phone = "555-0100"
    stale.save()
    assert revision(patient) == bumped
    close_month(acme.north, MONTH, now=LATER)
    assert billed(patient) == [("99439", 1), ("99490", 1)]


def csv_import(practice, folder, files):  # type: ignore[no-untyped-def]
    for name, text in files.items():
        (folder / name).write_text(text)
    with scope(organization=practice.organization):
        run_import(start_run(practice, "csv"), [str(folder)], today=dt.date(2026, 4, 1))


PATIENTS_CSV = (
    "id,mrn,given_name,family_name,birth_date,address_line,city,state,postal_code,mbi\n"
    "emr-7,M7,Ann,Roe,1950-03-15,1 Oak St,Springfield,IL,62704,1EG4TE5MK99\n"
)
VISITS_CSV = "id,patient_id,date,code_system,code\nv1,emr-7,2025-11-20,cpt,99214\n"


def conditions_csv(hypertension: str) -> str:
    return (
        "id,patient_id,code_system,code,onset_date,status\n"
        "c1,emr-7,icd10,E11.9,2015-01-02,active\n"
        f"c2,emr-7,icd10,I10,2012-01-02,{hypertension}\n"
    )


def coverage_csv(kind: str) -> str:
    return f"id,patient_id,kind,start_date\ncov1,emr-7,{kind},2015-03-01\n"


def test_a_bulk_import_of_conditions_and_coverage_is_read_at_the_re_close(acme, tmp_path):
    files = {
        "patients.csv": PATIENTS_CSV,
        "conditions.csv": conditions_csv("active"),
        "visits.csv": VISITS_CSV,
        "coverage.csv": coverage_csv("part_b"),
    }
    csv_import(acme.north, tmp_path, files)
    patient = Patient.objects.get(practice=acme.north, source_id="emr-7")
    testdata.billable_month(acme, patient=patient)
    close_month(acme.north, MONTH, now=NOW)
    assert month_of(patient).status == "billable"

    csv_import(acme.north, tmp_path, {**files, "conditions.csv": conditions_csv("resolved")})
    close_month(acme.north, MONTH, now=LATER)
    assert month_of(patient).status != "billable" and "condition" in month_of(patient).reason

    files = {**files, "coverage.csv": coverage_csv("medicare_advantage")}
    csv_import(acme.north, tmp_path, {**files, "conditions.csv": conditions_csv("active")})
    close_month(acme.north, MONTH, now=LATER + dt.timedelta(hours=1))
    assert month_of(patient).status == "held"


def test_a_changed_practice_rebuilds_every_month(acme):
    """The practice's facts are not a patient's input: a change of them (here its time zone)
    changes the close's inputs_key, and the next run rebuilds every patient."""
    patient = testdata.billable_month(acme)
    close_month(acme.north, MONTH, now=NOW)
    key = MonthClose.objects.get(practice=acme.north).inputs_key
    acme.north.time_zone = "Pacific/Kiritimati"
    acme.north.save()
    with CaptureQueriesContext(connection) as queries:
        close_month(acme.north, MONTH, now=LATER)
    assert "timelog_timeentry" in " ".join(q["sql"] for q in queries.captured_queries)
    assert MonthClose.objects.get(practice=acme.north).inputs_key != key
    assert month_of(patient).status == "billable"


ENCOUNTER_COLUMNS = ("organization_id", "patient_id", "source_id", "date", "encounter_class",
                     "type_system", "type_code", "type_display")  # fmt: skip


def encounter_rows(patients: list[Patient], count: int) -> list[tuple[object, ...]]:
    return [
        (
            p.organization_id,
            p.pk,
            f"bulk-{p.pk}-{n}",
            dt.date(2026, 3, 2),
            "AMB",
            "cpt",
            "99214",
            "",
        )
        for p in patients
        for n in range(count)
    ]


def trigger_text(table: str) -> str | None:
    """The database's own text of TABLE's insert trigger (SQLite; PostgreSQL: its name)."""
    name = f"{table}_revises_patient_insert"
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s", [name]
            )
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname = %s", [name])
        found = cursor.fetchone()
    return found[0] if found else None


def test_a_bulk_insert_bumps_each_of_its_patients_and_keeps_the_trigger(acme):
    """From rows.REVISE_ONCE rows on, SQLite swaps the row trigger for one bump of the rows'
    patients (ccmweb.sql.revising_once): every patient named is bumped, no other, and the
    trigger is back, the same text, for the next writer."""
    from ccmweb.imports.rows import REVISE_ONCE, insert_rows

    patient = testdata.billable_month(acme)
    others = testdata.billable_patients(acme, 2, family="Bulk")
    close_month(acme.north, MONTH, now=NOW)
    text = trigger_text("patients_encounter")
    assert text is not None
    before = {p.pk: revision(p) for p in (patient, *others)}
    insert_rows(Encounter, ENCOUNTER_COLUMNS, encounter_rows([patient, others[0]], REVISE_ONCE))
    after = {p.pk: revision(p) for p in (patient, *others)}
    assert after[patient.pk] > before[patient.pk] and after[others[0].pk] > before[others[0].pk]
    assert after[others[1].pk] == before[others[1].pk]
    assert trigger_text("patients_encounter") == text
    Encounter.objects.create(
        organization_id=patient.organization_id, patient=others[1], date=dt.date(2026, 3, 3)
    )
    assert revision(others[1]) > before[others[1].pk]  # the row trigger again
    close_month(acme.north, MONTH, now=LATER)
    assert month_of(patient).patient_revision == revision(patient)


def test_a_failed_bulk_insert_leaves_no_rows_and_the_trigger_in_place(acme):
    """A row refused in the second statement: the first statement's rows go too (the
    insert's savepoint), and the trigger is there as before."""
    from ccmweb.imports.rows import PER_STATEMENT, insert_rows

    patient = testdata.billable_month(acme)
    text = trigger_text("patients_encounter")
    count = Encounter.objects.count()
    rows = encounter_rows([patient], PER_STATEMENT + 1)
    rows[-1] = (patient.organization_id, patient.pk, "bad", None, "AMB", "cpt", "99214", "")
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(Encounter, ENCOUNTER_COLUMNS, rows)
    assert Encounter.objects.count() == count
    assert trigger_text("patients_encounter") == text
