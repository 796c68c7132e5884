"""`ccm claims export --practice SLUG --month YYYY-MM --format 837p|837i|csv|fhir -o FILE [--json]`
and `ccm claims ack FILE [--json]` (a 999 or 277CA)."""

import os
import tempfile
from pathlib import Path
from typing import Any

import orjson
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django_scopes import scope

from ccmweb.billing.acks import import_ack_cli
from ccmweb.billing.export import FORMATS, X12_FORMATS, ExportRefused, export_claims
from ccmweb.tenants.practices import practice_named

from ._common import month_from, practice_limit


class Command(BaseCommand):
    help = "Write a month's unsent claims (837P, 837I, superbill CSV, FHIR), or read a 999/277CA."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="write the month's claims not yet sent to a file")
        export.add_argument("--practice", required=True, help="practice slug, or ORG/SLUG")
        export.add_argument("--month", required=True, help="YYYY-MM")
        export.add_argument("--format", required=True, choices=FORMATS)
        export.add_argument("-o", "--output", required=True, help="file to write")
        export.add_argument("--json", action="store_true", help="print one JSON document")
        ack = sub.add_parser("ack", help="read a 999 or 277CA acknowledgment")
        ack.add_argument("file")
        ack.add_argument("--practice", help="only claims of this practice (slug or ORG/SLUG)")
        ack.add_argument("--json", action="store_true", help="print one JSON document")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "ack":
            report = import_ack_cli(Path(opts["file"]), practice_limit(opts.get("practice")))
            if opts["json"]:
                self.stdout.write(orjson.dumps(report).decode())
            else:
                self.stdout.write(
                    f"{report['kind']}: {report['accepted']} accepted, {report['rejected']} "
                    f"rejected, {len(report['unmatched'])} unmatched"
                    + (" (already read)" if report["status"] == "already_read" else "")
                )
            return
        self._export(opts)

    def _export(self, opts: dict[str, Any]) -> None:
        practice = practice_named(opts["practice"])
        month = month_from(opts["month"])
        target = Path(opts["output"])
        encoding = "ascii" if opts["format"] in X12_FORMATS else "utf-8"
        temp = None
        try:
            with scope(organization=practice.organization), transaction.atomic():
                done = export_claims(practice, month, opts["format"])
                if done.text is not None:
                    # Written in full before the claims are marked (the commit): a full disk
                    # or a bad path fails here and changes nothing.
                    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=".ccm-export-")
                    with os.fdopen(handle, "w", encoding=encoding) as out:
                        out.write(done.text)
        except (ExportRefused, OSError) as exc:
            if temp:
                os.unlink(temp)
            raise CommandError(str(exc)) from None
        if temp:
            os.replace(temp, target)
        for claim_id, reason in done.held:
            self.stderr.write(f"claim {claim_id}: held out of the file: {reason}")
        for finding in done.findings:
            self.stderr.write(finding)
        if opts["json"]:
            report = {
                "claims": done.count,
                "file": str(target) if done.text is not None else None,
                "usage": done.usage,
                "held": [{"claim_id": c, "reason": r} for c, r in done.held],
                "findings": done.findings,
            }
            self.stdout.write(orjson.dumps(report).decode())
        elif done.text is None:
            self.stderr.write(f"No claims of {month} left to send: no file written.")
        else:
            test = (
                " (a test file, ISA15 = T: set the submitter and receiver ids)"
                if done.usage == "T"
                else ""
            )
            self.stderr.write(f"{done.count} claims written to {target}{test}")
