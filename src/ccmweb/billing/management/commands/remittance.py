"""`ccm remittance import FILE [--json] [--practice SLUG]`: post an X12 835 against the claims
we sent; `ccm remittance write --practice SLUG --month YYYY-MM -o FILE`: an 835 for a closed
month's claims with chosen outcomes (demos, tests, training)."""

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_scopes import scope, scopes_disabled

from ccm.x12.remit835 import Remittance, RemittanceError, read_835
from ccmweb.billing.models import Claim
from ccmweb.billing.remittance import RemittanceRefused, post_remittance, report
from ccmweb.billing.remittance_demo import OUTCOMES, write_month_835
from ccmweb.tenants.practices import practice_named

from ._common import month_from, practice_limit


class Command(BaseCommand):
    help = "Post an X12 835 remittance (paid, adjusted, denied, reversed), or write one."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="post an 835 file")
        imp.add_argument("file")
        imp.add_argument("--practice", help="only claims of this practice (slug or ORG/SLUG)")
        imp.add_argument("--json", action="store_true")
        write = sub.add_parser("write", help="write an 835 for a closed month's sent claims")
        write.add_argument("--practice", required=True, help="practice slug, or ORG/SLUG")
        write.add_argument("--month", required=True, help="YYYY-MM")
        write.add_argument("-o", "--output", required=True, help="file to write")
        write.add_argument("--outcome", choices=OUTCOMES, default="paid",
                           help="what happens to every claim (default paid)")  # fmt: skip
        write.add_argument("--claim", action="append", default=[], metavar="CLM01=OUTCOME",
                           help="one claim's outcome, e.g. 1A2B…=denied (repeatable)")  # fmt: skip
        write.add_argument("--plb", action="append", default=[], metavar="REASON:AMOUNT",
                           help="a provider-level adjustment: its PLB reason and amount, e.g. WO:AMOUNT (interest L6 negative)")  # fmt: skip
        write.add_argument("--trace", help="TRN02 (default: made from the month and time)")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "write":
            practice = practice_named(opts["practice"])
            with scope(organization=practice.organization):
                try:
                    text, count = write_month_835(
                        practice, month_from(opts["month"]), opts["outcome"],
                        opts["claim"], opts["plb"], opts["trace"],
                    )  # fmt: skip
                except ValueError as exc:
                    raise CommandError(str(exc)) from None
            Path(opts["output"]).write_text(text, encoding="ascii")
            self.stderr.write(f"{count} claims written to {opts['output']}")
            return
        self._import(opts)

    def _none_ours(self, remits: Sequence[Remittance], as_json: bool) -> None:
        numbers = [c.claim_id for r in remits for c in r.claims]
        if not as_json:
            self.stdout.write(f"none of the {len(numbers)} claims is ours: nothing posted")
            return
        report = [
            {"status": "unmatched", "payer": r.payer_name, "trace": r.trace_number,
             "check_amount": f"{r.payment_amount:.2f}", "claims_amount": f"{r.claims_amount:.2f}",
             "plb_amount": f"{r.plb_amount:.2f}", "balanced": r.balanced, "paid": 0, "denied": 0,
             "reversed": 0, "unmatched": [c.claim_id for c in r.claims]}
            for r in remits
        ]  # fmt: skip
        first = {**report[0], "unmatched": numbers, "transactions": report}
        self.stdout.write(orjson.dumps(first).decode())

    def _import(self, opts: dict[str, Any]) -> None:
        path = Path(opts["file"])
        practice = practice_limit(opts.get("practice"))
        try:
            raw = path.read_text(encoding="ascii", errors="replace")
            remits = read_835(raw)
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from None
        except RemittanceError as exc:
            raise CommandError(f"{path}: {exc}") from None
        organization = practice.organization if practice else None
        if organization is None:
            numbers = [c.claim_id.upper()[:20] for r in remits for c in r.claims][:1000]
            with scopes_disabled():
                claim = (
                    Claim.objects.filter(number__in=numbers).select_related("organization").first()
                )
            if claim is None:  # nothing of ours: say so claim by claim, post nothing
                self._none_ours(remits, opts["json"])
                return
            organization = claim.organization
        try:
            with scope(organization=organization):
                postings = post_remittance(raw, organization, [practice.pk] if practice else None)
        except (RemittanceError, RemittanceRefused) as exc:
            raise CommandError(f"{path}: {exc}") from None
        summary = report(postings)
        if opts["json"]:
            self.stdout.write(orjson.dumps(summary).decode())
            return
        for p in postings:
            self.stdout.write(
                f"trace {p.trace}: "
                + ("already posted, nothing changed" if p.status == "already_posted" else
                   f"{p.paid} paid ({p.adjusted} adjusted), {p.denied} denied, {p.reversed} reversed, "
                   f"{len(p.unmatched)} unmatched")
                + f"; check ${p.check_amount:.2f} = claims ${p.claims_amount:.2f} − PLB ${p.plb_amount:.2f}"
                + ("" if p.balanced else " DOES NOT BALANCE")
            )  # fmt: skip
