"""Time logged while its month closes waits for the close, then is refused: the closed check
runs inside the close's lock (it ran before the entry's transaction: a race).

PostgreSQL only: SQLite serialises every writer anyway (IMMEDIATE transactions), and its
in-memory test database is not shared between threads.
"""

import datetime as dt
import threading

import pytest
from django.db import connections
from django_scopes import scope, scopes_disabled

from ccmweb.billing import testdata
from ccmweb.billing.services import close_month
from ccmweb.patients.models import Patient
from ccmweb.testing.cast import make_cast
from ccmweb.timelog import services
from ccmweb.timelog.models import TimeEntry
from ccmweb.timelog.services import NewTime, TimeError

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
APRIL = dt.datetime(2026, 4, 2, 15, 0, tzinfo=dt.UTC)


def test_time_added_during_the_close_of_its_month_waits_and_is_refused():
    with scopes_disabled():
        tenant = make_cast().acme
        testdata.billable_month(tenant)
    closing, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def hold(done: int, total: int) -> None:  # the close's progress: it holds its lock here
        closing.set()
        release.wait(10)

    def close() -> None:
        try:
            with scope(organization=tenant.org):
                close_month(tenant.north, testdata.MONTH, now=APRIL, progress=hold)
        finally:
            connections.close_all()

    def add() -> None:
        try:
            with scope(organization=tenant.org):
                patient = Patient.objects.select_related("practice").get(pk=tenant.patient.pk)
                outcome["entry"] = services.add_time(
                    tenant.coordinator,
                    "coordinator",
                    tenant.org,
                    patient,
                    NewTime(7, "patient_call", day=dt.date(2026, 3, 20)),
                    now=APRIL,
                )
        except TimeError as error:
            outcome["refused"] = str(error)
        finally:
            connections.close_all()

    closer = threading.Thread(target=close)
    closer.start()
    assert closing.wait(10)
    adder = threading.Thread(target=add)
    adder.start()
    adder.join(1.5)
    waited = adder.is_alive()  # before: saved at once, in a month about to be closed
    release.set()
    closer.join(20)
    adder.join(20)
    assert waited
    assert outcome == {"refused": "Date: 2026-03 is closed; amend an entry instead."}
    with scopes_disabled():
        assert not TimeEntry.objects.filter(minutes=7).exists()
