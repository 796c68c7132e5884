"""Report work as background tasks (jobs/tasks.py): refreshing a practice's monthly facts
(queued through jobs/refresh.py's AFTER_CHANGE by the close and the import, and by the page's
Refresh button) and the monthly report PDF
e-mailed to each practice's administrators on the 5th (jobs/schedule.py)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django_scopes import scope, scopes_disabled

from ccm.periods import BillingMonth
from ccmweb.jobs.models import Job
from ccmweb.jobs.tasks import AlreadyRunning, organization_task, start, start_again
from ccmweb.tenants.localtime import local_today
from ccmweb.tenants.models import Practice

from .refresh import refresh_months

log = logging.getLogger(__name__)


@organization_task(Job.Kind.REPORT, unit="months", retries=2)
def refresh_reports_job(job: Job, months: list[str]) -> dict[str, Any]:
    """Recompute the job's practice's facts for MONTHS (YYYY-MM): each month replaces its own
    rows in one transaction, so a retry or a second run is harmless."""
    done = refresh_months(job.practice, [BillingMonth.parse(m) for m in months], job.progress)
    return {"practice": job.practice.slug, "months": done}


def refresh_reports(practice: Practice, month: BillingMonth | None = None) -> Job | None:
    """The reports' entry in jobs/refresh.py's AFTER_CHANGE: queue a refresh of MONTH (the
    close's month), or of the running month and the one before it (an import, month None).
    The worker runs it; the close or import that called this is done whatever happens here."""
    return queue_refresh(practice, [month] if month is not None else recent_months(practice))


def queue_refresh(practice: Practice, months: list[BillingMonth], user: Any = None) -> Job | None:
    """Queue a refresh of MONTHS for PRACTICE; None when one is already queued (it reads the
    data as it is when it runs) or running (it runs once more when it ends: jobs.start_again)."""
    texts = sorted({str(m) for m in months})
    return start_again(refresh_reports_job, practice, subject=",".join(texts)[:60], user=user,
                       months=texts)  # fmt: skip


def recent_months(
    practice: Practice, count: int = 2, now: dt.datetime | None = None
) -> list[BillingMonth]:
    """The practice's running month and the COUNT − 1 before it."""
    month = BillingMonth.of(local_today(practice, now))
    found = [month]
    while len(found) < count:
        found.append(found[-1].previous())
    return found


@organization_task(Job.Kind.REPORT, unit="practices")
def email_report_job(job: Job, month: str) -> dict[str, Any]:
    """Refresh MONTH's facts, render the month's report PDF and send it to the practice's
    administrators (those limited to other practices excepted)."""
    from .mail import send_monthly_report

    month_ = BillingMonth.parse(month)
    refresh_months(job.practice, [month_])
    sent = send_monthly_report(job.practice, month_)
    return {"practice": job.practice.slug, "month": month, "sent": sent}


def email_monthly_reports(due: dt.datetime) -> None:
    """Scheduled on the 5th (jobs/schedule.py): queue last month's report for every practice."""
    with scopes_disabled():
        practices = list(
            Practice.objects.filter(archived_at__isnull=True).select_related("organization")
        )
    for practice in practices:
        month = recent_months(practice, 2, due)[-1]
        with scope(organization=practice.organization):
            try:
                start(email_report_job, practice, subject=f"mail {month}", month=str(month))
            except AlreadyRunning:
                continue
