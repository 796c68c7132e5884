"""Post an 835: match each CLP to our claim, write the ledger, queue denials with their action."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from ccm.x12.carc import carc_action, carc_words
from ccm.x12.rarc import rarc_words
from ccm.x12.remit835 import read_835

from .models import Claim, Denial, LedgerEntry, Remittance, RemittanceLine

ELSEWHERE_CODES = {"B20", "18"}


@dataclass
class PostingSummary:
    paid: int = 0
    adjusted: int = 0
    denied: int = 0
    reversed: int = 0
    unmatched: list[str] = field(default_factory=list)
    already_posted: bool = False
    paid_amount: Decimal = Decimal("0.00")

    def as_json(self) -> dict[str, Any]:
        return {
            "paid": self.paid,
            "adjusted": self.adjusted,
            "denied": self.denied,
            "reversed": self.reversed,
            "unmatched": self.unmatched,
            "already_posted": self.already_posted,
            "paid_amount": f"{self.paid_amount:.2f}",
        }


def _claim_for(number: str, organization: Any) -> Claim | None:
    """CLP01 is our claim number: the uid's first 20 hex characters, upper case."""
    return Claim.objects.filter(organization=organization, number=number.upper()).first()


@transaction.atomic
def post_remittance(raw: str, organization: Any, now: dt.datetime | None = None) -> PostingSummary:
    """Post every transaction of an 835 once; posting the same file again changes nothing."""
    now = now or timezone.now()
    digest = hashlib.sha256(raw.encode()).hexdigest()
    summary = PostingSummary()
    if Remittance.objects.filter(organization=organization, digest=digest).exists():
        summary.already_posted = True
        return summary
    for index, remit in enumerate(read_835(raw)):
        record = Remittance.objects.create(
            organization=organization,
            digest=digest if index == 0 else f"{digest[:60]}#{index:03d}",
            payer_name=remit.payer_name[:60],
            trace_number=remit.trace_number[:50],
            payment_amount=remit.payment_amount,
            payment_date=remit.payment_date,
            posted_at=now,
        )
        for payment in remit.claims:
            claim = _claim_for(payment.claim_id, organization)
            adjustments = [
                {
                    "group": a.group,
                    "reason": a.reason,
                    "amount": f"{a.amount:.2f}",
                    "words": carc_words(a.reason),
                }
                for a in payment.all_adjustments()
            ]
            remarks = [rarc_words(code) for code in payment.all_remarks()]
            line = RemittanceLine.objects.create(
                organization=organization,
                remittance=record,
                claim=claim,
                claim_number=payment.claim_id[:38],
                status=payment.status,
                charge=payment.charge,
                paid=payment.paid,
                patient_responsibility=payment.patient_responsibility,
                adjustments=adjustments,
                remarks=remarks,
            )
            if claim is None:
                summary.unmatched.append(payment.claim_id)
                continue
            _post_claim(claim, payment, record, line, now, summary)
    return summary


def _post_claim(
    claim: Claim,
    payment: Any,
    record: Remittance,
    line: RemittanceLine,
    now: dt.datetime,
    summary: PostingSummary,
) -> None:
    def ledger(
        kind: str, amount: Decimal, group: str = "", reason: str = "", note: str = ""
    ) -> None:
        LedgerEntry.objects.create(
            organization_id=claim.organization_id,
            claim=claim,
            kind=kind,
            amount=amount,
            group=group,
            reason=reason,
            note=note[:300],
            remittance=record,
            at=now,
        )

    if payment.reversal:
        ledger(LedgerEntry.Kind.REVERSAL, payment.paid, note="Payer reversed an earlier payment")
        summary.reversed += 1
        return
    for adj in payment.all_adjustments():
        kind = LedgerEntry.Kind.PATIENT if adj.group == "PR" else LedgerEntry.Kind.ADJUSTED
        ledger(kind, adj.amount, adj.group, adj.reason, carc_words(adj.reason))
    if payment.denied:
        ledger(LedgerEntry.Kind.DENIED, Decimal("0.00"), note="Denied")
        codes = [a.reason for a in payment.all_adjustments()]
        Denial.objects.create(
            organization_id=claim.organization_id,
            claim=claim,
            remittance_line=line,
            reasons=[carc_words(c) for c in codes] + [rarc_words(c) for c in payment.all_remarks()],
            action=carc_action(codes[0]) if codes else "Call the MAC: no reason code given.",
            billed_elsewhere=bool(ELSEWHERE_CODES & set(codes)),
        )
        Claim.objects.filter(pk=claim.pk).update(
            status=Claim.Status.DENIED, payer_claim_id=payment.payer_claim_id[:50]
        )
        summary.denied += 1
        return
    ledger(LedgerEntry.Kind.PAID, payment.paid, note=f"Check/EFT {record.trace_number}")
    summary.paid_amount += payment.paid
    Claim.objects.filter(pk=claim.pk).update(
        status=Claim.Status.PAID, payer_claim_id=payment.payer_claim_id[:50]
    )
    if any(a.group != "PR" for a in payment.all_adjustments()):
        summary.adjusted += 1
    summary.paid += 1
