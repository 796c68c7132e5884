"""`ccm remittance import FILE [--json]`: post an X12 835 against the claims we sent."""

from pathlib import Path

import orjson
from django.core.management.base import BaseCommand, CommandError
from django_scopes import scope, scopes_disabled

from ccm.x12.remit835 import RemittanceError, read_835
from ccmweb.billing.models import Claim
from ccmweb.billing.remittance import post_remittance


class Command(BaseCommand):
    help = "Post an X12 835 remittance: paid, adjusted (CARC/RARC in words) and denied claims."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="post an 835 file")
        imp.add_argument("file")
        imp.add_argument("--json", action="store_true")

    def handle(self, *args, **opts):  # type: ignore[no-untyped-def]
        path = Path(opts["file"])
        try:
            raw = path.read_text(encoding="ascii", errors="replace")
            remits = read_835(raw)
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror}") from None
        except RemittanceError as exc:
            raise CommandError(f"{path}: {exc}") from None
        numbers = [c.claim_id.upper() for r in remits for c in r.claims]
        with scopes_disabled():
            claim = Claim.objects.filter(number__in=numbers).select_related("organization").first()
        if claim is None:
            raise CommandError(f"{path}: CLP01: no claim in the file matches a claim we sent")
        with scope(organization=claim.organization):
            summary = post_remittance(raw, claim.organization)
        if opts["json"]:
            self.stdout.write(orjson.dumps(summary.as_json()).decode())
        else:
            self.stdout.write(
                f"{summary.paid} paid ({summary.adjusted} adjusted), {summary.denied} denied, "
                f"{summary.reversed} reversed, {len(summary.unmatched)} unmatched"
                + (" — already posted" if summary.already_posted else "")
            )
