"""The gap audit's read-ahead (gap_facts.chunks) outside a transaction, where on PostgreSQL a
thread with its own connection reads the next chunk. Transactional tests, kept apart from
test_audit.py so that its tests share one cast inside one transaction."""

import pytest
from django_scopes import scope
from test_audit import ten  # noqa: F401  (the fixture)

from ccm.periods import BillingMonth


@pytest.mark.django_db(transaction=True)
def test_facts_read_ahead_in_a_thread_are_the_facts_read_in_turn(ten, monkeypatch):  # noqa: F811
    """Outside a transaction on PostgreSQL the next chunk is read by a thread with its own
    connection (gap_facts.chunks); it must bring exactly what reading in turn brings."""
    from django.db import connection

    from ccmweb.imports import gap_facts

    monkeypatch.setattr(gap_facts, "CHUNK", 3)  # four chunks of the ten-odd patients
    month = BillingMonth(2026, 3)
    with scope(organization=ten.acme.org):
        assert not connection.in_atomic_block
        ahead = list(gap_facts.chunks(ten.acme.north, month, set()))
        in_turn = [
            gap_facts.Chunk(
                patients,
                gap_facts.active_conditions(
                    ten.acme.org.pk, patients[0][0], patients[-1][0], month.last
                ),
                gap_facts.last_visits(ten.acme.org.pk, patients[0][0], patients[-1][0], month.last),
                gap_facts.coverage_rows(ten.acme.org.pk, patients[0][0], patients[-1][0], month),
                gap_facts.care_managed_elsewhere(
                    ten.acme.org.pk, patients[0][0], patients[-1][0], month, set()
                ),
            )
            for patients in gap_facts.patient_chunks(ten.acme.north)
        ]
        assert len(ahead) == 4 and ahead == in_turn
        assert sum(len(c.patients) for c in ahead) == 10
        assert sum(len(c.conditions) for c in ahead) == 10


@pytest.mark.django_db(transaction=True)
def test_a_reader_that_stops_early_leaves_no_thread_behind(ten, monkeypatch):  # noqa: F811
    import threading
    import time

    from ccmweb.imports import gap_facts

    monkeypatch.setattr(gap_facts, "CHUNK", 2)
    with scope(organization=ten.acme.org):
        reading = gap_facts.chunks(ten.acme.north, BillingMonth(2026, 3), set())
        assert len(next(reading).patients) == 2
        time.sleep(1)  # on PostgreSQL the thread reads the next chunk meanwhile, then idles
        reading.close()
    deadline = time.monotonic() + 10
    while any(t.name.startswith("gap-facts") for t in threading.enumerate()):
        assert time.monotonic() < deadline, "the read-ahead thread is still running"
        time.sleep(0.05)
