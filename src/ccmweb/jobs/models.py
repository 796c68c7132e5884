"""Long work (imports, month closes, audits, reports, scheduled jobs) as rows a page can read.

A `Job` is the organisation's view of one background task: what it works on, how far it has
got, and whether it is still going. django.tasks' own result row (django_tasks_db) knows
nothing of tenants or progress, so this row sits beside it (`task_id` links them) and is what
the pages, the `ccm` command and the worker read and write (jobs/tasks.py).
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import time
import uuid
from collections.abc import Callable
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_scopes import ScopedManager

from ccmweb.tenants.models import Organization, Practice

#: A running job whose worker is on another machine counts as gone after this long without news
#: (progress is written at least every few seconds while a run works: jobs/tasks.py).
STALE_AFTER = dt.timedelta(minutes=int(os.getenv("CCM_JOB_STALE_MINUTES", "15")))
PROGRESS_EVERY = 1.0  # seconds between progress writes: the pages poll once a second
HOST = socket.gethostname()[:100]


def this_worker() -> str:
    """host:pid of this process: a job names the process that runs it."""
    return f"{HOST}:{os.getpid()}"


def _alive(worker: str) -> bool | None:
    """Whether the process WORKER names is alive; None when it runs on another machine."""
    host, _, pid = worker.rpartition(":")
    if host != HOST or not pid.isdigit():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


class Job(models.Model):
    """One long run for a practice: queued, running (with progress), done, failed or interrupted."""

    class Kind(models.TextChoices):
        IMPORT = "import", "Import"
        CLOSE = "close", "Month close"
        AUDIT = "audit", "Enrollment gap audit"
        REPORT = "report", "Report refresh"
        WORKLIST = "worklist", "Worklist standings"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        INTERRUPTED = "interrupted", "Interrupted"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, db_index=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=10, choices=Kind)
    subject = models.CharField(
        max_length=60, blank=True, help_text="What it works on (a month, a run id): one at a time."
    )
    status = models.CharField(max_length=12, choices=Status, default=Status.QUEUED)
    task_path = models.CharField(max_length=200, help_text="The django.tasks task that runs it.")
    arguments = models.JSONField(default=dict, help_text="The task's keyword arguments.")
    task_id = models.CharField(max_length=64, blank=True, help_text="django.tasks' result id.")
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    enqueued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=120, blank=True, help_text="host:pid running it.")
    attempts = models.PositiveSmallIntegerField(default=0)
    done = models.PositiveBigIntegerField(default=0)
    total = models.PositiveBigIntegerField(null=True, blank=True)
    unit = models.CharField(max_length=20, blank=True, help_text="What done and total count.")
    failure = models.CharField(
        max_length=300, blank=True, help_text="Why it stopped: an error's class, no patient data."
    )
    rerun = models.BooleanField(
        default=False, help_text="Asked for again while running: queued once more when done."
    )

    objects: ClassVar[models.Manager[Job]] = ScopedManager(organization="organization")
    _default_manager: ClassVar[models.Manager[Job]]
    #: Told of each step of a run in this process (the `ccm` command's bar: tasks.run_here).
    listener: Callable[[Job], None] | None = None

    class Meta:
        indexes = [
            models.Index(
                fields=["organization", "practice", "kind", "subject", "-enqueued_at"],
                name="job_latest_of_a_subject",
            ),
            models.Index(fields=["status"], name="job_by_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "practice", "kind", "subject"],
                condition=Q(status__in=["queued", "running"]),
                name="one_active_job_a_subject",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.subject}".strip()

    # --- what the pages show -------------------------------------------------------------
    @property
    def active(self) -> bool:
        return self.status in self.ACTIVE and not self.gone()

    @property
    def percent(self) -> int:
        return min(100, 100 * self.done // self.total) if self.total else 0

    @property
    def shown_status(self) -> str:
        """The status as a person should read it: a run whose worker died is interrupted."""
        return self.Status.INTERRUPTED.label if self.gone() else self.get_status_display()

    def gone(self, now: dt.datetime | None = None) -> bool:
        """Running, but its process is dead (this machine) or silent too long (another one)."""
        if self.status != self.Status.RUNNING:
            return False
        alive = _alive(self.worker)
        if alive is not None:
            return not alive
        last = self.heartbeat_at or self.started_at or self.enqueued_at
        return last < (now or timezone.now()) - STALE_AFTER

    # --- what the run writes -------------------------------------------------------------
    def progress(self, done: int, total: int | None = None) -> None:
        """DONE of TOTAL units so far: written at most once a second, told to any listener."""
        self.done, self.total = done, total if total is not None else self.total
        if self.listener is not None:
            self.listener(self)
        clock = time.monotonic()
        if clock - getattr(self, "_written", 0.0) < PROGRESS_EVERY and done != self.total:
            return
        self._written = clock
        self.heartbeat_at = timezone.now()
        self._write(done=self.done, total=self.total, heartbeat_at=self.heartbeat_at)

    def _write(self, **fields: Any) -> None:
        """Update the row on its own connection where there is one (jobs/tasks.py)."""
        from .tasks import progress_database

        Job.objects.using(progress_database()).filter(pk=self.pk).update(**fields)


class ScheduledRun(models.Model):
    """A scheduled job's occurrence, claimed once: the first worker to insert it runs it."""

    name = models.CharField(max_length=60)
    due_at = models.DateTimeField()
    claimed_at = models.DateTimeField(default=timezone.now)
    worker = models.CharField(max_length=120, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "due_at"], name="scheduled_run_once")
        ]
