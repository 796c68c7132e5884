"""Twenty staff log time for one patient-month at once: nothing lost, nothing overlapping.

PostgreSQL only: SQLite serialises every writer anyway, and its in-memory test database is
not shared between threads.
"""

import datetime as dt
import threading

import pytest
from django.db import connections
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from ccm.periods import BillingMonth
from ccmweb.patients.models import Patient
from ccmweb.tenants.models import Membership, Role
from ccmweb.testing.cast import make_cast
from ccmweb.timelog import services
from ccmweb.timelog.models import TimeEntry
from ccmweb.timelog.month_case import month_case
from ccmweb.timelog.services import NewTime, TimeError

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

STAFF = 20


@pytest.fixture(autouse=True)
def _at_noon(midday):  # type: ignore[no-untyped-def]
    """Forty minutes of unplaced entries must fit in the day so far (ccmweb.testing.clock)."""


def run_together(work, count: int) -> list[object]:  # type: ignore[no-untyped-def]
    """Run work(i) in COUNT threads released at the same moment; collect results or errors."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def one(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as error:  # noqa: BLE001 - the test inspects what each thread got
            results[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_twenty_staff_at_once_lose_nothing():
    with scopes_disabled():
        t = make_cast().acme
        User = type(t.coordinator)
        staff = []
        for i in range(STAFF):
            user = User.objects.create_user(username=f"nurse{i}", password="x" * 16)
            Membership.objects.create(user=user, organization=t.org, role=Role.COORDINATOR)
            staff.append(user)
    start = timezone.now() - dt.timedelta(hours=1)

    def work(i: int) -> object:
        with scope(organization=t.org):
            patient = Patient.objects.select_related("practice").get(pk=t.patient.pk)
            return services.add_time(
                staff[i], "coordinator", t.org, patient, NewTime(3, "patient_call", start=start)
            )

    results = run_together(work, STAFF)
    assert all(isinstance(r, TimeEntry) for r in results), results
    with scope(organization=t.org):
        assert TimeEntry.objects.count() == STAFF
        patient = Patient.objects.select_related("practice").get(pk=t.patient.pk)
        case = month_case(patient, BillingMonth.of(services.local_today(patient.practice, start)))
    assert sum(e.minutes for e in case.time) == 3 * STAFF


def test_one_staff_member_in_twenty_tabs_gets_exactly_one_of_the_overlapping_entries():
    with scopes_disabled():
        t = make_cast().acme
    start = timezone.now() - dt.timedelta(hours=1)

    def work(i: int) -> object:
        with scope(organization=t.org):
            patient = Patient.objects.select_related("practice").get(pk=t.patient.pk)
            return services.add_time(
                t.coordinator,
                "coordinator",
                t.org,
                patient,
                NewTime(20, "patient_call", start=start + dt.timedelta(minutes=i % 5)),
            )

    results = run_together(work, STAFF)
    saved = [r for r in results if isinstance(r, TimeEntry)]
    refused = [r for r in results if isinstance(r, TimeError)]
    assert len(saved) == 1 and len(refused) == STAFF - 1, results
    with scopes_disabled():
        assert TimeEntry.objects.count() == 1


def test_twenty_unplaced_entries_of_one_user_all_fit_without_overlap():
    with scopes_disabled():
        t = make_cast().acme

    def work(i: int) -> object:
        with scope(organization=t.org):
            patient = Patient.objects.select_related("practice").get(pk=t.patient.pk)
            return services.add_time(
                t.coordinator, "coordinator", t.org, patient, NewTime(2, "education")
            )

    results = run_together(work, STAFF)
    assert all(isinstance(r, TimeEntry) for r in results), results
    with scopes_disabled():
        entries = list(TimeEntry.objects.order_by("started_at"))
    assert len(entries) == STAFF
    for before, after in zip(entries, entries[1:], strict=False):
        assert before.ended_at <= after.started_at
