"""`ccm claims export --practice SLUG --month YYYY-MM --format 837p|csv|fhir -o FILE`."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django_scopes import scope

from ccmweb.billing.claims import export_claims
from ccmweb.tenants.practices import practice_named

from ._common import month_from


class Command(BaseCommand):
    help = (
        "Write a month's approved claims as an X12 5010 837P, a superbill CSV or a FHIR R4 Bundle."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="write the month's claims to a file")
        export.add_argument("--practice", required=True, help="practice slug, or ORG/SLUG")
        export.add_argument("--month", required=True, help="YYYY-MM")
        export.add_argument("--format", required=True, choices=["837p", "csv", "fhir"])
        export.add_argument("-o", "--output", required=True, help="file to write")

    def handle(self, *args, **opts):  # type: ignore[no-untyped-def]
        practice = practice_named(opts["practice"])
        month = month_from(opts["month"])
        try:
            with scope(organization=practice.organization):
                text, count = export_claims(practice, month, opts["format"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        Path(opts["output"]).write_text(
            text, encoding="ascii" if opts["format"] == "837p" else "utf-8"
        )
        self.stderr.write(f"{count} claims written to {opts['output']}")
