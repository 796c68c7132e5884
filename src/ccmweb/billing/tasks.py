"""The month close as a background task (jobs/tasks.py): the page queues it, `ccm month close`
runs the same task in its own process."""

from __future__ import annotations

from typing import Any

from ccm.periods import BillingMonth
from ccmweb.jobs.models import Job
from ccmweb.jobs.refresh import facts_changed
from ccmweb.jobs.tasks import organization_task

from .services import close_month


@organization_task(Job.Kind.CLOSE, unit="patients", retries=2)
def close_month_job(job: Job, month: str, early: bool = False) -> dict[str, Any]:
    """Close MONTH for the job's practice (with EARLY, bill a running month early, cms-rules
    §11); one transaction, so safe to retry and to repeat. Returns `ccm month close --json`'s
    document (spec/cli.md), with the month's status and whether it was billed early."""
    billing_month = BillingMonth.parse(month)
    close = close_month(job.practice, billing_month, progress=job.progress, early=early)
    facts_changed(job.practice, billing_month)  # the gap audit's billed; the reports' facts
    return {
        "practice": job.practice.slug,
        "month": month,
        "billable": close.billable,
        "held": close.held,
        "nothing": close.nothing,
        "claims": close.claims,
        "total": f"{close.total:.2f}",
        "status": close.status,
        "early": close.status == "open" and close.early_at is not None,
    }
