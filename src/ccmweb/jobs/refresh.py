"""What is computed again when a practice's facts change: one hook, called by the import and
the month close once they succeed.

Each entry of AFTER_CHANGE is the dotted path of `def refresh(practice, month) -> Job | None`
that queues a task (month None: the refresher picks its own, usually the previous full month).
The enrollment gap audit and the reports' monthly facts are queued here. Queueing
is cheap and never runs the work in the caller (the worker does); one refresher failing to
queue is logged and the others still run: the import or close that called it has succeeded.
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils.module_loading import import_string

from ccm.periods import BillingMonth

log = logging.getLogger(__name__)

AFTER_CHANGE: list[str] = [
    "ccmweb.imports.tasks.refresh_audit",  # the enrollment gap: billed, enrolled, coverage
    "ccmweb.reports.tasks.refresh_reports",  # the reports' monthly facts (reports/refresh.py)
    "ccmweb.timelog.worklist_state.practice_changed",  # the worklist's standings: marked stale
]


def facts_changed(practice: Any, month: BillingMonth | None = None) -> None:
    """Queue every refresher for PRACTICE (and MONTH, when one month changed)."""
    for path in AFTER_CHANGE:
        try:
            import_string(path)(practice, month)
        except Exception as error:  # the caller's work is done; this one is retried later
            log.error("refresh %s not queued: %s", path, error.__class__.__name__)
