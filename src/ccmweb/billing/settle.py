"""Claims from decided patient-months: create, replace or void, never edit (services.py decides).

A sent claim is locked: a changed month gets a replacement claim (frequency 7), a month that no
longer bills a void (frequency 8), each with ledger rows; an unsent claim is withdrawn. New
claims of a close batch are inserted together (three statements per batch).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from ccm.types import MonthCase, MonthResult

from .models import BillingSettings, Claim, ClaimLine, LedgerEntry, PatientMonth

BATCH = 2000
CENT = Decimal("0.01")
NewClaim = tuple[Claim, list[ClaimLine], list[LedgerEntry]]


def needs_signoff(settings: BillingSettings, pm: PatientMonth) -> bool:
    """Whether this patient-month's claim waits for the practitioner's approval.

    With sign-off required and a sample below 100%, a deterministic share of patient-months
    is drawn: the patient's uid and the month hashed to 0–99, below the percentage means
    "review". The same month always draws the same way, whoever closes it and how often.
    """
    if not settings.requires_signoff:
        return False
    percent = settings.signoff_sample_percent
    if percent >= 100:
        return True
    key = f"{pm.patient.uid}:{pm.month:%Y-%m}".encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:4], "big") % 100 < percent


def _diagnoses(case: MonthCase) -> list[str]:
    return list(case.patient.chronic_conditions[:12])


def _charge(settings: BillingSettings, code: str, units: int, amount: Decimal) -> Decimal:
    per_unit = settings.charges.get(code)
    return (Decimal(str(per_unit)) * units).quantize(CENT) if per_unit else amount


def _line_key(lines: Iterable[Any]) -> list[tuple[str, int, str, str]]:
    return sorted(
        (line.code, line.units, str(line.service_date), f"{line.charge:.2f}") for line in lines
    )


def _claim_rows(
    pm: PatientMonth,
    case: MonthCase,
    result: MonthResult,
    settings: BillingSettings,
    rendering: int | None,
    now: dt.datetime,
    replaces: Claim | None = None,
    void: bool = False,
) -> NewClaim:
    """A new claim with its lines and ledger rows, unsaved, so a batch can insert them together."""
    lines = [
        (
            ln.code,
            ln.units,
            ln.service_date,
            _charge(settings, ln.code, ln.units, ln.amount),
            ln.amount,
        )
        for ln in result.lines
    ]
    if void and replaces is not None:
        lines = [
            (ln.code, ln.units, ln.service_date, ln.charge, ln.expected)
            for ln in replaces.lines.all()
        ]
    approved = (replaces is not None and void) or not needs_signoff(settings, pm)
    uid = uuid.uuid4()
    claim = Claim(
        organization_id=pm.organization_id,
        practice_id=pm.practice_id,
        patient_id=pm.patient_id,
        patient_month=pm,
        uid=uid,
        number=uid.hex[:20].upper(),
        month=pm.month,
        mbi=pm.patient.mbi,
        program_family=case.enrollment.program,
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
        rendering_id=rendering,
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
    pm: PatientMonth,
    case: MonthCase,
    result: MonthResult,
    settings: BillingSettings,
    rendering: int | None,
    now: dt.datetime,
    replaces: Claim | None = None,
    void: bool = False,
) -> Claim:
    """One new claim saved at once (corrections: rare, so one at a time is fine)."""
    made = _claim_rows(pm, case, result, settings, rendering, now, replaces, void)
    save_claims([made])
    return made[0]


def _retire(claim: Claim, now: dt.datetime, void: bool) -> None:
    """Take an unsent claim out of the month: it was never sent, so no payer needs telling."""
    Claim.objects.filter(pk=claim.pk).update(
        current=False, status=Claim.Status.VOID if void else Claim.Status.REPLACED
    )
    LedgerEntry.objects.create(
        organization_id=claim.organization_id,
        claim=claim,
        kind=LedgerEntry.Kind.VOID,
        amount=-claim.expected,
        at=now,
        note="Unsent claim withdrawn by a later close",
    )


def settle_claim(
    pm: PatientMonth,
    case: MonthCase,
    result: MonthResult,
    settings: BillingSettings,
    rendering: int | None,
    current: Claim | None,
    now: dt.datetime,
    pending: list[NewClaim],
) -> None:
    """Make the current claim match the month: keep, create, replace or void; never edit.

    A first claim for the month (the common case) goes to PENDING for the batch's bulk insert.
    """
    billable = pm.status == PatientMonth.Status.BILLABLE
    if current is not None and current.practice_id != pm.practice_id:
        return  # another practice's claim: this month was held as billed elsewhere
    if current is None:
        if billable:
            pending.append(_claim_rows(pm, case, result, settings, rendering, now))
        return
    if current.status == Claim.Status.DENIED and not billable:
        Claim.objects.filter(pk=current.pk).update(current=False)
        return
    if current.frequency == Claim.Frequency.VOID:
        if billable:  # billable again after a void: a fresh original
            Claim.objects.filter(pk=current.pk).update(current=False)
            _new_claim(pm, case, result, settings, rendering, now)
        return
    if billable:
        wanted_key = sorted(
            (
                ln.code,
                ln.units,
                str(ln.service_date),
                f"{_charge(settings, ln.code, ln.units, ln.amount):.2f}",
            )
            for ln in result.lines
        )
        if wanted_key == _line_key(current.lines.all()):
            return
        if current.is_locked:
            Claim.objects.filter(pk=current.pk).update(current=False, status=Claim.Status.REPLACED)
            _new_claim(pm, case, result, settings, rendering, now, replaces=current)
        else:
            _retire(current, now, void=False)
            _new_claim(pm, case, result, settings, rendering, now)
        return
    if current.is_locked:
        Claim.objects.filter(pk=current.pk).update(current=False, status=Claim.Status.REPLACED)
        _new_claim(pm, case, result, settings, rendering, now, replaces=current, void=True)
    else:
        _retire(current, now, void=True)
