"""Imports and the enrollment gap audit as background tasks (jobs/tasks.py): the pages queue
them, `ccm import` and `ccm eligibility audit` run the same tasks in their own process."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from django.utils import timezone

from ccmweb.jobs.models import Job
from ccmweb.jobs.tasks import organization_task

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
    job: Job, run: int, paths: list[str], uploaded: bool = False, encoding: str | None = None
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
    return {"run": str(import_run.uid), "status": import_run.status}
