"""Which program pays more for a patient: CCM, PCM or APCM, from recent months (cms-rules §1a, §1b, §2)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ccm.periods import BillingMonth
from ccm.rules.fees import FeeSchedule
from ccm.rules.month import evaluate_month
from ccm.rules.month_rules import count_conditions
from ccm.types import Enrollment, Finding, MonthCase, Patient, Practice, TimeEntry


@dataclass(frozen=True, slots=True)
class MonthMinutes:
    """Counted minutes of one recent month, by performer."""

    clinical_staff: int
    practitioner: int


@dataclass(frozen=True, slots=True)
class PatientHistory:
    """What the estimate needs: recent minutes, conditions, QMB status and usual MDM."""

    month: BillingMonth
    practice: Practice
    chronic_conditions: tuple[str, ...]
    qmb: bool
    mdm: str
    recent_months: tuple[MonthMinutes, ...]


@dataclass(frozen=True, slots=True)
class ProgramEstimate:
    """Expected monthly payment under one program, averaged over the recent months."""

    program: str
    monthly_payment: Decimal
    billable_months: int
    findings: tuple[Finding, ...]


@dataclass(frozen=True, slots=True)
class ProgramChoice:
    """The estimates and the program that pays more, with the reasons."""

    best: str
    estimates: tuple[ProgramEstimate, ...]
    reasons: tuple[str, ...]


def compare_programs(history: PatientHistory, fees: FeeSchedule | None = None) -> ProgramChoice:
    """Estimate CCM, PCM and APCM payment by re-running the month rules on the patient's recent minutes."""
    month = history.month
    day = month.first
    estimates = []
    for program in ("ccm", "pcm", "apcm"):
        patient = Patient(True, history.qmb, history.chronic_conditions)
        enrollment = Enrollment(program, day, None, day, day)
        total = Decimal(0)
        billable = 0
        findings: tuple[Finding, ...] = ()
        months = history.recent_months or (MonthMinutes(0, 0),)
        for minutes in months:
            time = (
                TimeEntry(day, minutes.clinical_staff, "clinical_staff", program),
                TimeEntry(day, minutes.practitioner, "practitioner", program),
            )
            case = MonthCase(month, history.practice, patient, enrollment, history.mdm, time)
            result = evaluate_month(case, fees)
            total += result.total
            billable += result.billable
            findings = findings or tuple(f for f in result.findings if not result.billable)
        mean = (total / len(months)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        estimates.append(ProgramEstimate(program, mean, billable, findings))
    best = max(
        estimates, key=lambda e: e.monthly_payment
    )  # first of equals: CCM, then PCM, then APCM
    reasons = [
        f"{e.program.upper()}: ${e.monthly_payment} a month on average, billable in {e.billable_months} "
        f"of {len(history.recent_months or (0,))} months"
        for e in estimates
    ]
    conditions = count_conditions(history.chronic_conditions)
    reasons.append(
        f"{conditions} distinct chronic condition(s): CCM needs 2, PCM 1, APCM any (cms-rules §2)"
    )
    if history.qmb and conditions >= 2:
        reasons.append("QMB with 2+ conditions: APCM level 3 (G0558) applies (cms-rules §2)")
    return ProgramChoice(best.program, tuple(estimates), tuple(reasons))
