"""`ccm month close --practice SLUG --month YYYY-MM [--json]`: close a month; safe to repeat.

The same task the close page queues (billing/tasks.py), run here in this process."""

from typing import Any

import orjson
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django_scopes import scope

from ccmweb.billing.services import month_not_over
from ccmweb.billing.tasks import close_month_job
from ccmweb.jobs.tasks import AlreadyRunning, run_here
from ccmweb.tenants.practices import practice_named

from ._common import month_from, progress_bar


class Command(BaseCommand):
    help = "Close a practice's month: decide billable lines, hold what needs fixing, create claims."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        close = sub.add_parser("close", help="close a month (idempotent)")
        close.add_argument("--practice", required=True, help="practice slug, or ORG/SLUG")
        close.add_argument("--month", required=True, help="YYYY-MM, the practice's local month")
        close.add_argument(
            "--early",
            action="store_true",
            help="bill early the patients who met a threshold in a running month (cms-rules §11); "
            "the month stays open for time",
        )
        close.add_argument("--json", action="store_true", help="print one JSON document")

    def handle(self, *args: Any, **opts: Any) -> None:
        practice = practice_named(opts["practice"])
        month = month_from(opts["month"])
        not_over = month_not_over(practice, month, timezone.now())
        if not_over and not opts["early"]:
            raise CommandError(not_over)
        update, stop = progress_bar(f"Closing {month}")
        try:
            with scope(organization=practice.organization):
                _job, report = run_here(
                    close_month_job,
                    practice,
                    subject=str(month),
                    listener=(lambda job: update(job.done, job.total or 0)) if update else None,
                    month=str(month),
                    early=opts["early"],
                )
        except AlreadyRunning as running:
            raise CommandError(
                f"a close of {month} is already {running.job.status} (since "
                f"{running.job.enqueued_at:%Y-%m-%d %H:%M} UTC); try again when it ends"
            ) from None
        finally:
            stop()
        if opts["json"]:
            self.stdout.write(orjson.dumps(report).decode())
        else:
            self.stdout.write(
                f"{practice.slug} {month}: {report['billable']} billable, {report['held']} held, "
                f"{report['nothing']} nothing to bill; {report['claims']} claims, ${report['total']}"
                + (" (billed early: the month stays open)" if report.get("early") else "")
            )
