"""One batch of the month close: read the months as rows, decide the changed ones, write in bulk.

A patient-month whose fingerprint (a digest of the MonthCase the rules read, the patient
facts the verdict reads, "billed elsewhere", and the close's policy and charges) equals the
stored one, and whose claim already agrees with its status, is counted and left alone: a
second close with nothing changed reads the months but decides and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import orjson
from django.db import connection

from ccm.periods import BillingMonth
from ccm.rules.contract import result_to_json
from ccm.rules.month import evaluate_month
from ccm.types import MonthCase, MonthResult
from ccmweb.enrollment.facts import IdList
from ccmweb.patients.models import Patient
from ccmweb.tenants.models import Practice

from .bulk import insert_rows
from .models import BillingSettings, Claim, Denial, PatientMonth
from .settle import FirstClaims, PatientMonthRef, settle_claim

PATIENT_COLUMNS = ("id", "uid", "mbi", "part_b", "qmb", "address_line", "city", "state",
                   "postal_code")  # fmt: skip
MONTH_COLUMNS = ("organization_id", "practice_id", "patient_id", "uid", "month", "status",
                 "reason", "fix", "lines", "total", "minutes", "findings", "inputs", "policy",
                 "fingerprint", "decided_at")  # fmt: skip
DECISION_FIELDS = MONTH_COLUMNS[5:]


def among(queryset: Any, lookup: str, column: str, values: list[str]) -> Any:
    """`column IN values`; on PostgreSQL `= ANY(one array)`: one parameter to adapt, not 10,000,
    and a plan that holds even while the table's statistics still say it is empty."""
    if connection.vendor == "postgresql":
        return queryset.extra(where=[f"{column} = ANY(%s)"], params=[values])
    return queryset.filter(**{f"{lookup}__in": values})


class PatientRow:
    """The patient columns the close reads, standing in for the model (month_cases reads
    pk, practice, part_b and qmb; the verdict reads the MBI and the address)."""

    __slots__ = ("address_line", "city", "mbi", "part_b", "pk", "postal_code", "practice",
                 "qmb", "state", "uid")  # fmt: skip

    def __init__(self, practice: Practice, *row: Any) -> None:
        self.practice = practice
        (self.pk, self.uid, self.mbi, self.part_b, self.qmb, self.address_line, self.city,
         self.state, self.postal_code) = row  # fmt: skip


@dataclass
class CloseRun:
    """What every batch of one close shares, and the running tally."""

    practice: Practice
    month: BillingMonth
    settings: BillingSettings
    digest: bytes
    now: dt.datetime
    counts: dict[str, int] = field(default_factory=lambda: {"billable": 0, "held": 0, "nothing": 0})
    total: Decimal = Decimal("0")

    def tally(self, status: str, total: Decimal) -> None:
        self.counts[status] += 1
        if status == PatientMonth.Status.BILLABLE:
            self.total += total


def run_digest(policy: dict[str, Any], settings: BillingSettings) -> bytes:
    """What every month of a close depends on besides its own facts: policy and charges."""
    return hashlib.blake2b(
        orjson.dumps([policy, settings.charges], option=orjson.OPT_SORT_KEYS), digest_size=16
    ).digest()


def case_document(case: MonthCase) -> bytes:
    """The MonthCase in the contract's input shape (services.case_to_json), as JSON bytes:
    orjson writes the frozen dataclasses directly, the audit snapshot costs microseconds."""
    return orjson.dumps(
        {
            "month": str(case.month),
            "practice": case.practice,
            "patient": case.patient,
            "enrollment": case.enrollment,
            "mdm": case.mdm,
            "time": case.time,
            "other_services": case.other_services,
        }
    )


def fingerprint(inputs: bytes, patient: PatientRow, elsewhere: bool, digest: bytes) -> str:
    """Everything the month's decision read, hashed: equal fingerprints, equal decisions."""
    address = bool(patient.address_line and patient.city and patient.state and patient.postal_code)
    extra = f"|{patient.mbi}|{address:d}|{elsewhere:d}|".encode()
    return hashlib.blake2b(inputs + extra + digest, digest_size=16).hexdigest()


def _claim_agrees(status: str, claim: tuple[int, int, str] | None, practice_id: int) -> bool:
    """Whether settling would leave the current claim as it is (see settle.settle_claim)."""
    own = claim is not None and claim[1] == practice_id
    if status == PatientMonth.Status.BILLABLE:
        return own and claim is not None and claim[2] != Claim.Frequency.VOID
    return not own or (claim is not None and claim[2] == Claim.Frequency.VOID)


def close_batch(ids: list[int], run: CloseRun) -> None:
    """Decide one batch of patient-months and persist the differences in bulk."""
    from ccmweb.timelog.month_case import month_cases

    from .services import verdict

    practice, first = run.practice, run.month.first
    org = practice.organization_id  # explicit as well as scoped: MBIs are unique per tenant
    chosen = IdList(ids)
    patients = [
        PatientRow(practice, *row)
        for row in Patient.objects.filter(pk__in=chosen)
        .order_by("pk")
        .values_list(*PATIENT_COLUMNS)
    ]
    cases = month_cases(patients, run.month)  # type: ignore[arg-type]
    # Organisation first: the lookups then run on the tenant-leading unique indexes.
    existing = {
        row[0]: row[1:]
        for row in PatientMonth.objects.filter(
            organization_id=org, patient_id__in=chosen, month=first
        ).values_list("patient_id", "id", "fingerprint", "status", "total")
    }
    mbis = [p.mbi for p in patients if p.mbi]
    claims = {
        (mbi, family): (pk, practice_id, frequency)
        for mbi, family, pk, practice_id, frequency in among(
            Claim.objects.filter(organization_id=org, month=first, current=True),
            "mbi", '"billing_claim"."mbi"', mbis,
        ).values_list("mbi", "program_family", "id", "practice_id", "frequency")
    }  # fmt: skip
    denied_elsewhere = set(
        among(
            Denial.objects.filter(organization_id=org, claim__month=first, billed_elsewhere=True),
            "claim__mbi", '"billing_claim"."mbi"', mbis,
        ).values_list("claim__mbi", flat=True)
    )  # fmt: skip
    decided: list[tuple[int | None, PatientRow, MonthCase, MonthResult, Any, tuple[Any, ...]]] = []
    for patient in patients:
        case = cases[patient.pk]
        claim = claims.get((patient.mbi, case.enrollment.program)) if patient.mbi else None
        elsewhere = (claim is not None and claim[1] != practice.pk) or (
            patient.mbi in denied_elsewhere
        )
        inputs = case_document(case)
        month_print = fingerprint(inputs, patient, elsewhere, run.digest)
        old = existing.get(patient.pk)
        if old is not None and old[1] == month_print and _claim_agrees(old[2], claim, practice.pk):
            run.tally(old[2], old[3])
            continue
        result = evaluate_month(case)
        verdict_ = verdict(case, result, patient, elsewhere)  # type: ignore[arg-type]
        billable = verdict_.status == PatientMonth.Status.BILLABLE
        result_json = result_to_json(result)
        values = (
            verdict_.status, verdict_.reason, verdict_.fix, orjson.dumps(result_json["lines"]),
            result.total if billable else Decimal("0"), result.minutes.counted,
            orjson.dumps(result_json["findings"]), inputs, b"{}", month_print, run.now,
        )  # fmt: skip
        run.tally(verdict_.status, result.total)
        decided.append((old[0] if old else None, patient, case, result, claim, values))
    _write(decided, run)


def _write(decided: list[Any], run: CloseRun) -> None:
    """New months in one insert, changed ones updated, then their claims settled."""
    practice, first, org = run.practice, run.month.first, run.practice.organization_id
    new = [d for d in decided if d[0] is None]
    new_ids = insert_rows(
        PatientMonth,
        MONTH_COLUMNS,
        [(org, practice.pk, d[1].pk, uuid.uuid4(), first, *d[5]) for d in new],
    )
    month_ids = dict(zip((d[1].pk for d in new), new_ids, strict=True))
    for pm_id, patient, _, _, _, values in decided:
        if pm_id is None:
            continue
        month_ids[patient.pk] = pm_id
        fields = dict(zip(DECISION_FIELDS, values, strict=True))
        for name in ("lines", "findings", "inputs", "policy"):
            fields[name] = orjson.loads(fields[name])
        PatientMonth.objects.filter(pk=pm_id).update(**fields)

    wanted = [d for d in decided if d[4] is not None or d[5][0] == PatientMonth.Status.BILLABLE]
    if not wanted:
        return
    from .services import billing_practitioner_ids

    rendering = billing_practitioner_ids([d[1].pk for d in wanted], run.month)
    current = {
        c.pk: c
        for c in Claim.objects.filter(
            pk__in=[d[4][0] for d in wanted if d[4] is not None]
        ).prefetch_related("lines")
    }
    pending = FirstClaims()
    for _, patient, case, result, claim, values in wanted:
        pm_id = month_ids[patient.pk]
        if claim is None:
            ref = PatientMonthRef(
                pm_id, org, practice.pk, patient.pk, patient.uid, patient.mbi, first
            )
            pending.add(ref, case, result, run.settings, rendering.get(patient.pk), run.now)
            continue
        pm = PatientMonth(
            pk=pm_id, organization_id=org, practice_id=practice.pk, month=first, status=values[0]
        )
        pm.patient = Patient(
            pk=patient.pk, uid=patient.uid, mbi=patient.mbi, organization_id=org,
            practice_id=practice.pk,
        )  # fmt: skip
        settle_claim(
            pm, case, result, run.settings, rendering.get(patient.pk), current[claim[0]],
            run.now, pending,
        )  # fmt: skip
    pending.save(run.now)
