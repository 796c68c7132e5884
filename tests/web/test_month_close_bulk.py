"""The close's bulk path: COPY text escaping, rows that round-trip, unchanged months left alone."""

import datetime as dt
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from ccmweb.billing import testdata
from ccmweb.billing.bulk import copy_text, insert_rows
from ccmweb.billing.models import MonthClose, PatientMonth
from ccmweb.billing.services import close_month

NOW = dt.datetime(2026, 4, 2, 9, 0, tzinfo=dt.UTC)


def test_copy_text_escapes_what_copy_would_misread():
    assert copy_text(None) == "\\N"
    assert copy_text(True) == "t" and copy_text(False) == "f"
    assert copy_text("a\tb\nc\\d\re") == "a\\tb\\nc\\\\d\\re"
    assert copy_text(b'{"text": "say \\"hi\\""}') == '{"text": "say \\\\"hi\\\\""}'
    assert copy_text(Decimal("12.50")) == "12.50" and copy_text(dt.date(2026, 3, 1)) == "2026-03-01"


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


@pytest.fixture(autouse=True)
def _db(db):  # type: ignore[no-untyped-def]
    """Every test here reads or writes the database."""
