"""`ccm demo` hook: the care-plan tasks of plans signed months ago were done by their assignees
when they fell due, as in a practice with a history, so the day plan shows what is due now and
not a year of backlog. One in ten stays open and overdue, as real work does.

No randomness (the task's id decides), so the other hooks' draws are unchanged; idempotent:
what is done stays done, and a second run finds nothing left to do.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from .models import CareTask
from .services import complete

#: Tasks due this many days before the demo's today or earlier are history.
HISTORY_BEFORE_DAYS = 7


def seed(context: Any) -> None:
    tz = ZoneInfo(context.practice.time_zone)
    cutoff = context.today - dt.timedelta(days=HISTORY_BEFORE_DAYS)
    done = 0
    while True:  # completing a repeating task makes its next one, perhaps also past
        past = [
            task
            for task in CareTask.objects.filter(
                practice=context.practice, status=CareTask.Status.OPEN, due__lt=cutoff
            )
            .select_related("assignee")
            .order_by("pk")
            if task.pk % 10 and task.assignee is not None
        ]
        if not past:
            break
        for task in past:
            when = dt.datetime.combine(task.due, dt.time(11), tzinfo=tz)
            complete(task, by=task.assignee, note="Done at the time (demo history)", now=when)
            done += 1
    open_now = CareTask.objects.filter(practice=context.practice, status=CareTask.Status.OPEN)
    context.stdout.write(f"tasks: {done} past tasks done when due; {open_now.count()} open")
