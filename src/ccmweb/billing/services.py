"""The month close: build every enrolled patient's month, run the rules, persist what they decide.

Transactional and idempotent: the practice-month's MonthClose row is locked for the whole run,
a second run compares with what exists and changes only what differs, and a sent claim is
never edited: a changed month gets a replacement claim (frequency 7), a month that no longer
bills gets a void (frequency 8), each with a ledger correction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from ccm.periods import BillingMonth
from ccm.rules.contract import result_to_json
from ccm.rules.month import evaluate_month
from ccm.rules.parameters import all_parameters
from ccm.types import MonthCase, MonthResult
from ccmweb.patients.models import Patient
from ccmweb.tenants.models import Practice

from .models import BillingSettings, Claim, ClaimLine, Denial, LedgerEntry, MonthClose, PatientMonth

BATCH = 2000
CENT = Decimal("0.01")
BASE_MINUTES = {"ccm": 20, "pcm": 30}
FIXES = {
    "§9": "Verify Medicare Part B coverage for the month (Coverage record or eligibility check).",
    "§3": "Record the patient's consent (Enrollment page), or check the revocation date.",
    "§4": "Record the billing practitioner's initiating visit within 12 months before consent.",
    "§5": "Establish and sign the comprehensive care plan.",
    "§2": "Document at least two chronic conditions expected to last 12 months or more.",
    "§8": "Another service billed this month excludes CCM; bill one or the other.",
}


def is_month_closed(practice: Any, month: BillingMonth) -> bool:
    """A month is closed once a close has run for it; later time then becomes an amendment."""
    return MonthClose.objects.filter(
        practice=practice, month=month.first, status=MonthClose.Status.CLOSED
    ).exists()


def billing_settings(practice: Practice) -> BillingSettings:
    """The practice's billing settings, created with the defaults on first use."""
    found = BillingSettings.objects.filter(practice=practice).first()
    if found is None:
        try:
            with transaction.atomic():
                found = BillingSettings.objects.create(
                    organization_id=practice.organization_id, practice=practice
                )
        except IntegrityError:  # a concurrent close made it first
            found = BillingSettings.objects.get(practice=practice)
    return found


def enrolled_patients(practice: Practice) -> Iterable[Patient]:
    """Patients who ever consented to a program with this practice (revoked ones included:
    the month of a revocation still bills, cms-rules §3)."""
    return (
        Patient.objects.filter(practice=practice, consents__decision="accepted")
        .distinct()
        .select_related("practice")
        .order_by("pk")
    )


def case_to_json(case: MonthCase) -> dict[str, Any]:
    """The MonthCase in the contract's input shape: the snapshot kept for the audit."""

    def plain(value: Any) -> Any:
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return value

    raw = plain(dataclasses.asdict(case))
    raw["month"] = str(case.month)
    return raw  # type: ignore[no-any-return]


def policy_in_force(month: BillingMonth) -> dict[str, Any]:
    """Every rule parameter's value on the month's last day (thresholds, caps, factors)."""
    found = {}
    for name, parameter in all_parameters().items():
        try:
            found[name] = parameter.on(month.last)
        except (KeyError, ValueError, LookupError):
            continue
    return json.loads(json.dumps(found, default=str))  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Verdict:
    """What the close makes of one patient-month."""

    status: str
    reason: str = ""
    fix: str = ""


def verdict(
    case: MonthCase, result: MonthResult, patient: Patient, billed_elsewhere: bool
) -> Verdict:
    """Billable, held (work was done but something fixable stops it) or nothing to bill."""
    if result.lines:
        if not patient.mbi:
            return Verdict(
                "held",
                "No Medicare Beneficiary Identifier on file",
                "Record the patient's MBI from the Medicare card.",
            )
        if not (patient.address_line and patient.city and patient.state and patient.postal_code):
            return Verdict(
                "held",
                "No complete mailing address on file",
                "Record the patient's street, city, state and ZIP (the 837P needs them).",
            )
        if billed_elsewhere:
            return Verdict(
                "held",
                "CCM for this month is billed by another practice",
                "Only one practitioner is paid for CCM a month (cms-rules §8): "
                "do not bill unless the other claim is voided.",
            )
        return Verdict("billable")
    program = case.enrollment.program
    worked = sum(t.minutes for t in case.time if t.service == program)
    stops = [f for f in result.findings if any(k in f.rule for k in FIXES)]
    if stops and (worked >= BASE_MINUTES.get(program, 0)):
        first = stops[0]
        section = next(k for k in FIXES if k in first.rule)
        return Verdict("held", f"{first.text} ({first.rule})"[:300], FIXES[section])
    return Verdict("nothing", (result.findings[-1].text if result.findings else "")[:300])


def _diagnoses(case: MonthCase) -> list[str]:
    return list(case.patient.chronic_conditions[:12])


def _charge(settings: BillingSettings, code: str, units: int, amount: Decimal) -> Decimal:
    per_unit = settings.charges.get(code)
    return (Decimal(str(per_unit)) * units).quantize(CENT) if per_unit else amount


def _line_key(lines: Iterable[Any]) -> list[tuple[str, int, str, str]]:
    return sorted(
        (line.code, line.units, str(line.service_date), f"{line.charge:.2f}") for line in lines
    )


def _new_claim(
    pm: PatientMonth,
    case: MonthCase,
    result: MonthResult,
    settings: BillingSettings,
    rendering: Any,
    now: dt.datetime,
    replaces: Claim | None = None,
    void: bool = False,
) -> Claim:
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
    approved = not settings.requires_signoff or (replaces is not None and void)
    claim = Claim.objects.create(
        organization_id=pm.organization_id,
        practice_id=pm.practice_id,
        patient_id=pm.patient_id,
        patient_month=pm,
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
        rendering=rendering,
        diagnoses=list(replaces.diagnoses) if void and replaces else _diagnoses(case),
        total_charge=sum((x[3] for x in lines), Decimal("0")),
        expected=Decimal("0") if void else sum((x[4] for x in lines), Decimal("0")),
        approved_at=now if approved else None,
        created_at=now,
    )
    ClaimLine.objects.bulk_create(
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
    )
    if replaces is None:
        LedgerEntry.objects.create(
            organization_id=pm.organization_id,
            claim=claim,
            kind=LedgerEntry.Kind.EXPECTED,
            amount=claim.expected,
            at=now,
            note="Expected Medicare payment at the month close",
        )
    else:
        old_expected = replaces.expected
        LedgerEntry.objects.create(
            organization_id=pm.organization_id,
            claim=replaces,
            kind=LedgerEntry.Kind.CORRECTION,
            amount=-old_expected,
            at=now,
            note=f"{'Voided' if void else 'Replaced'} by claim {claim.claim_number}",
        )
        LedgerEntry.objects.create(
            organization_id=pm.organization_id,
            claim=claim,
            kind=LedgerEntry.Kind.VOID if void else LedgerEntry.Kind.EXPECTED,
            amount=claim.expected,
            at=now,
            note=f"Correction of claim {replaces.claim_number} after a late amendment",
        )
    return claim


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


def _settle_claim(
    pm: PatientMonth,
    case: MonthCase,
    result: MonthResult,
    settings: BillingSettings,
    rendering: Any,
    current: Claim | None,
    now: dt.datetime,
) -> None:
    """Make the current claim match the month: keep, create, replace or void; never edit."""
    billable = pm.status == PatientMonth.Status.BILLABLE
    if current is not None and current.practice_id != pm.practice_id:
        return  # another practice's claim: this month was held as billed elsewhere
    if current is None:
        if billable:
            _new_claim(pm, case, result, settings, rendering, now)
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
        wanted = [dataclasses.replace(ln, amount=ln.amount) for ln in result.lines]
        wanted_key = sorted(
            (
                ln.code,
                ln.units,
                str(ln.service_date),
                f"{_charge(settings, ln.code, ln.units, ln.amount):.2f}",
            )
            for ln in wanted
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


def _lock_close(practice: Practice, month: BillingMonth) -> MonthClose:
    """Create the practice-month row if needed, then lock it until the transaction ends."""
    try:
        with transaction.atomic():
            MonthClose.objects.get_or_create(
                organization_id=practice.organization_id, practice=practice, month=month.first
            )
    except IntegrityError:
        pass  # another close created it first
    return MonthClose.objects.select_for_update().get(practice=practice, month=month.first)


def close_month(
    practice: Practice,
    month: BillingMonth,
    now: dt.datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> MonthClose:
    """Close MONTH for PRACTICE (run inside the organisation's scope); safe to repeat."""
    from ccmweb.timelog.month_case import month_cases

    now = now or timezone.now()
    settings = billing_settings(practice)
    policy = policy_in_force(month)
    with transaction.atomic():
        close = _lock_close(practice, month)
        patients = list(enrolled_patients(practice))
        counts = {"billable": 0, "held": 0, "nothing": 0}
        total = Decimal("0")
        for start in range(0, len(patients), BATCH):
            batch = patients[start : start + BATCH]
            total += _close_batch(batch, month, settings, policy, now, counts, month_cases)
            if progress:
                progress(min(start + BATCH, len(patients)), len(patients))
        close.status = MonthClose.Status.CLOSED
        close.closed_at = close.closed_at or now
        close.run_at = now
        close.runs += 1
        close.billable, close.held, close.nothing = (
            counts["billable"],
            counts["held"],
            counts["nothing"],
        )
        close.claims = (
            Claim.objects.filter(practice=practice, month=month.first, current=True)
            .exclude(frequency=Claim.Frequency.VOID)
            .count()
        )
        close.total = total
        close.save()
    return close


def _close_batch(
    batch: list[Patient],
    month: BillingMonth,
    settings: BillingSettings,
    policy: dict[str, Any],
    now: dt.datetime,
    counts: dict[str, int],
    month_cases: Callable[..., dict[int, MonthCase]],
) -> Decimal:
    from ccmweb.enrollment.services import enrollment_facts_for

    ids = [p.pk for p in batch]
    cases = month_cases(batch, month)
    facts = enrollment_facts_for(ids, month)
    existing = {
        pm.patient_id: pm
        for pm in PatientMonth.objects.filter(patient_id__in=ids, month=month.first)
    }
    mbis = [p.mbi for p in batch if p.mbi]
    org = settings.organization_id  # explicit as well as scoped: the MBI is unique only per tenant
    claims = {
        (c.mbi, c.program_family): c
        for c in Claim.objects.filter(
            organization_id=org, mbi__in=mbis, month=month.first, current=True
        ).prefetch_related("lines")
    }
    denied_elsewhere = set(
        Denial.objects.filter(
            organization_id=org,
            claim__mbi__in=mbis,
            claim__month=month.first,
            billed_elsewhere=True,
        ).values_list("claim__mbi", flat=True)
    )
    total = Decimal("0")
    for patient in batch:
        case = cases[patient.pk]
        result = evaluate_month(case)
        program = case.enrollment.program
        current = claims.get((patient.mbi, program)) if patient.mbi else None
        elsewhere = (current is not None and current.practice_id != patient.practice_id) or (
            patient.mbi in denied_elsewhere
        )
        decided = verdict(case, result, patient, elsewhere)
        counts[decided.status] += 1
        result_json = result_to_json(result)
        fields = dict(
            organization_id=patient.organization_id,
            practice_id=patient.practice_id,
            status=decided.status,
            reason=decided.reason,
            fix=decided.fix,
            lines=result_json["lines"],
            total=result.total if decided.status == "billable" else 0,
            minutes=result.minutes.counted,
            findings=result_json["findings"],
            inputs=case_to_json(case),
            policy=policy,
        )
        pm = existing.get(patient.pk)
        if pm is None:
            pm = PatientMonth.objects.create(
                patient=patient, month=month.first, decided_at=now, **fields
            )
        elif any(getattr(pm, k) != v for k, v in fields.items() if k != "total") or (
            pm.total != fields["total"]
        ):
            for key, value in fields.items():
                setattr(pm, key, value)
            pm.decided_at = now
            pm.save()
        pm.patient = patient
        if decided.status == "billable":
            total += result.total
        enrolled = facts.get(patient.pk)
        rendering = getattr(enrolled, "billing_practitioner", None)
        _settle_claim(pm, case, result, settings, rendering, current, now)
    return total
