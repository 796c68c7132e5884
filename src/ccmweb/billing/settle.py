"""Claims from decided patient-months: create, replace or void, never edit (services.py decides).

A sent claim is locked: a changed month gets a replacement claim (frequency 7), a month that no
longer bills a void (frequency 8), each with ledger rows; an unsent claim is withdrawn. New
claims of a close batch are inserted together (three statements per batch, COPY on PostgreSQL).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import orjson

from ccm.codes.care_management import ADD_ON_BASES
from ccm.types import MonthCase, MonthResult
from ccmweb.sql import IdList

from .bulk import Pipeline, insert_rows
from .models import BillingSettings, Claim, ClaimLine, LedgerEntry, PatientMonth

BATCH = 2000
CENT = Decimal("0.01")
NewClaim = tuple[Claim, list[ClaimLine], list[LedgerEntry]]
STORED_LINE_COLUMNS = ("code", "units", "service_date", "charge", "expected")
CLAIM_COLUMNS = (
    "organization_id", "practice_id", "patient_id", "patient_month_id", "uid", "number",
    "month", "mbi", "program_family", "current", "status", "frequency", "rendering_id",
    "diagnoses", "total_charge", "expected", "approved_at", "payer_claim_id", "created_at",
    "early",
)  # fmt: skip
LINE_COLUMNS = (
    "organization_id",
    "claim_id",
    "code",
    "units",
    "charge",
    "expected",
    "service_date",
)
LEDGER_COLUMNS = ("organization_id", "claim_id", "kind", "amount", "group", "reason", "note", "at")


@dataclass
class FirstClaims:
    """A close batch's original claims (the common case) as plain rows, inserted together:
    claims first, then their lines and ledger rows with the ids the claims got."""

    claims: list[tuple[Any, ...]] = field(default_factory=list)
    lines: list[list[tuple[Any, ...]]] = field(default_factory=list)
    expected: list[Decimal] = field(default_factory=list)
    early: bool = False  # a bill-early run (§11): its claims are marked so
    #: The batch's corrections, written together too (issue 13: a changed month cost 20× a
    #: first one when each went through its own UPDATE and INSERTs): claims taken out of the
    #: month (by the columns they get), the withdrawals' ledger rows, and the new claims.
    retired: dict[tuple[tuple[str, Any], ...], list[int]] = field(default_factory=dict)
    withdrawals: list[tuple[Any, ...]] = field(default_factory=list)  # LEDGER_COLUMNS
    made: list[NewClaim] = field(default_factory=list)

    def retire(self, pk: int, **columns: Any) -> None:
        """Set COLUMNS of claim PK when the batch is saved (before its new claims go in)."""
        self.retired.setdefault(tuple(sorted(columns.items())), []).append(pk)

    def add(self, month: Settling) -> None:
        """An original claim for a billable month that has none."""
        pm, case, settings, now = month.pm, month.case, month.settings, month.now
        org = pm.organization_id
        lines = [
            (ln.code, ln.units, _charge(settings, ln.code, ln.units, ln.amount), ln.amount,
             ln.service_date)
            for ln in month.result.lines
        ]  # fmt: skip
        approved = not draws_review(settings, pm.patient_uid, pm.month)
        uid = uuid.uuid4()
        expected = sum((x[3] for x in lines), Decimal("0"))
        self.claims.append(
            (
                org, pm.practice_id, pm.patient_id, pm.id, uid, uid.hex[:20].upper(), pm.month,
                pm.mbi, case.enrollment.program, True,
                Claim.Status.APPROVED if approved else Claim.Status.DRAFT,
                Claim.Frequency.ORIGINAL, month.rendering, orjson.dumps(_diagnoses(case)).decode(),
                sum((x[2] for x in lines), Decimal("0")), expected,
                now if approved else None, "", now, self.early,
            )
        )  # fmt: skip
        self.lines.append([(org, *line) for line in lines])
        self.expected.append(expected)

    def save(self, now: dt.datetime, pipeline: Pipeline | None = None) -> None:
        """The corrections now, one UPDATE per kind of change and the replacements' three
        inserts; then three inserts for the new originals and one for the withdrawals' ledger
        rows (COPY on PostgreSQL, at the PIPELINE's next flush: after the UPDATEs that took
        the claims they succeed out of the month)."""
        for columns, pks in self.retired.items():
            for start in range(0, len(pks), BATCH):
                Claim.objects.filter(pk__in=IdList(pks[start : start + BATCH])).update(
                    **dict(columns)
                )
        insert_rows(LedgerEntry, LEDGER_COLUMNS, self.withdrawals, ids=False, pipeline=pipeline)
        save_claims(self.made)
        self.retired, self.withdrawals, self.made = {}, [], []
        ids = insert_rows(Claim, CLAIM_COLUMNS, self.claims, pipeline=pipeline)
        insert_rows(
            ClaimLine,
            LINE_COLUMNS,
            [
                (ln[0], pk, *ln[1:])
                for pk, lines in zip(ids, self.lines, strict=True)
                for ln in lines
            ],
            ids=False,
            pipeline=pipeline,
        )
        note = "Expected Medicare payment at the month close"
        insert_rows(
            LedgerEntry,
            LEDGER_COLUMNS,
            [
                (claim[0], pk, LedgerEntry.Kind.EXPECTED, amount, "", "", note, now)
                for pk, claim, amount in zip(ids, self.claims, self.expected, strict=True)
            ],
            ids=False,
            pipeline=pipeline,
        )


@dataclass(frozen=True, slots=True)
class PatientMonthRef:
    """What settling a claim needs of its patient-month, without loading the model (a model
    instance per changed month cost a re-close more than its claim's rows)."""

    id: int
    organization_id: int
    practice_id: int
    patient_id: int
    patient_uid: uuid.UUID
    mbi: str
    month: dt.date
    status: str = ""


@dataclass(frozen=True, slots=True)
class Settling:
    """One patient-month being settled: what every step from its decision to its claims reads
    (the month, its case and the rules' answer, the practice's billing settings, the rendering
    practitioner, the close's time)."""

    pm: PatientMonthRef
    case: MonthCase
    result: MonthResult
    settings: BillingSettings
    rendering: int | None
    now: dt.datetime


def needs_signoff(settings: BillingSettings, pm: PatientMonth) -> bool:
    """Whether this patient-month's claim waits for the practitioner's approval."""
    return draws_review(settings, pm.patient.uid, pm.month)


def draws_review(settings: BillingSettings, patient_uid: uuid.UUID, month: dt.date) -> bool:
    """Whether a patient-month's claim waits for the practitioner's approval.

    With sign-off required and a sample below 100%, a deterministic share of patient-months
    is drawn: the patient's uid and the month hashed to 0–99, below the percentage means
    "review". The same month always draws the same way, whoever closes it and how often.
    """
    if not settings.requires_signoff:
        return False
    percent = settings.signoff_sample_percent
    if percent >= 100:
        return True
    key = f"{patient_uid}:{month:%Y-%m}".encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:4], "big") % 100 < percent


def _diagnoses(case: MonthCase) -> list[str]:
    return list(case.patient.chronic_conditions[:12])


def _charge(settings: BillingSettings, code: str, units: int, amount: Decimal) -> Decimal:
    per_unit = settings.charges.get(code)
    return (Decimal(str(per_unit)) * units).quantize(CENT) if per_unit else amount


def lines_of(claim: Claim) -> list[Any]:
    """A claim's lines: the rows the close read beside it (Claim.stored_lines), else queried."""
    return claim.stored_lines if claim.stored_lines is not None else list(claim.lines.all())


def _line_key(lines: Iterable[Any]) -> list[tuple[str, int, str, str]]:
    return sorted(
        (line.code, line.units, str(line.service_date), f"{line.charge:.2f}") for line in lines
    )


def _wanted_key(settings: BillingSettings, lines: Iterable[Any]) -> list[tuple[str, int, str, str]]:
    """_line_key of the rules' LINES as they would be charged: equal when a claim matches."""
    return sorted(
        (ln.code, ln.units, str(ln.service_date),
         f"{_charge(settings, ln.code, ln.units, ln.amount):.2f}")
        for ln in lines
    )  # fmt: skip


def _claim_rows(
    month: Settling, replaces: Claim | None = None, void: bool = False, family: str = ""
) -> NewClaim:
    """A new claim with its lines and ledger rows, unsaved, so a batch can insert them together."""
    pm, case, settings, now = month.pm, month.case, month.settings, month.now
    lines = [
        (
            ln.code,
            ln.units,
            ln.service_date,
            _charge(settings, ln.code, ln.units, ln.amount),
            ln.amount,
        )
        for ln in month.result.lines
    ]
    if void and replaces is not None:
        lines = [
            (ln.code, ln.units, ln.service_date, ln.charge, ln.expected)
            for ln in lines_of(replaces)
        ]
    approved = (replaces is not None and void) or not draws_review(
        settings, pm.patient_uid, pm.month
    )
    uid = uuid.uuid4()
    claim = Claim(
        organization_id=pm.organization_id,
        practice_id=pm.practice_id,
        patient_id=pm.patient_id,
        patient_month_id=pm.id,
        uid=uid,
        number=uid.hex[:20].upper(),
        month=pm.month,
        mbi=pm.mbi,
        program_family=family or case.enrollment.program,
        current=True,
        status=Claim.Status.APPROVED if approved else Claim.Status.DRAFT,
        frequency=(
            Claim.Frequency.VOID
            if void
            else Claim.Frequency.REPLACEMENT
            if replaces
            else Claim.Frequency.ORIGINAL
        ),
        replaces=replaces,
        rendering_id=month.rendering,
        diagnoses=list(replaces.diagnoses) if void and replaces else _diagnoses(case),
        total_charge=sum((x[3] for x in lines), Decimal("0")),
        expected=Decimal("0") if void else sum((x[4] for x in lines), Decimal("0")),
        approved_at=now if approved else None,
        created_at=now,
    )
    claim_lines = [
        ClaimLine(
            organization_id=pm.organization_id,
            claim=claim,
            code=code,
            units=units,
            service_date=day,
            charge=charge,
            expected=expected,
        )
        for code, units, day, charge, expected in lines
    ]
    ledger = []
    if replaces is None:
        ledger.append(
            LedgerEntry(
                organization_id=pm.organization_id,
                claim=claim,
                kind=LedgerEntry.Kind.EXPECTED,
                amount=claim.expected,
                at=now,
                note="Expected Medicare payment at the month close",
            )
        )
    else:
        ledger.append(
            LedgerEntry(
                organization_id=pm.organization_id,
                claim=replaces,
                kind=LedgerEntry.Kind.CORRECTION,
                amount=-replaces.expected,
                at=now,
                note=f"{'Voided' if void else 'Replaced'} by claim {claim.claim_number}",
            )
        )
        ledger.append(
            LedgerEntry(
                organization_id=pm.organization_id,
                claim=claim,
                kind=LedgerEntry.Kind.VOID if void else LedgerEntry.Kind.EXPECTED,
                amount=claim.expected,
                at=now,
                note=f"Correction of claim {replaces.claim_number} after a late amendment",
            )
        )
    return claim, claim_lines, ledger


def save_claims(made: list[NewClaim]) -> None:
    """Insert new claims, then their lines and ledger rows: three statements per batch."""
    if not made:
        return
    Claim.objects.bulk_create([claim for claim, _, _ in made], batch_size=BATCH)
    # bulk_create copies each claim's new pk into the rows that point at it.
    ClaimLine.objects.bulk_create([ln for _, lines, _ in made for ln in lines], batch_size=BATCH)
    LedgerEntry.objects.bulk_create([e for _, _, ledger in made for e in ledger], batch_size=BATCH)


def _new_claim(
    month: Settling,
    replaces: Claim | None = None,
    void: bool = False,
    family: str = "",
    batch: FirstClaims | None = None,
) -> Claim | None:
    """One new claim: with BATCH, inserted with the batch's others (a plain original as one of
    its first claims, by COPY); alone (the rare paths: rejected claims, add-ons billed apart)
    saved at once."""
    if batch is not None and replaces is None and not void and not family:
        batch.add(month)
        return None
    made = _claim_rows(month, replaces, void, family)
    if batch is not None:
        batch.made.append(made)
    else:
        save_claims([made])
    return made[0]


def _retire(claim: Claim, now: dt.datetime, void: bool, batch: FirstClaims | None = None) -> None:
    """Take an unsent claim out of the month: it was never sent, so no payer needs telling.
    With BATCH, the update and the ledger row are written with the batch's others."""
    status = Claim.Status.VOID if void else Claim.Status.REPLACED
    withdrawal = (
        claim.organization_id, claim.pk, LedgerEntry.Kind.VOID, -claim.expected, "", "",
        "Unsent claim withdrawn by a later close", now,
    )  # fmt: skip
    if batch is not None:
        batch.retire(claim.pk, current=False, status=status)
        batch.withdrawals.append(withdrawal)
        return
    Claim.objects.filter(pk=claim.pk).update(current=False, status=status)
    insert_rows(LedgerEntry, LEDGER_COLUMNS, [withdrawal], ids=False)


def retire_rejected_elsewhere(practice_id: int, month: dt.date, now: dt.datetime) -> None:
    """Rejected claims whose patient's MBI has since been corrected: the close looks claims up
    by MBI and would not find them, so they leave the month here (their successors are made
    as first claims); those with the same MBI are followed by settle_claim."""
    from django.db.models import F

    from .models import ClaimAck

    stale = list(
        Claim.objects.filter(
            practice_id=practice_id, month=month, current=True, status=Claim.Status.REJECTED
        )
        .exclude(mbi=F("patient__mbi"))
        .values_list("pk", flat=True)
    )
    if stale:
        Claim.objects.filter(pk__in=stale).update(current=False)
        ClaimAck.objects.filter(claim_id__in=stale, status=ClaimAck.Status.OPEN).update(
            status=ClaimAck.Status.RESOLVED, resolved_at=now
        )


def _follow_rejected(month: Settling, current: Claim, billable: bool) -> None:
    """The payer never took a rejected claim: it leaves the month, its open work items are
    done, and a billable month gets a fresh claim of the same kind, sent with the next export."""
    from .models import ClaimAck

    Claim.objects.filter(pk=current.pk).update(current=False)
    ClaimAck.objects.filter(claim=current, status=ClaimAck.Status.OPEN).update(
        status=ClaimAck.Status.RESOLVED, resolved_at=month.now
    )
    void = current.frequency == Claim.Frequency.VOID
    if billable or void:
        _new_claim(month, current.replaces, void)


def _add_ons_apart(month: Settling, current: Claim) -> bool:
    """After a bill-early claim went out (cms-rules §11), the month's add-on units go on a
    claim of their own (program family "ccm+"), made, kept or corrected here; False when the
    base line itself changed, which the sent claim's replacement handles."""
    result, settings = month.result, month.settings
    base = [ln for ln in result.lines if ln.code not in ADD_ON_BASES]
    add_ons = tuple(ln for ln in result.lines if ln.code in ADD_ON_BASES)
    if _wanted_key(settings, base) != _line_key(lines_of(current)):
        return False
    family = f"{current.program_family}+"
    found = (
        Claim.objects.filter(organization_id=current.organization_id, mbi=current.mbi,
                             month=current.month, program_family=family, current=True)
        .prefetch_related("lines").first()
    )  # fmt: skip
    extra = dataclasses.replace(
        result, lines=add_ons, total=sum((ln.amount for ln in add_ons), Decimal("0"))
    )
    if found is not None and _wanted_key(settings, add_ons) == _line_key(found.lines.all()):
        return True
    apart = dataclasses.replace(month, result=extra)
    if found is not None and found.is_locked:
        Claim.objects.filter(pk=found.pk).update(current=False, status=Claim.Status.REPLACED)
        _new_claim(apart, found, not add_ons, family)
    elif found is not None:
        _retire(found, month.now, void=not add_ons)
        if add_ons:
            _new_claim(apart, family=family)
    elif add_ons:
        _new_claim(apart, family=family)
    return True


def settle_claim(month: Settling, current: Claim | None, pending: FirstClaims) -> None:
    """Make the current claim match the month: keep, create, replace or void; never edit.

    A first claim for the month (the common case) goes to PENDING for the batch's bulk insert.
    """
    billable = month.pm.status == PatientMonth.Status.BILLABLE
    if current is not None and current.practice_id != month.pm.practice_id:
        return  # another practice's claim: this month was held as billed elsewhere
    if current is None:
        if billable:
            pending.add(month)
        return
    if current.status == Claim.Status.REJECTED:
        _follow_rejected(month, current, billable)
        return
    if current.hold_reason:
        return  # the payer said not to send it again (the denial queue holds the reason)
    if current.status == Claim.Status.DENIED and not billable:
        pending.retire(current.pk, current=False)
        return
    if current.frequency == Claim.Frequency.VOID:
        if billable:  # billable again after a void: a fresh original
            pending.retire(current.pk, current=False)
            _new_claim(month, batch=pending)
        return
    if billable and current.early and current.is_locked and _add_ons_apart(month, current):
        return
    if billable:
        if _wanted_key(month.settings, month.result.lines) == _line_key(lines_of(current)):
            return
        if current.is_locked:
            pending.retire(current.pk, current=False, status=Claim.Status.REPLACED)
            _new_claim(month, current, batch=pending)
        else:
            _retire(current, month.now, void=False, batch=pending)
            _new_claim(month, batch=pending)
        return
    if current.is_locked:
        pending.retire(current.pk, current=False, status=Claim.Status.REPLACED)
        _new_claim(month, current, True, batch=pending)
    else:
        _retire(current, month.now, void=True, batch=pending)
