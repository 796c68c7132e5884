"""`ccm balances --practice SLUG [--json]`: open balances per claim, payer and patient after
posted remittances (reversals included)."""

from typing import Any

import orjson
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django_scopes import scope

from ccmweb.billing.balances import by_patient, by_payer, claim_balances
from ccmweb.tenants.localtime import local_today
from ccmweb.tenants.practices import practice_named


class Command(BaseCommand):
    help = "Open balances per claim, payer (by age) and patient after posted remittances."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--practice", required=True, help="practice slug, or ORG/SLUG")
        parser.add_argument("--json", action="store_true", help="print one JSON document")

    def handle(self, *args: Any, **opts: Any) -> None:
        practice = practice_named(opts["practice"])
        with scope(organization=practice.organization):
            found = claim_balances(practice)
            payers = by_payer(practice, found, local_today(practice, timezone.now()))
            patients = by_patient(found)
            report: dict[str, Any] = {
                "practice": practice.slug,
                "claims": [b.as_json() for b in found],
                "payers": [
                    {"payer": p.payer, "ages": {k: f"{v:.2f}" for k, v in p.buckets.items()},
                     "total": f"{p.total:.2f}"}
                    for p in payers
                ],
                "patients": [
                    {"patient": str(o.patient.uid), "mrn": o.patient.mrn,
                     "responsibility": f"{o.responsibility:.2f}", "billable": f"{o.billable:.2f}",
                     "qmb": o.patient.qmb}
                    for o in patients
                ],
            }  # fmt: skip
        if opts["json"]:
            self.stdout.write(orjson.dumps(report).decode())
            return
        for p in report["payers"]:
            ages = ", ".join(f"{k} days ${v}" for k, v in p["ages"].items())
            self.stdout.write(f"{p['payer']}: ${p['total']} ({ages})")
        billable = sum(o.billable for o in patients)
        self.stdout.write(f"{len(patients)} patients owe ${billable:.2f}")
