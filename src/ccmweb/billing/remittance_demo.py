"""An 835 for a month's sent claims with chosen outcomes, as a payer would send it: for demos,
tests and a practice's own training (`ccm remittance write`).

Amounts follow the claims: the allowed amount is the Medicare amount the close expected,
the coinsurance is the core's rate on it for the practice's type (cms-rules §9, §13), charges above the allowed are
written off (CO-45). A reversal takes back exactly the last payment posted for the claim.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from ccm.periods import BillingMonth
from ccm.rules.institutional import cost_sharing
from ccm.x12.remit835 import (
    Adjustment,
    ClaimPayment,
    ProviderAdjustment,
    Remittance,
    ServicePayment,
)
from ccm.x12.remit835_write import write_835
from ccm.x12.segments import X12Error, decimal

from .models import Claim, RemittanceLine
from .services import billing_settings

OUTCOMES = ("paid", "adjusted", "denied", "denied-line", "reversed")


def _payment(claim: Claim, outcome: str, setting: str) -> ClaimPayment:
    lines = sorted(claim.lines.all(), key=lambda ln: ln.code)
    charge = claim.total_charge
    day = claim.month
    if outcome == "reversed":
        return _reversal(claim)
    if outcome == "denied":
        return ClaimPayment(
            claim.number, "1", charge, Decimal("0.00"), Decimal("0.00"), f"R{claim.number[:12]}",
            claim.mbi, adjustments=(Adjustment("CO", "16", charge),), remarks=("MA130",),
        )  # fmt: skip
    services = []
    for ln in lines:
        above = max(ln.charge - ln.expected, Decimal("0"))
        adjustments = [Adjustment("CO", "45", above)] if above else []
        if outcome == "adjusted":
            adjustments.append(Adjustment("PR", "1", ln.expected))
            paid = Decimal("0.00")
        elif outcome == "denied-line" and ln.code != lines[0].code:
            adjustments = [Adjustment("CO", "97", ln.charge)]
            paid = Decimal("0.00")
        else:
            coinsurance = cost_sharing(setting, day).coinsurance_of(ln.expected)
            adjustments.append(Adjustment("PR", "2", coinsurance))
            paid = ln.expected - coinsurance
        services.append(
            ServicePayment(ln.code, ln.charge, paid, ln.units, ln.service_date, tuple(adjustments))
        )
    paid = sum((s.paid for s in services), Decimal("0.00"))
    owed = sum((a.amount for s in services for a in s.adjustments if a.group == "PR"), Decimal("0"))
    return ClaimPayment(claim.number, "1", charge, paid, owed, f"P{claim.number[:12]}", claim.mbi,
                        services=tuple(services))  # fmt: skip


def _reversal(claim: Claim) -> ClaimPayment:
    prior = (
        RemittanceLine.objects.filter(claim=claim, reversed=False, outcome="paid")
        .order_by("-pk")
        .first()
    )
    if prior is None:
        raise ValueError(f"--claim {claim.number}=reversed: no payment of it is posted to reverse")
    adjustments = tuple(
        Adjustment(a["group"], a["reason"], -Decimal(a["amount"])) for a in prior.adjustments
    )
    return ClaimPayment(
        claim.number, "22", -prior.charge, -prior.paid, -prior.patient_responsibility,
        prior.payer_claim_id, claim.mbi, adjustments=adjustments,
    )  # fmt: skip


def _plb(text: str, npi: str) -> ProviderAdjustment:
    reason, _, amount = text.partition(":")
    try:
        value = decimal(amount, f"--plb {text}")
    except X12Error as error:
        raise ValueError(
            f"{error}: write REASON:AMOUNT with a PLB reason code (WO, L6 …)"
        ) from None
    if not reason or len(reason) > 2:
        raise ValueError(f"--plb {text}: the reason is a two-character PLB code, e.g. WO or L6")
    return ProviderAdjustment(npi, None, reason.upper(), "", value)


def write_month_835(
    practice: Any,
    month: BillingMonth,
    outcome: str,
    per_claim: list[str],
    plb: list[str],
    trace: str | None = None,
    now: dt.datetime | None = None,
) -> tuple[str, int]:
    """The 835's text and how many claims it settles; ValueError naming a bad option."""
    now = now or timezone.now()
    claims = list(
        Claim.objects.filter(practice=practice, month=month.first, sent_at__isnull=False)
        .exclude(frequency=Claim.Frequency.VOID)
        .prefetch_related("lines")
        .order_by("sent_at", "pk")
    )
    if not claims:
        raise ValueError(f"--month {month}: no claim of {practice.slug} has been sent")
    chosen: dict[str, str] = {}
    for item in per_claim:
        number, _, wanted = item.partition("=")
        if wanted not in OUTCOMES:
            raise ValueError(f"--claim {item}: the outcome is one of {', '.join(OUTCOMES)}")
        if number.upper() not in {c.number for c in claims}:
            raise ValueError(f"--claim {item}: no sent claim {number} in {month}")
        chosen[number.upper()] = wanted
    payments = tuple(_payment(c, chosen.get(c.number, outcome), practice.setting) for c in claims)
    adjustments = tuple(_plb(p, practice.billing_npi) for p in plb)
    settings = billing_settings(practice)
    claims_amount = sum((p.paid for p in payments), Decimal("0.00"))
    remittance = Remittance(
        payer_name=settings.payer_name, payee_npi=practice.billing_npi,
        payment_amount=claims_amount - sum((a.amount for a in adjustments), Decimal("0.00")),
        payment_method="ACH", trace_number=trace or f"{practice.billing_npi[-4:]}{now:%y%m%d%H%M%S}",
        payment_date=now.date(), claims=payments, provider_adjustments=adjustments,
    )  # fmt: skip
    control = int(now.strftime("%H%M%S")) or 1
    return write_835(
        remittance, settings.payer_id, practice.name, now.replace(tzinfo=None), control
    ), len(payments)
