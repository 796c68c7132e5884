"""Open balances after posted remittances: per claim, by payer and age, and per patient.

Every figure is a sum of ledger rows (reversals included, as negative rows), so a balance
can always be traced to the postings that make it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Sum

from ccm.periods import BillingMonth

from .models import Claim, LedgerEntry, RemittanceLine
from .services import settings_to_read

ZERO = Decimal("0.00")
AGES = ((30, "0–30"), (60, "31–60"), (90, "61–90"), (None, "90+"))
PAID_KINDS = (LedgerEntry.Kind.PAID, LedgerEntry.Kind.REVERSAL)


@dataclass
class ClaimBalance:
    """One sent claim, net of every posted remittance."""

    claim: Claim
    charge: Decimal
    paid: Decimal = ZERO
    contractual: Decimal = ZERO
    patient_responsibility: Decimal = ZERO
    coinsurance: Decimal = ZERO
    deductible: Decimal = ZERO
    secondary_payer: str = ""

    @property
    def payer_balance(self) -> Decimal:
        """What the payer has neither paid nor adjusted away nor left to the patient."""
        return self.charge - self.paid - self.contractual - self.patient_responsibility

    def as_json(self) -> dict[str, Any]:
        return {
            "claim_id": self.claim.number,
            "month": f"{self.claim.month:%Y-%m}",
            "status": self.claim.status,
            "charge": f"{self.charge:.2f}",
            "paid": f"{self.paid:.2f}",
            "contractual": f"{self.contractual:.2f}",
            "patient_responsibility": f"{self.patient_responsibility:.2f}",
            "payer_balance": f"{self.payer_balance:.2f}",
            "secondary_payer": self.secondary_payer or None,
        }


def claim_balances(practice: Any, claims: Any = None) -> list[ClaimBalance]:
    """Every sent claim of PRACTICE (or the CLAIMS queryset given), oldest first."""
    chosen = claims if claims is not None else Claim.objects.filter(practice=practice)
    chosen = (
        chosen.filter(sent_at__isnull=False).select_related("patient").order_by("sent_at", "pk")
    )
    found = {c.pk: ClaimBalance(c, c.total_charge) for c in chosen}
    sums = (
        LedgerEntry.objects.filter(claim_id__in=list(found), remittance__isnull=False)
        .values("claim_id", "kind", "group", "reason")
        .annotate(total=Sum("amount"))
    )
    for row in sums:
        balance, amount = found[row["claim_id"]], row["total"] or ZERO
        if row["kind"] in PAID_KINDS:
            balance.paid += amount
        elif row["kind"] == LedgerEntry.Kind.PATIENT:
            balance.patient_responsibility += amount
            if row["reason"] == "2":
                balance.coinsurance += amount
            elif row["reason"] == "1":
                balance.deductible += amount
        elif row["kind"] == LedgerEntry.Kind.ADJUSTED:
            balance.contractual += amount
    for claim_id, payer in (
        RemittanceLine.objects.filter(claim_id__in=list(found), reversed=False)
        .exclude(crossover_payer="")
        .values_list("claim_id", "crossover_payer")
    ):
        found[claim_id].secondary_payer = payer
    return list(found.values())


@dataclass
class PayerAges:
    """What one payer still owes, by age of the claim since it was sent."""

    payer: str
    buckets: dict[str, Decimal] = field(default_factory=lambda: {label: ZERO for _, label in AGES})

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), ZERO)


def age_label(days: int) -> str:
    return next(label for limit, label in AGES if limit is None or days <= limit)


def by_payer(practice: Any, balances: list[ClaimBalance], today: dt.date) -> list[PayerAges]:
    """Open payer balances, and patient responsibility crossed over to a secondary payer, by age."""
    primary = settings_to_read(practice).payer_name
    found: dict[str, PayerAges] = {}
    for b in balances:
        assert b.claim.sent_at is not None
        label = age_label((today - b.claim.sent_at.date()).days)
        if b.payer_balance:
            found.setdefault(primary, PayerAges(primary)).buckets[label] += b.payer_balance
        if b.secondary_payer and b.patient_responsibility:
            ages = found.setdefault(b.secondary_payer, PayerAges(b.secondary_payer))
            ages.buckets[label] += b.patient_responsibility
    return sorted(found.values(), key=lambda p: -p.total)


@dataclass
class PatientOwes:
    """What one patient owes the practice: patient responsibility not sent to a secondary
    payer; for a QMB patient nothing (cms-rules §9: no deductible or coinsurance)."""

    patient: Any
    responsibility: Decimal = ZERO
    claims: list[ClaimBalance] = field(default_factory=list)

    @property
    def billable(self) -> Decimal:
        return ZERO if self.patient.qmb else self.responsibility


def by_patient(balances: list[ClaimBalance]) -> list[PatientOwes]:
    found: dict[int, PatientOwes] = defaultdict(lambda: PatientOwes(None))
    for b in balances:
        if b.secondary_payer or not b.patient_responsibility:
            continue
        owes = found[b.claim.patient_id]
        owes.patient = b.claim.patient
        owes.responsibility += b.patient_responsibility
        owes.claims.append(b)
    return sorted(found.values(), key=lambda o: (o.patient.family_name, o.patient.pk))


def month_of(balance: ClaimBalance) -> BillingMonth:
    return BillingMonth.of(balance.claim.month)
