"""Post an 835: match each CLP to our claim, write the ledger, queue denials, reconcile.

Once per payer and TRN02 trace number: an 835 re-delivered with new envelope numbers is the
same remittance and changes nothing. The file is read whole before anything is written (a
malformed one changes nothing), and the posting is one transaction, in bulk: one query
matches every claim, the ledger rows go in together (COPY on PostgreSQL).

A reversal (CLP02 22) undoes exactly the rows of the posting it reverses (payment,
adjustments, patient responsibility), so the corrected claim that follows posts on a clean
slate. A claim processed with nothing paid and nothing left to the patient (CO-16 with
MA130), and a line paid nothing, go to the denial queue with their codes in words. Only
claims of practices the acting user may touch are posted: a file naming another practice's
claims is refused whole, so its rightful biller can still post it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from ccm.x12.carc import carc_action, carc_words
from ccm.x12.rarc import rarc_words
from ccm.x12.remit835 import PAYER_ORDER, ClaimPayment, Remittance, read_835
from ccmweb.tenants.models import Practice

from .bulk import insert_rows
from .models import (
    Claim,
    Denial,
    LedgerEntry,
    ProviderAdjustment,
    RemittanceLine,
)
from .models import Remittance as RemittanceRecord

#: CARCs whose action says the claim must not be sent again (ccm.x12.carc): the claim is held.
DO_NOT_RESEND = {"B20", "18"}
ZERO = Decimal("0.00")
LINE_COLUMNS = ("organization_id", "remittance_id", "claim_id", "claim_number", "status", "charge",
                "paid", "patient_responsibility", "adjustments", "remarks", "payer_claim_id",
                "crossover_payer", "outcome", "segment", "reversed")  # fmt: skip
LEDGER_COLUMNS = ("organization_id", "claim_id", "kind", "amount", "group", "reason", "note",
                  "remittance_id", "line_id", "at")  # fmt: skip


class RemittanceRefused(Exception):
    """The file names claims of practices the acting user may not post for."""


@dataclass
class Posting:
    """What one 835 transaction did (cli.md's `ccm remittance import --json` shape)."""

    status: str
    payer: str
    trace: str
    check_amount: Decimal
    claims_amount: Decimal
    plb_amount: Decimal
    balanced: bool
    paid: int = 0
    adjusted: int = 0
    denied: int = 0
    reversed: int = 0
    unmatched: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    uid: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status, "payer": self.payer, "trace": self.trace,
            "check_amount": f"{self.check_amount:.2f}", "claims_amount": f"{self.claims_amount:.2f}",
            "plb_amount": f"{self.plb_amount:.2f}", "balanced": self.balanced, "paid": self.paid,
            "adjusted": self.adjusted, "denied": self.denied, "reversed": self.reversed,
            "unmatched": self.unmatched, "warnings": self.warnings, "remittance": self.uid,
        }  # fmt: skip


def report(postings: list[Posting]) -> dict[str, Any]:
    """One JSON document for a file: its first transaction's fields (most files have one),
    counts over all, and every transaction under "transactions"."""
    first = postings[0].as_json()
    for key in ("paid", "adjusted", "denied", "reversed"):
        first[key] = sum(getattr(p, key) for p in postings)
    first["unmatched"] = [u for p in postings for u in p.unmatched]
    first["balanced"] = all(p.balanced for p in postings)
    first["status"] = "posted" if any(p.status == "posted" for p in postings) else "already_posted"
    first["transactions"] = [p.as_json() for p in postings]
    return first


def post_remittance(
    raw: str,
    organization: Any,
    practice_ids: Collection[int] | None = None,
    user: Any = None,
    now: dt.datetime | None = None,
) -> list[Posting]:
    """Post every transaction of an 835 once. RemittanceError (malformed) and
    RemittanceRefused (another practice's claims) are raised before anything is written."""
    remits = read_835(raw)
    digest = hashlib.sha256(raw.encode()).hexdigest()
    now = now or timezone.now()
    with transaction.atomic():
        return [_post(r, organization, practice_ids, user, now, digest) for r in remits]


def _payee_practice(remit: Remittance, organization: Any) -> Practice | None:
    if not remit.payee_npi:
        return None
    field_name = "tin" if remit.payee_id_qualifier == "FI" else "billing_npi"
    found = Practice.objects.filter(organization=organization, **{field_name: remit.payee_npi})
    return found.first()


def _post(
    remit: Remittance,
    organization: Any,
    practice_ids: Collection[int] | None,
    user: Any,
    now: dt.datetime,
    digest: str,
) -> Posting:
    payer_key = (remit.payer_id or remit.payer_name.upper())[:80]
    posting = Posting("posted", remit.payer_name, remit.trace_number, remit.payment_amount,
                      remit.claims_amount, remit.plb_amount, remit.balanced,
                      warnings=list(remit.warnings))  # fmt: skip
    done = RemittanceRecord.objects.filter(
        organization=organization, payer_key=payer_key, trace_number=remit.trace_number[:50]
    ).first()
    if done is not None:
        posting.status, posting.uid = "already_posted", str(done.uid)
        posting.unmatched = list(done.unmatched)
        return posting
    claims = _matched(remit, organization)
    outside = {c.practice_id for c in claims.values()} - set(practice_ids or ())
    if practice_ids is not None and outside:
        raise RemittanceRefused(
            f"trace {remit.trace_number}: the file posts claims of a practice you may not "
            "work on; ask a biller who works for all its practices to post it"
        )
    payee = _payee_practice(remit, organization)
    practices = {c.practice_id for c in claims.values()}
    record = RemittanceRecord.objects.create(
        organization=organization,
        practice_id=payee.pk if payee else (next(iter(practices)) if len(practices) == 1 else None),
        digest=digest, payer_key=payer_key, payer_name=remit.payer_name[:60],
        trace_number=remit.trace_number[:50], payment_amount=remit.payment_amount,
        claims_amount=remit.claims_amount, plb_amount=remit.plb_amount, balanced=remit.balanced,
        payment_method=remit.payment_method[:3], payment_date=remit.payment_date,
        warnings=list(remit.warnings), posted_at=now, posted_by=user,
    )  # fmt: skip
    ProviderAdjustment.objects.bulk_create(
        ProviderAdjustment(
            organization=organization, remittance=record, provider_id=p.provider_id[:50],
            fiscal_period=p.fiscal_period, reason=p.reason[:2], reference=p.reference[:50],
            amount=p.amount,
        )
        for p in remit.provider_adjustments
    )  # fmt: skip
    _Poster(record, claims, posting, now).post(remit.claims)
    posting.uid = str(record.uid)
    record.unmatched = posting.unmatched[:2000]
    record.save(update_fields=["unmatched"])
    return posting


def _matched(remit: Remittance, organization: Any) -> dict[str, Claim]:
    """Our claims the CLPs name (CLP01 is our claim number), one query."""
    numbers = sorted({c.claim_id.upper()[:20] for c in remit.claims})
    found = Claim.objects.filter(organization=organization, number__among=numbers).only(
        "id", "number", "practice_id", "status", "organization_id", "payer_claim_id"
    )
    return {c.number: c for c in found}


def _adjustments(payment: ClaimPayment) -> list[dict[str, str]]:
    return [
        {"group": a.group, "reason": a.reason, "amount": f"{a.amount:.2f}", "words": carc_words(a.reason)}
        for a in payment.all_adjustments()
    ]  # fmt: skip


class _Poster:
    """The rows one transaction's claims make, written together at the end."""

    def __init__(
        self, record: Any, claims: dict[str, Claim], posting: Posting, now: dt.datetime
    ) -> None:
        self.record, self.claims, self.posting, self.now = record, claims, posting, now
        self.org = record.organization_id
        self.ledger: list[list[Any]] = []  # rows waiting for their line's id (index)
        self.denials: list[tuple[int, Claim, ClaimPayment, str, list[str]]] = []
        self.status: dict[int, tuple[str, str, str]] = {}  # claim id → status, payer id, hold
        self.reversals: list[tuple[int, Claim]] = []

    def post(self, payments: tuple[ClaimPayment, ...]) -> None:
        lines = []
        for index, payment in enumerate(payments):
            claim = self.claims.get(payment.claim_id.upper()[:20])
            outcome = self._decide(index, claim, payment)
            lines.append((
                self.org, self.record.pk, claim.pk if claim else None, payment.claim_id[:38],
                payment.status, payment.charge, payment.paid, payment.patient_responsibility,
                _adjustments(payment), [rarc_words(c) for c in payment.all_remarks()],
                payment.payer_claim_id[:50], payment.crossover_payer[:60], outcome,
                payment.segment, False,
            ))  # fmt: skip
        ids = insert_rows(RemittanceLine, LINE_COLUMNS, [_json(row) for row in lines])
        self._undo_reversed(ids)
        insert_rows(
            LedgerEntry, LEDGER_COLUMNS,
            [(*row[:8], ids[row[8]], self.now) for row in self.ledger], ids=False,
        )  # fmt: skip
        Denial.objects.bulk_create(
            Denial(organization_id=self.org, claim=claim, remittance_line_id=ids[index],
                   service_code=code, reasons=reasons, action=_action(reasons_codes(payment, code)),
                   billed_elsewhere=bool(DO_NOT_RESEND & set(reasons_codes(payment, code))))
            for index, claim, payment, code, reasons in self.denials
        )  # fmt: skip
        _set_claims(self.status)

    def _row(self, index: int, claim: Claim, kind: str, amount: Decimal, group: str = "",
             reason: str = "", note: str = "") -> None:  # fmt: skip
        self.ledger.append([self.org, claim.pk, kind, amount, group, reason[:5], note[:300],
                            self.record.pk, index])  # fmt: skip

    def _decide(self, index: int, claim: Claim | None, payment: ClaimPayment) -> str:
        if claim is None:
            self.posting.unmatched.append(payment.claim_id)
            return "unmatched"
        if payment.reversal:
            self.reversals.append((index, claim))
            self.posting.reversed += 1
            self.status[claim.pk] = (Claim.Status.REVERSED, claim.payer_claim_id, "")
            return "reversal"
        for adj in payment.all_adjustments():
            kind = LedgerEntry.Kind.PATIENT if adj.group == "PR" else LedgerEntry.Kind.ADJUSTED
            self._row(index, claim, kind, adj.amount, adj.group, adj.reason, carc_words(adj.reason))
        pcn = payment.payer_claim_id[:50] or claim.payer_claim_id
        if payment.denied:
            self._row(
                index, claim, LedgerEntry.Kind.DENIED, ZERO, note="Denied: " + payment.status_words
            )
            codes = reasons_codes(payment, "")
            self.denials.append((index, claim, payment, "", _words(payment, "")))
            hold = next((carc_action(c) for c in codes if c in DO_NOT_RESEND), "")
            self.status[claim.pk] = (Claim.Status.DENIED, pcn, hold[:300])
            self.posting.denied += 1
            return "denied"
        note = f"Paid, trace {self.record.trace_number}"
        if payment.crossover_payer:
            note += f"; forwarded to {payment.crossover_payer}"
        if PAYER_ORDER.get(payment.status, 1) > 1:
            note += f" ({payment.status_words})"
        self._row(index, claim, LedgerEntry.Kind.PAID, payment.paid, note=note)
        for service in payment.services:
            if service.denied:
                self.denials.append(
                    (index, claim, payment, service.code[:8], _words(payment, service.code))
                )
        self.status[claim.pk] = (Claim.Status.PAID, pcn, "")
        self.posting.paid += 1
        if any(a.group != "PR" for a in payment.all_adjustments()):
            self.posting.adjusted += 1
        return "paid"

    def _undo_reversed(self, ids: list[int]) -> None:
        """Each reversal negates the rows of the latest posting of its claim not yet reversed."""
        for index, claim in self.reversals:
            prior = (
                RemittanceLine.objects.filter(claim=claim, reversed=False)
                .exclude(outcome__in=("reversal", "unmatched"))
                .exclude(pk__in=ids)
                .order_by("-pk")
                .first()
            )
            if prior is None:
                self.posting.warnings.append(
                    f"claim {claim.number}: a reversal of a payment not posted here; nothing undone"
                )
                continue
            RemittanceLine.objects.filter(pk=prior.pk).update(reversed=True)
            Denial.objects.filter(remittance_line=prior, status=Denial.Status.OPEN).update(
                status=Denial.Status.RESOLVED, resolved_at=self.now
            )
            for kind, amount, group, reason in LedgerEntry.objects.filter(line=prior).values_list(
                "kind", "amount", "group", "reason"
            ):
                if kind in (
                    LedgerEntry.Kind.PAID,
                    LedgerEntry.Kind.ADJUSTED,
                    LedgerEntry.Kind.PATIENT,
                ):
                    kind_now = LedgerEntry.Kind.REVERSAL if kind == LedgerEntry.Kind.PAID else kind
                    self._row(index, claim, kind_now, -amount, group, reason,
                              f"Reversal of the posting of trace {prior.remittance.trace_number}")  # fmt: skip


def reasons_codes(payment: ClaimPayment, code: str) -> list[str]:
    """The CARCs of the claim (CODE blank) or of one of its lines."""
    if not code:
        return [a.reason for a in payment.all_adjustments() if a.group != "PR"] or [
            a.reason for a in payment.all_adjustments()
        ]
    service = next(s for s in payment.services if s.code[:8] == code)
    return [a.reason for a in service.adjustments]


def _words(payment: ClaimPayment, code: str) -> list[str]:
    remarks = (
        payment.all_remarks()
        if not code
        else next(s.remarks for s in payment.services if s.code[:8] == code)
    )
    return [carc_words(c) for c in reasons_codes(payment, code)] + [rarc_words(r) for r in remarks]


def _action(codes: list[str]) -> str:
    return carc_action(codes[0]) if codes else "Call the payer: no reason code given."


def _json(row: tuple[Any, ...]) -> tuple[Any, ...]:
    import orjson

    return tuple(orjson.dumps(v).decode() if isinstance(v, list) else v for v in row)


def _set_claims(status: dict[int, tuple[str, str, str]]) -> None:
    """Each posted claim's status, the payer's claim number, and any hold: one statement run
    for every claim (executemany)."""
    if not status:
        return
    rows = [(s, pcn, hold, pk) for pk, (s, pcn, hold) in status.items()]
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE billing_claim SET status = %s, payer_claim_id = %s,"
            " hold_reason = CASE WHEN %s = '' THEN hold_reason ELSE %s END WHERE id = %s",
            [(s, pcn, hold, hold, pk) for s, pcn, hold, pk in rows],
        )
