"""Claims from decided patient-months: create, replace or void, never edit (services.py decides).

A sent claim is locked: a changed month gets a replacement claim (frequency 7), a month that no
longer bills a void (frequency 8), each with ledger rows; an unsent claim is withdrawn. New
claims of a close batch are inserted together (three statements per batch, COPY on PostgreSQL).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

import orjson
from django.db.models import QuerySet
from django_scopes import scopes_disabled

from ccm.codes.care_management import ADD_ON_BASES
from ccm.types import MonthCase, MonthResult
from ccmweb.sql import IdList

from .bulk import Pipeline, insert_rows, later
from .models import BillingSettings, Claim, ClaimLine, LedgerEntry, PatientMonth

CENT = Decimal("0.01")
CLAIM_COLUMNS = (
    "organization_id", "practice_id", "patient_id", "patient_month_id", "uid", "number",
    "month", "mbi", "program_family", "current", "status", "frequency", "rendering_id",
    "diagnoses", "total_charge", "expected", "approved_at", "payer_claim_id", "created_at",
    "early", "replaces_id",
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


class StoredLine(NamedTuple):
    """A stored claim's line as the close reads it."""

    code: str
    units: int
    service_date: dt.date
    charge: Decimal
    expected: Decimal


class ClaimRow(NamedTuple):
    """A stored claim as the close reads it: what settling needs, as a plain row (a model
    instance per changed month cost a re-close more than writing its successor)."""

    id: int
    organization_id: int
    practice_id: int
    number: str
    status: str
    frequency: str
    early: bool
    sent_at: dt.datetime | None
    hold_reason: str
    replaces_id: int | None
    program_family: str
    expected: Decimal
    diagnoses: list[str]
    lines: list[StoredLine]

    @property
    def is_locked(self) -> bool:
        """Sent claims are never changed (Claim.is_locked)."""
        return self.sent_at is not None


def claim_rows(claims: QuerySet[Claim]) -> list[ClaimRow]:
    """CLAIMS as rows with their lines: two queries, however many claims."""
    found = list(claims.values_list(*ClaimRow._fields[:-1]))
    lines: dict[int, list[StoredLine]] = {row[0]: [] for row in found}
    for claim_id, *line in ClaimLine.objects.filter(claim_id__in=IdList(lines)).values_list(
        "claim_id", *StoredLine._fields
    ):
        lines[claim_id].append(StoredLine(*line))
    return [ClaimRow._make((*row, lines[row[0]])) for row in found]


@dataclass
class FirstClaims:
    """A close batch's new claims as plain rows, inserted together: claims first, then their
    lines and ledger rows with the ids the claims got. Originals are the common case;
    replacements, voids and successors go the same way (COPY on PostgreSQL)."""

    claims: list[tuple[Any, ...]] = field(default_factory=list)  # CLAIM_COLUMNS
    lines: list[list[tuple[Any, ...]]] = field(default_factory=list)
    entries: list[tuple[str, Decimal, str]] = field(default_factory=list)  # kind, amount, note
    early: bool = False  # a bill-early run (§11): its original claims are marked so
    #: The batch's corrections of stored claims, written together too (issue 13: a changed
    #: month cost 20× a first one when each went through its own UPDATE and INSERTs): claims
    #: taken out of the month (by the columns they get), and their ledger rows.
    retired: dict[tuple[tuple[str, Any], ...], list[int]] = field(default_factory=dict)
    corrections: list[tuple[Any, ...]] = field(default_factory=list)  # LEDGER_COLUMNS

    def retire(self, pk: int, **columns: Any) -> None:
        """Set COLUMNS of claim PK when the batch is saved (before its new claims go in)."""
        self.retired.setdefault(tuple(sorted(columns.items())), []).append(pk)

    def add(
        self,
        month: Settling,
        replaces: ClaimRow | None = None,
        void: bool = False,
        family: str = "",
        early: bool | None = None,
    ) -> None:
        """A new claim for the month: an original, or (REPLACES) its replacement or VOID, with
        the ledger rows of both; FAMILY for add-ons billed apart. Only originals are marked
        bill-early unless EARLY says otherwise."""
        pm, case, settings, now = month.pm, month.case, month.settings, month.now
        org = pm.organization_id
        if void and replaces is not None:
            lines = [(ln.code, ln.units, ln.charge, ln.expected, ln.service_date)
                     for ln in replaces.lines]  # fmt: skip
        else:
            lines = [
                (ln.code, ln.units, _charge(settings, ln.code, ln.units, ln.amount), ln.amount,
                 ln.service_date)
                for ln in month.result.lines
            ]  # fmt: skip
        approved = (replaces is not None and void) or not draws_review(
            settings, pm.patient_uid, pm.month
        )
        if early is None:
            early = self.early and replaces is None and not void and not family
        uid = uuid.uuid4()
        number = uid.hex[:20].upper()
        expected = Decimal("0") if void else sum((x[3] for x in lines), Decimal("0"))
        frequency = (
            Claim.Frequency.VOID if void
            else Claim.Frequency.REPLACEMENT if replaces
            else Claim.Frequency.ORIGINAL
        )  # fmt: skip
        diagnoses = list(replaces.diagnoses) if void and replaces else _diagnoses(case)
        self.claims.append(
            (
                org, pm.practice_id, pm.patient_id, pm.id, uid, number, pm.month, pm.mbi,
                family or case.enrollment.program, True,
                Claim.Status.APPROVED if approved else Claim.Status.DRAFT, frequency,
                month.rendering, orjson.dumps(diagnoses).decode(),
                sum((x[2] for x in lines), Decimal("0")), expected, now if approved else None,
                "", now, early, replaces.id if replaces else None,
            )
        )  # fmt: skip
        self.lines.append([(org, *line) for line in lines])
        if replaces is None:
            note = "Expected Medicare payment at the month close"
            self.entries.append((LedgerEntry.Kind.EXPECTED, expected, note))
            return
        self.corrections.append(
            (org, replaces.id, LedgerEntry.Kind.CORRECTION, -replaces.expected, "", "",
             f"{'Voided' if void else 'Replaced'} by claim {number}", now)
        )  # fmt: skip
        kind = LedgerEntry.Kind.VOID if void else LedgerEntry.Kind.EXPECTED
        note = f"Correction of claim {replaces.number} after a late amendment"
        self.entries.append((kind, expected, note))

    def save(self, now: dt.datetime, pipeline: Pipeline | None = None) -> None:
        """One UPDATE per kind of change of the stored claims, then one insert each for the new
        claims, their lines and the ledger rows of both (COPY on PostgreSQL); with a PIPELINE
        all at its next flush, in that order (the UPDATEs take the claims out of the month
        before their successors go in)."""
        for columns, pks in self.retired.items():
            later(pipeline, functools.partial(_set_claims, pks, dict(columns)))
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
        entries = [
            (claim[0], pk, kind, amount, "", "", note, now)
            for pk, claim, (kind, amount, note) in zip(ids, self.claims, self.entries, strict=True)
        ]
        insert_rows(
            LedgerEntry, LEDGER_COLUMNS, self.corrections + entries, ids=False, pipeline=pipeline
        )
        self.claims, self.lines, self.entries, self.retired, self.corrections = [], [], [], {}, []


def _set_claims(pks: list[int], columns: dict[str, Any]) -> None:
    """Set COLUMNS of claims PKS (read in the close's scope; the database thread has none)."""
    with scopes_disabled():
        Claim.objects.filter(pk__in=IdList(pks)).update(**columns)


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


def _retire(claim: ClaimRow, now: dt.datetime, void: bool, batch: FirstClaims) -> None:
    """Take an unsent claim out of the month: it was never sent, so no payer needs telling;
    the update and the ledger row are written with the batch's others."""
    status = Claim.Status.VOID if void else Claim.Status.REPLACED
    batch.retire(claim.id, current=False, status=status)
    batch.corrections.append(
        (claim.organization_id, claim.id, LedgerEntry.Kind.VOID, -claim.expected, "", "",
         "Unsent claim withdrawn by a later close", now)
    )  # fmt: skip


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


def _follow_rejected(
    month: Settling, current: ClaimRow, billable: bool, batch: FirstClaims
) -> None:
    """The payer never took a rejected claim: it leaves the month, its open work items are
    done, and a billable month gets a fresh claim of the same kind, sent with the next export
    (never marked bill-early)."""
    from .models import ClaimAck

    batch.retire(current.id, current=False)
    ClaimAck.objects.filter(claim_id=current.id, status=ClaimAck.Status.OPEN).update(
        status=ClaimAck.Status.RESOLVED, resolved_at=month.now
    )
    void = current.frequency == Claim.Frequency.VOID
    if billable or void:
        replaces = None
        if current.replaces_id is not None:
            (replaces,) = claim_rows(Claim.objects.filter(pk=current.replaces_id))
        batch.add(month, replaces, void, early=False)


def _add_ons_apart(month: Settling, current: ClaimRow, batch: FirstClaims) -> bool:
    """After a bill-early claim went out (cms-rules §11), the month's add-on units go on a
    claim of their own (program family "ccm+"), made, kept or corrected here; False when the
    base line itself changed, which the sent claim's replacement handles."""
    pm, result, settings = month.pm, month.result, month.settings
    base = [ln for ln in result.lines if ln.code not in ADD_ON_BASES]
    add_ons = tuple(ln for ln in result.lines if ln.code in ADD_ON_BASES)
    if _wanted_key(settings, base) != _line_key(current.lines):
        return False
    family = f"{current.program_family}+"
    apart_claims = Claim.objects.filter(
        organization_id=current.organization_id, mbi=pm.mbi, month=pm.month,
        program_family=family, current=True,
    )  # fmt: skip
    found = next(iter(claim_rows(apart_claims)), None)
    extra = dataclasses.replace(
        result, lines=add_ons, total=sum((ln.amount for ln in add_ons), Decimal("0"))
    )
    if found is not None and _wanted_key(settings, add_ons) == _line_key(found.lines):
        return True
    apart = dataclasses.replace(month, result=extra)
    if found is not None and found.is_locked:
        batch.retire(found.id, current=False, status=Claim.Status.REPLACED)
        batch.add(apart, found, not add_ons, family)
    elif found is not None:
        _retire(found, month.now, void=not add_ons, batch=batch)
        if add_ons:
            batch.add(apart, family=family)
    elif add_ons:
        batch.add(apart, family=family)
    return True


def settle_claim(month: Settling, current: ClaimRow | None, pending: FirstClaims) -> None:
    """Make the current claim match the month: keep, create, replace or void; never edit.

    What it makes or takes back goes to PENDING, written with the batch's others.
    """
    billable = month.pm.status == PatientMonth.Status.BILLABLE
    if current is not None and current.practice_id != month.pm.practice_id:
        return  # another practice's claim: this month was held as billed elsewhere
    if current is None:
        if billable:
            pending.add(month)
        return
    if current.status == Claim.Status.REJECTED:
        _follow_rejected(month, current, billable, pending)
        return
    if current.hold_reason:
        return  # the payer said not to send it again (the denial queue holds the reason)
    if current.status == Claim.Status.DENIED and not billable:
        pending.retire(current.id, current=False)
        return
    if current.frequency == Claim.Frequency.VOID:
        if billable:  # billable again after a void: a fresh original
            pending.retire(current.id, current=False)
            pending.add(month)
        return
    if billable and current.early and current.is_locked and _add_ons_apart(month, current, pending):
        return
    if billable:
        if _wanted_key(month.settings, month.result.lines) == _line_key(current.lines):
            return
        if current.is_locked:
            pending.retire(current.id, current=False, status=Claim.Status.REPLACED)
            pending.add(month, current)
        else:
            _retire(current, month.now, void=False, batch=pending)
            pending.add(month)
        return
    if current.is_locked:
        pending.retire(current.id, current=False, status=Claim.Status.REPLACED)
        pending.add(month, current, True)
    else:
        _retire(current, month.now, void=True, batch=pending)
