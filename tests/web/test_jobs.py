"""The task base (jobs/tasks.py): a task runs inside its organisation's scope with its job row
kept; the database worker runs what pages queue; transient errors are retried where the task
says repeating is safe; a run whose process died is marked interrupted, never running forever;
scheduled jobs start once per occurrence."""

import datetime as dt
import gc
import subprocess
import sys

import pytest
from django.db import OperationalError
from django.utils.module_loading import import_string
from django_scopes import scope, scopes_disabled
from django_tasks_db.models import DBTaskResult

from ccmweb.jobs import tasks
from ccmweb.jobs.management.commands.worker import Housekeeping
from ccmweb.jobs.models import HOST, Job, ScheduledRun
from ccmweb.jobs.schedule import SCHEDULE, Monthly, run_due
from ccmweb.jobs.tasks import AlreadyRunning, collector_paused, organization_task, reap, start

SEEN: list[tuple[str, int, bool]] = []
FAILURES: list[Exception] = []


@organization_task(Job.Kind.REPORT, unit="steps", retries=1)
def counting(job: Job, steps: int) -> dict[str, int]:
    """Counts STEPS, failing first with whatever FAILURES holds; says what it saw."""
    from ccmweb.patients.models import Patient

    if FAILURES:
        raise FAILURES.pop(0)
    for step in range(1, steps + 1):
        job.progress(step, steps)
    SEEN.append((job.practice.slug, Patient.objects.count(), gc.isenabled()))  # scoped query
    return {"steps": steps}


@pytest.fixture(autouse=True)
def fresh():  # type: ignore[no-untyped-def]
    SEEN.clear()
    FAILURES.clear()
    tasks.BACKOFF = 0.0


@pytest.fixture
def committed(transactional_db):  # type: ignore[no-untyped-def]
    """The cast, committed: the worker drops a connection left inside a transaction."""
    from ccmweb.testing.cast import make_cast

    return make_cast()


def worker(**overrides) -> Housekeeping:  # type: ignore[no-untyped-def]
    options = {
        "queue_names": ["default"],
        "interval": 0,
        "batch": True,
        "backend_name": "database",
        "startup_delay": False,
        "max_tasks": None,
        "worker_id": "test",
        "excluded_queue_names": [],
    }
    return Housekeeping(None, **(options | overrides))


def test_a_task_runs_in_its_organisations_scope_without_the_collector_and_keeps_its_job(cast):
    acme = cast.acme
    with scope(organization=acme.org):
        job = start(counting, acme.north, "s", steps=3)
    assert (job.status, job.done, job.total, job.unit, job.attempts) == ("done", 3, 3, "steps", 1)
    assert SEEN == [("acme-north", 1, False)]  # acme's one patient, no scope error, gc paused
    assert gc.isenabled() and gc.get_freeze_count() == 0  # and restored after


def test_the_database_worker_runs_a_queued_task_and_marks_both_rows(committed):
    acme = committed.acme
    with scope(organization=acme.org):
        job = start(counting.using(backend="database"), acme.north, "s", steps=2)
    assert job.status == "queued" and not SEEN
    worker().run()
    with scopes_disabled():
        job.refresh_from_db()
        result = DBTaskResult.objects.get(id=job.task_id)
    assert (job.status, job.done, result.status, result.return_value) == (
        "done",
        2,
        "SUCCESSFUL",
        {"steps": 2},
    )


def test_one_active_job_a_subject(cast):
    acme = cast.acme
    with scope(organization=acme.org):
        first = start(counting.using(backend="database"), acme.north, "2026-03", steps=1)
        with pytest.raises(AlreadyRunning) as refused:
            start(counting, acme.north, "2026-03", steps=1)
        assert refused.value.job == first
        start(counting, acme.south, "2026-03", steps=1)  # another practice: its own
        start(counting, acme.north, "2026-04", steps=1)  # another subject: its own


def test_a_transient_database_error_is_retried_once_then_fails(cast):
    acme = cast.acme
    FAILURES.append(OperationalError("database is locked"))
    with scope(organization=acme.org):
        job = start(counting, acme.north, "a", steps=1)
    assert (job.status, job.attempts, len(SEEN)) == ("done", 2, 1)
    FAILURES.extend([OperationalError("lost"), OperationalError("lost again")])
    with scope(organization=acme.org):
        job = start(counting, acme.north, "b", steps=1)
    assert (job.status, job.attempts, job.failure) == ("failed", 2, "OperationalError")


def test_any_other_error_fails_at_once_naming_its_class_only(cast):
    acme = cast.acme
    FAILURES.append(ValueError("Alice Acmepatient 1EG4TE5MK73"))
    with scope(organization=acme.org):
        job = start(counting, acme.north, "c", steps=1)
    assert (job.status, job.attempts, job.failure) == ("failed", 1, "ValueError")


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_job_whose_worker_died_is_interrupted_and_queued_again_when_safe(committed):
    acme = committed.acme
    with scope(organization=acme.org):
        job = start(counting.using(backend="database"), acme.north, "d", steps=1)
    with scopes_disabled():  # as a worker killed mid-run leaves both rows
        Job.objects.filter(pk=job.pk).update(
            status="running", worker=f"{HOST}:{dead_pid()}", attempts=1
        )
        DBTaskResult.objects.filter(id=job.task_id).update(status="RUNNING")
        job.refresh_from_db()
    assert job.gone() and job.shown_status == "Interrupted" and not job.active
    assert reap() == 1
    with scopes_disabled():
        first = DBTaskResult.objects.get(id=job.task_id)
        job.refresh_from_db()
    assert first.status == "FAILED" and first.exception_class_path.endswith("WorkerGone")
    # retries=1: queued again, on the default backend (in tests it runs at once)
    assert (job.status, job.attempts) == ("done", 2) and job.task_id != str(first.id)


def test_a_job_on_another_machine_is_gone_only_when_silent_too_long(cast):
    acme = cast.acme
    now = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
    job = Job(status="running", worker="elsewhere:1", heartbeat_at=now - dt.timedelta(minutes=5))
    assert not job.gone(now)
    assert job.gone(now + dt.timedelta(minutes=20))
    assert not Job(status="done", worker=f"{HOST}:{dead_pid()}").gone(now)
    assert acme  # the cast's database is not needed beyond this


def test_a_monthly_job_is_due_on_its_day_and_runs_once_per_occurrence(db):
    entry = Monthly("t", day=5, hour=6, run=f"{__name__}.note_run")
    assert entry.latest(dt.datetime(2026, 3, 5, 6, 0, tzinfo=dt.UTC)) == dt.datetime(
        2026, 3, 5, 6, 0, tzinfo=dt.UTC
    )
    assert entry.latest(dt.datetime(2026, 3, 5, 5, 59, tzinfo=dt.UTC)) == dt.datetime(
        2026, 2, 5, 6, 0, tzinfo=dt.UTC
    )
    assert entry.latest(dt.datetime(2026, 1, 2, tzinfo=dt.UTC)).month == 12
    with pytest.raises(ValueError):
        Monthly("bad", day=31, hour=0, run="x")
    now = dt.datetime(2026, 3, 9, tzinfo=dt.UTC)
    assert run_due(now, [entry]) == ["t"]
    assert run_due(now + dt.timedelta(days=20), [entry]) == []  # same occurrence: once
    assert run_due(dt.datetime(2026, 4, 5, 7, 0, tzinfo=dt.UTC), [entry]) == ["t"]
    assert [
        dt.datetime(2026, 3, 5, 6, tzinfo=dt.UTC),
        dt.datetime(2026, 4, 5, 6, tzinfo=dt.UTC),
    ] == RUNS
    assert ScheduledRun.objects.count() == 2


def test_every_scheduled_job_names_a_function_that_exists():
    """An entry whose function is missing fails each worker's housekeeping once a minute."""
    for entry in SCHEDULE:
        assert callable(import_string(entry.run)), entry.name


RUNS: list[dt.datetime] = []


def note_run(due: dt.datetime) -> None:
    RUNS.append(due)


def test_the_collector_comes_back_as_it_was_even_after_an_error():
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), collector_paused(True):
        assert not gc.isenabled() and gc.get_freeze_count() > 0
        1 / 0  # noqa: B018
    assert gc.isenabled() and gc.get_freeze_count() == 0
    gc.disable()
    try:
        with collector_paused(True):
            pass
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()
