"""`ccm month close --practice SLUG --month YYYY-MM [--json]`: close a month; safe to repeat."""

import orjson
from django.core.management.base import BaseCommand
from django_scopes import scope

from ccmweb.billing.services import close_month

from ._common import month_from, practice_from, progress_bar


class Command(BaseCommand):
    help = "Close a practice's month: decide billable lines, hold what needs fixing, create claims."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        sub = parser.add_subparsers(dest="action", required=True)
        close = sub.add_parser("close", help="close a month (idempotent)")
        close.add_argument("--practice", required=True, help="practice slug, or ORG/SLUG")
        close.add_argument("--month", required=True, help="YYYY-MM, the practice's local month")
        close.add_argument("--json", action="store_true", help="print one JSON document")

    def handle(self, *args, **opts):  # type: ignore[no-untyped-def]
        practice = practice_from(opts["practice"])
        month = month_from(opts["month"])
        update, stop = progress_bar(f"Closing {month}")
        try:
            with scope(organization=practice.organization):
                close = close_month(practice, month, progress=update)
        finally:
            stop()
        report = {
            "practice": practice.slug,
            "month": str(month),
            "billable": close.billable,
            "held": close.held,
            "nothing": close.nothing,
            "claims": close.claims,
            "total": f"{close.total:.2f}",
        }
        if opts["json"]:
            self.stdout.write(orjson.dumps(report).decode())
        else:
            self.stdout.write(
                f"{practice.slug} {month}: {close.billable} billable, {close.held} held, "
                f"{close.nothing} nothing to bill; {close.claims} claims, ${close.total:.2f}"
            )
