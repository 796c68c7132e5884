"""One base for every background task: it enters the organisation's scope, keeps the job row.

As pretix's `EventTask` opens its event, `OrganizationTask` (a django.tasks `Task`) takes the id
of a `Job`, loads it without a scope, opens the job's organisation's scope and runs the task's
function with the job: the function is just the work, and reports progress with
`job.progress(done, total)`. The base marks the job running (which process, which attempt),
then done or failed (the error's class only: messages may name a patient), retries transient
database errors for the tasks that say they are safe to repeat, and pauses the cyclic garbage
collector for the run (`collector_paused`). The same code runs three ways:

- `start(...)` from a page: the job row, then `enqueue` on the configured backend (the worker
  runs it: `ccm serve` starts one, `ccm worker` runs more; tests use the immediate backend);
- `run_here(...)` from the `ccm` command: the same task, in this process, with a listener for
  the terminal's progress bar;
- the worker's housekeeping (`reap`) marks jobs whose process died "interrupted", never
  "running" forever, and queues the safe-to-repeat ones again.
"""

from __future__ import annotations

import gc
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import (
    DEFAULT_DB_ALIAS,
    IntegrityError,
    InterfaceError,
    OperationalError,
    close_old_connections,
    connection,
    transaction,
)
from django.tasks import Task
from django.utils import timezone
from django.utils.module_loading import import_string
from django_scopes import scope, scopes_disabled

from ccmweb.tenants.models import Practice

from .models import Job, this_worker

if TYPE_CHECKING:
    TaskBase = Task[..., Any]  # generic in the stubs only: django's Task takes no parameters
else:
    TaskBase = Task

log = logging.getLogger(__name__)
TRANSIENT = (OperationalError, InterfaceError)  # a lost connection, a locked database
BACKOFF = 2.0  # seconds before the first retry, doubled each time


def progress_database() -> str:
    """The connection progress is written on: its own where settings give one (PostgreSQL), so
    a run inside one long transaction (the close) still shows how far it has got."""
    return "progress" if "progress" in settings.DATABASES else DEFAULT_DB_ALIAS


@dataclass(frozen=True, slots=True, kw_only=True)
class OrganizationTask(TaskBase):
    """A task whose first argument is a Job id; its function gets the Job, inside its scope."""

    kind: str = ""
    unit: str = ""  # what the job's progress counts: "patients", "files"
    retries: int = 0  # times a transient database error is retried: only where repeating is safe
    quiet_gc: bool = True  # millions of acyclic objects: collecting them finds nothing
    interrupted: Callable[[Job], None] | None = None  # tidies the task's own rows after a death

    def call(self, *args: Any, **kwargs: Any) -> Any:
        job_id, *rest = args
        return run_job(self, job_id, rest, kwargs)


def organization_task(
    kind: str,
    *,
    unit: str = "",
    retries: int = 0,
    quiet_gc: bool = True,
    interrupted: Callable[[Job], None] | None = None,
    priority: int = 0,
) -> Callable[[Callable[..., Any]], OrganizationTask]:
    """Decorate `def work(job: Job, **arguments)` into an OrganizationTask."""

    def wrap(func: Callable[..., Any]) -> OrganizationTask:
        return OrganizationTask(
            func=func,
            kind=kind,
            unit=unit,
            retries=retries,
            quiet_gc=quiet_gc,
            interrupted=interrupted,
            priority=priority,
        )

    return wrap


class AlreadyRunning(Exception):
    """A job of the same kind and subject is queued or running; `job` is that one."""

    def __init__(self, job: Job) -> None:
        super().__init__(f"{job} is already {job.status}")
        self.job = job


def _new_job(
    task: OrganizationTask, practice: Practice, subject: str, user: Any, arguments: dict[str, Any]
) -> Job:
    """The job row, refused (AlreadyRunning) while another of the same subject is active."""
    reap(practice=practice)  # a dead run of the same subject must not block this one
    try:
        with transaction.atomic():
            return Job.objects.create(
                organization_id=practice.organization_id,
                practice=practice,
                kind=task.kind,
                subject=subject,
                unit=task.unit,
                task_path=task.module_path,
                arguments=arguments,
                started_by=user if getattr(user, "is_authenticated", False) else None,
            )
    except IntegrityError:
        active = Job.objects.filter(
            practice=practice, kind=task.kind, subject=subject, status__in=Job.ACTIVE
        ).first()
        if active is None:
            raise
        raise AlreadyRunning(active) from None


def start(
    task: OrganizationTask,
    practice: Practice,
    subject: str = "",
    user: Any = None,
    **arguments: Any,
) -> Job:
    """Queue TASK for PRACTICE (inside the organisation's scope); the worker runs it."""
    job = _new_job(task, practice, subject, user, arguments)
    result = task.enqueue(job.pk, **arguments)
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
    job.refresh_from_db()  # the immediate backend (tests) has run it already
    return job


def start_again(
    task: OrganizationTask,
    practice: Practice,
    subject: str = "",
    user: Any = None,
    **arguments: Any,
) -> Job | None:
    """Queue TASK as `start` does, for a change just committed: a run of the same subject that
    is queued reads the change when it starts (None); one that is running may have read the
    facts before it, so it is marked to run once more when it is done (None: one follow-up
    however often it is asked, and never two runs of a subject at once; a run that fails
    queues none, as a failed run without the mark leaves the facts for the next trigger)."""
    while True:
        try:
            return start(task, practice, subject, user, **arguments)
        except AlreadyRunning as refused:
            if refused.job.status == Job.Status.QUEUED:
                return None
            running = Job.objects.filter(pk=refused.job.pk, status=Job.Status.RUNNING)
            if running.update(rerun=True):
                return None
            # it ended in between: start a run of our own


def run_here(
    task: OrganizationTask,
    practice: Practice,
    subject: str = "",
    listener: Callable[[Job], None] | None = None,
    **arguments: Any,
) -> tuple[Job, Any]:
    """Run TASK in this process now (the `ccm` command): the same job row and code as the
    worker's, errors raised to the caller. Returns the job and what the task returned."""
    job = _new_job(task, practice, subject, None, arguments)
    return job, _run(task, job, arguments, listener)


def run_job(task: OrganizationTask, job_id: int, args: list[Any], kwargs: dict[str, Any]) -> Any:
    """The worker's entry: load the job unscoped, then run it (see _run)."""
    if args:
        raise TypeError(f"{task.name} takes keyword arguments only, after the job id")
    with scopes_disabled():
        job = Job.objects.select_related("organization", "practice").get(pk=job_id)
    if job.status not in (Job.Status.QUEUED, Job.Status.INTERRUPTED):
        log.warning("job %s is %s: not run again", job.uid, job.status)
        return None
    return _run(task, job, kwargs, None)


def _run(
    task: OrganizationTask,
    job: Job,
    arguments: dict[str, Any],
    listener: Callable[[Job], None] | None,
) -> Any:
    job.listener = listener
    with scope(organization=job.organization):
        while True:
            _begin(job)
            try:
                with collector_paused(task.quiet_gc):
                    result = task.func(job, **arguments)
            except TRANSIENT as error:
                if job.attempts > task.retries:
                    _end(job, Job.Status.FAILED, error)
                    raise
                log.warning("job %s: %s, retrying", job.uid, error.__class__.__name__)
                if not connection.in_atomic_block:  # a broken connection is opened anew
                    close_old_connections()
                time.sleep(BACKOFF * 2 ** (job.attempts - 1))
                continue
            except BaseException as error:  # SystemExit, KeyboardInterrupt: the run ends here too
                _end(job, Job.Status.FAILED, error)
                raise
            _end(job, Job.Status.DONE)
            _follow_up(task, job, arguments)
            return result


def _follow_up(task: OrganizationTask, job: Job, arguments: dict[str, Any]) -> None:
    """Queue the run start_again asked for while JOB ran (read after its end was written, so
    a request that came too late to mark it started a run of its own instead)."""
    asked = Job.objects.using(progress_database()).filter(pk=job.pk, rerun=True)
    if asked.exists():
        start_again(task, job.practice, job.subject, **arguments)


def _begin(job: Job) -> None:
    now = timezone.now()
    job.status, job.worker, job.attempts = Job.Status.RUNNING, this_worker(), job.attempts + 1
    job.started_at = job.started_at or now
    job.heartbeat_at, job.failure, job.finished_at = now, "", None
    job._write(
        status=job.status,
        worker=job.worker,
        attempts=job.attempts,
        started_at=job.started_at,
        heartbeat_at=now,
        failure="",
        finished_at=None,
    )


def _end(job: Job, status: str, error: BaseException | None = None) -> None:
    job.status, job.finished_at = status, timezone.now()
    job.failure = error.__class__.__name__ if error is not None else ""
    if error is not None:  # the class only: an error's message may carry patient data
        log.error("job %s (%s) failed: %s", job.uid, job.kind, job.failure)
    job._write(status=job.status, finished_at=job.finished_at, failure=job.failure)


@contextmanager
def collector_paused(pause: bool) -> Iterator[None]:
    """Without the cyclic garbage collector: the long runs allocate millions of containers freed
    by reference counting (bench/RESULTS.md: a third of the audit's time went on collections
    that found nothing). Only ever in the run's own process (the worker, the `ccm` command),
    never in a web worker; restored as it was, even on an error."""
    collecting = gc.isenabled()
    if pause:
        gc.freeze()
        gc.disable()
    try:
        yield
    finally:
        if pause:
            gc.unfreeze()
            if collecting:
                gc.enable()


def tidy() -> None:
    """Collect the youngest generation: the cycles of the unit of work just finished (the close
    calls it after each batch: Django's prefetch links a claim and its lines both ways)."""
    gc.collect(0)


def reap(practice: Practice | None = None) -> int:
    """Mark running jobs whose process is gone as interrupted; queue again those whose task is
    safe to repeat and has attempts left. Returns how many were found."""
    found = 0
    with scopes_disabled():
        running = Job.objects.filter(status=Job.Status.RUNNING)
        if practice is not None:
            running = running.filter(practice=practice)
        for job in running.select_related("organization", "practice"):
            if not job.gone():
                continue
            found += 1
            updated = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, worker=job.worker)
            if not updated.update(status=Job.Status.INTERRUPTED, finished_at=timezone.now()):
                continue  # another reaper was first
            job.status = Job.Status.INTERRUPTED
            _task_result_failed(job)
            task = _task_of(job)
            if task is not None and task.interrupted is not None:
                with scope(organization=job.organization):
                    task.interrupted(job)
            if task is not None and job.attempts <= task.retries:
                resume(job)
    return found


def resume(job: Job) -> Job:
    """Queue an interrupted or failed job again, with the same arguments."""
    task = _task_of(job)
    if task is None:
        raise LookupError(f"job {job.uid}: task {job.task_path} no longer exists")
    Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED, failure="")
    result = task.enqueue(job.pk, **job.arguments)
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])
    job.refresh_from_db()
    return job


def _task_of(job: Job) -> OrganizationTask | None:
    try:
        task = import_string(job.task_path)
    except ImportError:
        return None
    return task if isinstance(task, OrganizationTask) else None


def _task_result_failed(job: Job) -> None:
    """django_tasks_db's own row of a dead run says RUNNING forever: mark it failed too."""
    try:
        task_id = uuid.UUID(job.task_id)
    except ValueError:  # no row of django_tasks_db's (the immediate backend's ids)
        return
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(id=task_id, status="RUNNING").update(
        status="FAILED",
        finished_at=timezone.now(),
        exception_class_path="ccmweb.jobs.tasks.WorkerGone",
        traceback=f"the process running job {job.uid} ({job.worker}) ended before it did",
    )


class WorkerGone(Exception):
    """The process running a job ended (killed, out of memory, machine lost) before the job."""
