"""`ccm eligibility audit --practice SLUG [--month YYYY-MM] [--json]`: the enrollment gap."""

import sys
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_scopes import scope

from ccm.periods import BillingMonth
from ccmweb.imports.audit import default_month
from ccmweb.imports.gap_results import audit_summary, latest, page, write_json
from ccmweb.imports.tasks import audit_practice
from ccmweb.jobs.models import Job
from ccmweb.jobs.tasks import AlreadyRunning, run_here
from ccmweb.tenants.practices import practice_named


class Command(BaseCommand):
    help = "Eligibility: `eligibility audit --practice SLUG [--month YYYY-MM] [--json]`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        audit = sub.add_parser("audit", help="eligible, enrolled, billed and the revenue gap")
        audit.add_argument("--practice", required=True, help="practice slug")
        audit.add_argument("--org", help="organisation slug, when the practice slug repeats")
        audit.add_argument("--month", help="YYYY-MM; default: the previous full month")
        audit.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args: Any, **opts: Any) -> None:
        practice = practice_named(opts["practice"], opts.get("org"))
        try:
            month = BillingMonth.parse(opts["month"]) if opts["month"] else default_month(practice)
        except ValueError as error:
            raise CommandError(f"--month: {error}") from None
        with scope(organization=practice.organization):
            try:  # the page's task, in this process; it stores the result the page shows
                try:
                    run_here(audit_practice, practice, str(month), _bar(), month=str(month))
                except AlreadyRunning as running:
                    if running.job.status != Job.Status.QUEUED:
                        raise
                    # queued by an import or a close (no worker has taken it): this process
                    # does that audit now, so `ccm import` then this command just works
                    Job.objects.filter(pk=running.job.pk, status=Job.Status.QUEUED).update(
                        status=Job.Status.INTERRUPTED
                    )
                    run_here(audit_practice, practice, str(month), _bar(), month=str(month))
            except AlreadyRunning as running:
                raise CommandError(
                    f"an audit of {month} for {practice.slug} is already {running.job.status}"
                    " (the page's Recompute, or the schedule): run this again when it ends"
                ) from None
            result = latest(practice, month)
            assert result is not None  # the run just stored it
            if opts["json"]:  # streamed: a million patients are ~750 MB (bench/bench_audit.py)
                self.stdout.flush()
                write_json(result, sys.stdout.buffer)
                sys.stdout.buffer.write(b"\n")
                sys.stdout.flush()
                return
            top = page(result, "opportunities", 1, size=20)
        doc = audit_summary(result)
        counts, revenue = doc["counts"], doc["revenue"]
        self.stdout.write(f"{practice.slug} {doc['month']}: {counts['patients']} patients")
        self.stdout.write(
            "eligible: "
            + ", ".join(f"{k.upper()} {v}" for k, v in counts["eligible"].items())
            + f"; enrolled {counts['enrolled']}; billed {counts['billed']}"
        )
        self.stdout.write(
            f"coverage unverified: {counts['coverage_unverified']}; deceased: {counts['deceased']}"
        )
        self.stdout.write(
            f"revenue per month: captured ${revenue['captured']}, uncaptured ${revenue['uncaptured']}"
            f" (per year ${revenue['per_year']['uncaptured']}); {revenue['fees']}"
        )
        for rank, gap in enumerate(top, start=1):
            self.stdout.write(
                f"{rank:>3}. {gap.mrn} {'/'.join(gap.eligible).upper()} ${gap.expected_cents / 100:.2f}"
            )


def _bar() -> Callable[[Job], None] | None:
    """A rich progress listener of the job on a terminal, else None."""
    if not sys.stderr.isatty():
        return None
    from rich.progress import Progress

    bar = Progress(transient=True)
    bar.start()
    task = bar.add_task("auditing", total=None)

    def show(job: Job) -> None:
        bar.update(task, completed=job.done, total=job.total)
        if job.total and job.done >= job.total:
            bar.stop()

    return show
