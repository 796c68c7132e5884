"""Imports and the enrollment gap audit as background tasks (jobs/tasks.py): the pages queue
them, `ccm import` and `ccm eligibility audit` run the same tasks in their own process."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

from django.utils import timezone
from django_scopes import scope, scopes_disabled

from ccm.periods import BillingMonth
from ccmweb.jobs.models import Job
from ccmweb.jobs.refresh import facts_changed
from ccmweb.jobs.tasks import organization_task, start_again
from ccmweb.patients.models import Patient
from ccmweb.tenants.models import Practice

from .audit import default_month
from .gap_results import run_audit
from .models import ImportRun
from .services import run_import

INTERRUPTED = "Interrupted: the process running the import ended. Resume reads the files again."


def _import_interrupted(job: Job) -> None:
    """The run of a job whose process died says so (the worker's housekeeping calls this)."""
    ImportRun.objects.filter(uid=job.subject, status=ImportRun.Status.RUNNING).update(
        status=ImportRun.Status.FAILED, failure=INTERRUPTED, finished_at=timezone.now()
    )


@organization_task(Job.Kind.IMPORT, unit="files", interrupted=_import_interrupted)
def import_files(
    job: Job,
    run: int,
    paths: list[str],
    uploaded: bool = False,
    encoding: str | None = None,
    date_format: str | None = None,
) -> dict[str, Any]:
    """Import PATHS into the run (the job's subject is the run's uid). An uploaded folder is
    removed once an import of it succeeds, and kept after a failure so that it can resume.

    Not retried in place: the ledger marks what this run wrote, and a second pass of the same
    run would call it duplicates. Resuming is a new run over the same files (views.resume),
    which the ledger makes idempotent."""
    import_run = ImportRun.objects.select_related("practice", "organization").get(pk=run)
    try:
        run_import(
            import_run,
            list(paths),
            progress=lambda r: job.progress(r.files_done, r.files_total),
            encoding=encoding,
            date_format=date_format,
        )
    except BaseException as error:  # whatever stopped it, before or inside run_import
        ImportRun.objects.filter(pk=run, status=ImportRun.Status.RUNNING).update(
            status=ImportRun.Status.FAILED,
            failure=f"{error.__class__.__name__} while reading {import_run.current_source}"[:300],
            finished_at=timezone.now(),
        )
        raise
    if uploaded:
        for path in paths:
            shutil.rmtree(Path(path), ignore_errors=True)
    facts_changed(import_run.practice)  # the gap audit, the reports (jobs/refresh.py lists)
    return {"run": str(import_run.uid), "status": import_run.status}


@organization_task(Job.Kind.AUDIT, unit="patients", retries=2)
def audit_practice(job: Job, month: str) -> dict[str, Any]:
    """Compute and store the enrollment gap of MONTH for the job's practice (gap_results.py).

    Safe to retry: a run writes a result of its own, counted only once complete, and the
    latest complete one replaces the older."""
    practice = job.practice
    total = Patient.objects.filter(organization_id=practice.organization_id, practice=practice)
    done, total_count = 0, total.count()
    job.progress(0, total_count)

    def progress(n: int) -> None:
        nonlocal done
        done += n
        job.progress(done, max(done, total_count))

    result = run_audit(practice, BillingMonth.parse(month), progress)
    computed = result.computed_at.isoformat() if result.computed_at else None  # set: it is done
    return {"result": result.pk, "month": month, "computed_at": computed}


def refresh_audit(
    practice: Practice, month: BillingMonth | None = None, user: Any = None
) -> Job | None:
    """Queue the audit of MONTH (default: the previous full month) after what changed its
    facts (an import, a close); None when one is queued (it reads the change) or running (it
    runs once more when it ends: jobs.start_again)."""
    month = month or default_month(practice)
    return start_again(audit_practice, practice, str(month), user, month=str(month))


def audit_every_practice(due: dt.datetime) -> None:
    """The schedule's monthly run (jobs/schedule.py): each active practice's previous month."""
    with scopes_disabled():
        practices = list(
            Practice.objects.filter(archived_at__isnull=True).select_related("organization")
        )
    for practice in practices:
        with scope(organization=practice.organization):
            refresh_audit(practice, default_month(practice, due))
