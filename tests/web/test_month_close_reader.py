"""A close that is its own outermost transaction reads each batch's inputs ahead on a
connection of its own (batch.Reader) while its connection writes: it decides and bills as a
close that reads on its own connection does, and a second run changes nothing.

PostgreSQL only (the reader is a second connection; SQLite has no database thread), and with
committed rows (transaction=True): the reader sees only what is committed.
"""

import datetime as dt
import threading

import pytest
from django.db import transaction
from django_scopes import scopes_disabled
from tests.web.test_month_close_bulk import _months_and_claims, empty_the_billing_tables

from ccmweb.billing import batch, testdata
from ccmweb.billing.models import PatientMonth
from ccmweb.billing.services import close_month
from ccmweb.testing.cast import make_cast

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
NOW = dt.datetime(2026, 4, 2, 9, 0, tzinfo=dt.UTC)


def test_inputs_read_apart_decide_and_bill_as_read_on_the_close_connection(monkeypatch):
    read_on: list[str] = []
    read_batch = batch.read_batch

    def recorded(ids, run):  # type: ignore[no-untyped-def]
        read_on.append(threading.current_thread().name)
        return read_batch(ids, run)

    monkeypatch.setattr(batch, "read_batch", recorded)
    monkeypatch.setattr(batch, "BATCH", 2)
    with scopes_disabled():
        acme = make_cast().acme
        testdata.billable_month(acme, minutes=45)
        testdata.billable_patients(acme, 4)
        apart = close_month(acme.north, testdata.MONTH, now=NOW)
        decided_apart = _months_and_claims()
        assert len(read_on) == 3 and threading.main_thread().name not in read_on
        again = close_month(acme.north, testdata.MONTH, now=NOW + dt.timedelta(days=1))
        assert _months_and_claims() == decided_apart  # a second run changes nothing
        assert set(PatientMonth.objects.values_list("decided_at", flat=True)) == {NOW}

        read_on.clear()
        empty_the_billing_tables()
        with transaction.atomic():  # inside a caller's transaction: read on the close's own
            together = close_month(acme.north, testdata.MONTH, now=NOW)
        assert read_on == [threading.main_thread().name] * 3
        assert _months_and_claims() == decided_apart
    for close in (again, together):
        assert (close.billable, close.held, close.nothing, close.claims, close.total) == (
            apart.billable, apart.held, apart.nothing, apart.claims, apart.total
        )  # fmt: skip
    assert (apart.billable, apart.claims) == (5, 5)
