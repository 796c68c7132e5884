"""The close's bulk path: COPY text escaping, rows that round-trip, unchanged months left alone,
batches pipelined with the database thread deciding as one batch does."""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from django_scopes import scopes_disabled

from ccmweb.billing import batch, testdata
from ccmweb.billing.bulk import Pipeline, copy_line, copy_text, insert_rows
from ccmweb.billing.models import Claim, ClaimLine, LedgerEntry, MonthClose, PatientMonth
from ccmweb.billing.services import close_month
from ccmweb.patients.models import Patient

NOW = dt.datetime(2026, 4, 2, 9, 0, tzinfo=dt.UTC)


def test_copy_text_escapes_what_copy_would_misread():
    assert copy_text(None) == "\\N"
    assert copy_text(True) == "t" and copy_text(False) == "f"
    assert copy_text("a\tb\nc\\d\re") == "a\\tb\\nc\\\\d\\re"
    assert copy_text(b'{"text": "say \\"hi\\""}') == '{"text": "say \\\\"hi\\\\""}'
    assert copy_text(Decimal("12.50")) == "12.50" and copy_text(dt.date(2026, 3, 1)) == "2026-03-01"


def test_copy_line_takes_the_slow_way_whenever_a_value_needs_it():
    assert copy_line((1, "plain", Decimal("1.50"), True)) == "1\tplain\t1.50\tTrue"
    assert copy_line((1, None, "None of it", None)) == "1\t\\N\tNone of it\t\\N"
    for row in [("a\tb", 2), ("back\\slash", None), (b'{"a": 1}',), ("a\nb", None)]:
        assert copy_line(row) == "\t".join(map(copy_text, row))


def test_a_text_array_reads_back_as_its_strings():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the literal is PostgreSQL's array syntax")
    awkward = ['say "hi"', "back\\slash", "a,b", "{braces}", "", "NULL", " spaced "]
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::text[]", [batch.text_array(awkward)])
        assert cursor.fetchone()[0] == awkward


def test_inserted_rows_read_back_as_written(cast):
    with scopes_disabled():
        acme = cast.acme
        awkward = 'Tab\there, newline\nthere, back\\slash and "quotes"'
        [pk] = insert_rows(
            PatientMonth,
            ("organization_id", "practice_id", "patient_id", "month", "status", "reason", "fix",
             "lines", "total", "minutes", "findings", "inputs", "policy", "fingerprint",
             "decided_at"),
            [(acme.org.pk, acme.north.pk, acme.patient.pk, dt.date(2026, 3, 1), "held", awkward,
              "", b'[{"code": "99490"}]', Decimal("62.50"), 25, b'[{"text": "a\\\\b"}]', b"{}",
              b"{}", "f" * 32, NOW)],
        )  # fmt: skip
        month = PatientMonth.objects.get(pk=pk)
    assert month.reason == awkward and month.total == Decimal("62.50")
    assert month.lines == [{"code": "99490"}] and month.findings == [{"text": "a\\b"}]
    assert month.decided_at == NOW and month.uid is not None


def test_an_unchanged_month_is_not_decided_again_and_a_changed_one_is(cast):
    with scopes_disabled():
        acme = cast.acme
        patient = testdata.billable_month(acme, minutes=25)
        close_month(acme.north, testdata.MONTH, now=NOW)
        first = PatientMonth.objects.get(patient=patient)
        close_month(acme.north, testdata.MONTH, now=NOW + dt.timedelta(days=1))
        assert PatientMonth.objects.get(patient=patient).decided_at == NOW
        testdata.log_time(acme, patient, dt.date(2026, 3, 9), 30)
        close = close_month(acme.north, testdata.MONTH, now=NOW + dt.timedelta(days=2))
        again = PatientMonth.objects.get(patient=patient)
    assert again.decided_at == NOW + dt.timedelta(days=2) and again.pk == first.pk
    assert again.fingerprint != first.fingerprint and again.minutes == 55
    assert (close.billable, close.claims) == (1, 1)


def test_policy_is_kept_once_on_the_close_not_per_patient(cast):
    with scopes_disabled():
        testdata.billable_month(cast.acme)
        close = close_month(cast.acme.north, testdata.MONTH, now=NOW)
        assert MonthClose.objects.get(pk=close.pk).policy
        assert PatientMonth.objects.get().policy == {}


def test_rows_of_both_ways_read_back_as_written(cast):
    with scopes_disabled():
        acme = cast.acme
        columns = ("organization_id", "practice_id", "patient_id", "month", "status", "reason",
                   "fix", "lines", "total", "minutes", "findings", "inputs", "policy",
                   "fingerprint", "decided_at")  # fmt: skip
        plain = [acme.org.pk, acme.north.pk, acme.patient.pk, dt.date(2026, 3, 1), "held",
                 "No MBI", "", '[{"rule": "cms-rules §1b"}]', Decimal("0"), 5, "[]", "{}", "{}",
                 "a" * 32, NOW]  # fmt: skip
        other = cast.bravo.patient
        awkward = [cast.bravo.org.pk, cast.bravo.north.pk, other.pk, *plain[3:]]
        awkward[5], awkward[6], awkward[7] = "None\tleft", "back\\slash", b'["a\\\\b"]'
        insert_rows(PatientMonth, columns, [plain, awkward])
        rows = {
            m.patient_id: m for m in PatientMonth.objects.filter(patient__in=[acme.patient, other])
        }
    assert rows[acme.patient.pk].lines == [{"rule": "cms-rules §1b"}]
    assert rows[acme.patient.pk].reason == "No MBI" and rows[acme.patient.pk].decided_at == NOW
    assert rows[other.pk].reason == "None\tleft" and rows[other.pk].fix == "back\\slash"
    assert rows[other.pk].lines == ["a\\b"]


def _months_and_claims() -> list[tuple[object, ...]]:
    """What a close decided and billed, without the ids, uids and times that differ by run."""
    months = [
        ("month", m.patient_id, m.status, m.reason, m.lines, str(m.total), m.minutes, m.findings,
         m.inputs, m.fingerprint)
        for m in PatientMonth.objects.order_by("patient_id")
    ]  # fmt: skip
    claims = [
        ("claim", c.patient_id, c.patient_month.patient_id, c.mbi, c.status, c.frequency,
         c.rendering_id, c.diagnoses, str(c.expected),
         sorted((ln.code, ln.units, str(ln.service_date), str(ln.charge)) for ln in c.lines.all()),
         [(e.kind, str(e.amount)) for e in c.ledger.all()])
        for c in Claim.objects.order_by("patient_id")
    ]  # fmt: skip
    return months + claims


def empty_the_billing_tables() -> None:
    """As before any close. The ledger refuses DELETE (its QuerySet everywhere, the database
    on PostgreSQL: ccmweb.sql.append_only); TRUNCATE is not a row change."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # the test's pending key checks first
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "TRUNCATE billing_ledgerentry, billing_claimline, billing_claim,"
                " billing_patientmonth, billing_monthclose CASCADE"
            )
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        return
    for model in (LedgerEntry, ClaimLine, Claim, PatientMonth, MonthClose):
        model.objects.all()._raw_delete(model.objects.db)


def test_batches_of_two_decide_and_bill_as_one_batch_does(cast, monkeypatch):
    """Batch n is decided while the database thread writes batch n - 1: the months, claims,
    lines and ledger rows come out as from one batch of everyone."""
    with scopes_disabled():
        acme = cast.acme
        testdata.billable_month(acme, minutes=45)
        for i, minutes in enumerate([5, 25, 65, 30, 90]):
            patient = Patient.objects.create(
                organization=acme.org, practice=acme.north, mrn=f"B{i}", given_name="Bo",
                family_name=f"Batch{i}", birth_date=dt.date(1950, 1, 1),
                mbi=f"1EG4TE5MK{i:02d}" if i != 3 else "", part_b=True,
            )  # fmt: skip
            for fact in (*acme.patient.conditions.all(), *acme.patient.encounters.all()):
                fact.pk, fact.patient = None, patient
                fact.save()
            testdata.billable_month(acme, minutes=minutes, patient=patient)
        monkeypatch.setattr(batch, "BATCH", 2)
        in_twos = close_month(acme.north, testdata.MONTH, now=NOW)
        decided_in_twos = _months_and_claims()
        empty_the_billing_tables()
        monkeypatch.setattr(batch, "BATCH", 10_000)
        at_once = close_month(acme.north, testdata.MONTH, now=NOW)
        assert _months_and_claims() == decided_in_twos
    assert (in_twos.billable, in_twos.held, in_twos.nothing, in_twos.claims, in_twos.total) == (
        at_once.billable, at_once.held, at_once.nothing, at_once.claims, at_once.total
    )  # fmt: skip
    assert (at_once.billable, at_once.held, at_once.nothing) == (4, 1, 1)


def test_an_error_of_the_database_work_is_raised_to_the_close():
    def refused() -> None:
        raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"), Pipeline() as pipeline:
        pipeline.jobs.append(refused)
        pipeline.flush()
        pipeline.wait()


@pytest.mark.postgres  # elsewhere start() runs the job at once, its error with it
def test_jobs_started_run_in_order_and_the_first_error_is_raised_after_all_ran():
    ran: list[str] = []

    def job(name: str, error: bool = False) -> Callable[[], None]:
        def run() -> None:
            ran.append(name)
            if error:
                raise ValueError(name)

        return run

    with pytest.raises(ValueError, match="second"), Pipeline() as pipeline:
        for name in ("first", "second", "third"):
            pipeline.start(job(name, error=name != "first"))
        pipeline.wait()
    assert ran == ["first", "second", "third"]


@pytest.fixture(autouse=True)
def _db(db):  # type: ignore[no-untyped-def]
    """Every test here reads or writes the database."""


def _reclose_statements(acme, patients, sent: bool, day: int) -> int:  # type: ignore[no-untyped-def]
    """Statements a re-close runs after each of PATIENTS got more minutes (their claims SENT
    first, so they are replaced, or not, so they are withdrawn and made anew)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if sent:
        Claim.objects.filter(patient__in=patients).update(status="sent", sent_at=NOW)
    for patient in patients:
        testdata.log_time(acme, patient, dt.date(2026, 3, 20), 25)
    now = NOW + dt.timedelta(days=day)
    with CaptureQueriesContext(connection) as queries:
        close_month(acme.north, testdata.MONTH, now=now)
    assert PatientMonth.objects.filter(decided_at=now).count() == len(patients)
    return len(queries)


@pytest.mark.parametrize("sent", [False, True], ids=["withdrawn", "replaced"])
def test_a_reclose_writes_its_changed_months_together_not_one_by_one(cast, sent):
    """issue 13: changed months and their claim corrections are written set-based — one month
    changed or five, the re-close runs the same number of statements (it ran several more for
    each changed month: an UPDATE of the month, of the claim, and a claim's three INSERTs)."""
    with scopes_disabled():
        acme = cast.acme
        patients = testdata.billable_patients(acme, 6)
        close_month(acme.north, testdata.MONTH, now=NOW)
        one = _reclose_statements(acme, patients[:1], sent, 1)
        five = _reclose_statements(acme, patients[1:], sent, 2)
        current = Claim.objects.filter(current=True)
        kinds = sorted(set(current.values_list("frequency", flat=True)))
        minutes = set(PatientMonth.objects.filter(patient__in=patients).values_list("minutes", flat=True))  # fmt: skip
    assert five == one, (one, five)
    assert current.count() == 6 and kinds == (["7"] if sent else ["1"])
    assert minutes == {50}
