"""Jobs that run by the calendar, e.g. every month on the 5th: the worker starts them.

Each entry (Monthly, Hourly) names when it is due and a function that queues its work (usually `start(...)` of
an OrganizationTask for each practice); the worker's housekeeping (`run_due`, about once a
minute) inserts a `ScheduledRun` for the latest occurrence that has come, and only the worker
whose insert succeeds calls the function: with several workers on several machines an
occurrence still runs once, and one missed while no worker ran is run when one comes back.
Adding a job is a function and one line in SCHEDULE.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import ScheduledRun, this_worker

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Monthly:
    """Due every month on DAY (1–28) at HOUR:00 UTC; RUN is the dotted path of
    `def run(due: datetime) -> None`, which queues the work."""

    name: str
    day: int
    hour: int
    run: str

    def __post_init__(self) -> None:
        if not 1 <= self.day <= 28 or not 0 <= self.hour <= 23:
            raise ValueError(f"{self.name}: day 1–28 (every month has it), hour 0–23")

    def latest(self, now: dt.datetime) -> dt.datetime:
        """The latest occurrence on or before NOW."""
        this_month = now.astimezone(dt.UTC).replace(
            day=self.day, hour=self.hour, minute=0, second=0, microsecond=0
        )
        if this_month <= now:
            return this_month
        previous = (this_month.replace(day=1) - dt.timedelta(days=1)).replace(day=self.day)
        return previous


@dataclass(frozen=True)
class Hourly:
    """Due every hour on the hour (UTC); RUN as for Monthly. For work that follows each
    practice's own clock, e.g. its local midnight: the function decides which practices."""

    name: str
    run: str

    def latest(self, now: dt.datetime) -> dt.datetime:
        """The latest occurrence on or before NOW."""
        return now.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


SCHEDULE: list[Monthly | Hourly] = [
    # The enrollment gap of the month just ended, for every practice, so the audit page opens
    # on a fresh result (imports/tasks.py).
    Monthly("gap-audit", day=1, hour=6, run="ccmweb.imports.tasks.audit_every_practice"),
    # Last month's report PDF to each practice's administrators (docs/reports.md).
    Monthly("monthly-report", day=5, hour=6, run="ccmweb.reports.tasks.email_monthly_reports"),
    # The worklist's standings of practices whose day has turned, before coordinators open it
    # (timelog/worklist_state.py).
    Hourly("worklist-day", run="ccmweb.timelog.worklist_state.day_turned"),
]


def run_due(
    now: dt.datetime | None = None, schedule: list[Monthly | Hourly] | None = None
) -> list[str]:
    """Start each entry whose latest occurrence no worker has claimed yet; their names."""
    now = now or timezone.now()
    started = []
    for entry in SCHEDULE if schedule is None else schedule:
        due = entry.latest(now)
        run: Callable[[dt.datetime], None] = import_string(entry.run)  # before it is claimed
        try:
            with transaction.atomic():
                ScheduledRun.objects.create(name=entry.name, due_at=due, worker=this_worker())
        except IntegrityError:
            continue  # claimed already, here or by another worker
        try:
            run(due)
        except Exception as error:  # one entry's failure must not stop the others or the worker
            log.error("scheduled %s failed: %s", entry.name, error.__class__.__name__)
            continue
        started.append(entry.name)
    return started
