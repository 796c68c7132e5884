"""What a patient-month comes to for the people who work it: billable, held or nothing, and why.

The worklist, the month close and every screen that explains a month ask `month_verdict`, so
two screens cannot disagree about one month: it reads the findings of `evaluate_month` by
their typed `Rule`, never by the text of a citation.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ccm.rules.fees import FeeSchedule
from ccm.rules.month import evaluate_month
from ccm.rules.policy import MonthPolicy, month_policy
from ccm.types import Finding, MonthCase, MonthResult, NextUnit, Rule


class Status(StrEnum):
    """The three answers of a month close (spec/cli.md `ccm month close --json`)."""

    BILLABLE = "billable"  # it has lines and nothing stops the claim
    HELD = "held"  # work was done, and something the practice can fix stops it
    NOTHING = "nothing"  # nothing to bill: too little time, or a stop with little work


@dataclass(frozen=True, slots=True)
class Blocker:
    """A finding that stops the month (a gate or an exclusion), in the words staff act on."""

    finding: Finding
    label: str  # a few words for a badge: "Consent missing"
    fix: str  # what to do about it, one sentence


@dataclass(frozen=True, slots=True)
class MonthVerdict:
    """A month's status with its reason and fix, what stops it, and the unit to work toward."""

    status: Status
    result: MonthResult
    blockers: tuple[Blocker, ...]
    reason: str  # held: the first blocker and its section; nothing: the last finding
    fix: str  # held: what to do; else ""
    target: NextUnit | None  # the next unit, or the first code a month without lines works toward


def blockers(case: MonthCase, result: MonthResult) -> tuple[Blocker, ...]:
    """The month's gate and exclusion findings with a label and a fix (month-contract steps
    1–2; cms-rules §2–§5, §7–§9)."""
    policy = month_policy(case.month)
    program = case.enrollment.program
    return tuple(
        Blocker(f, _LABELS[f.rule], _fix(f.rule, program, policy))
        for f in result.findings
        if f.rule.blocks
    )


def month_verdict(
    case: MonthCase,
    result: MonthResult | None = None,
    *,
    billed_elsewhere: bool = False,
    fees: FeeSchedule | None = None,
) -> MonthVerdict:
    """Billable, held or nothing for one patient-month (RESULT: its `evaluate_month`, if known).

    A month with lines is billable unless another practice already bills the program for the
    beneficiary that month (cms-rules §7: one practitioner is paid). A month without lines is
    held when a gate or exclusion stops it and the program's minutes logged reach its first
    threshold (the work is there; the record is not), else it has nothing to bill.
    """
    if result is None:
        result = evaluate_month(case, fees)
    policy = month_policy(case.month)
    program = case.enrollment.program
    stops = blockers(case, result)
    base = policy.base_unit(program)
    target = result.next
    if target is None and not result.lines and base is not None:
        target = NextUnit(base.code, max(0, base.minutes - result.minutes.counted))
    if result.lines:
        if billed_elsewhere:
            name = program.upper()
            return MonthVerdict(
                Status.HELD,
                result,
                stops,
                f"{name} for this month is billed by another practice",
                f"Only one practitioner is paid for {name} a month (cms-rules §7): "
                "do not bill unless the other claim is voided.",
                target,
            )
        return MonthVerdict(Status.BILLABLE, result, stops, "", "", target)
    logged = sum(entry.minutes for entry in case.time if entry.service == program)
    if stops and logged >= (base.minutes if base is not None else 0):
        first = stops[0]
        reason = f"{first.finding.text} ({first.finding.rule.cite})"
        return MonthVerdict(Status.HELD, result, stops, reason, first.fix, target)
    last = result.findings[-1].text if result.findings else ""
    return MonthVerdict(Status.NOTHING, result, stops, last, "", target)


_LABELS = {
    Rule.PART_B: "Part B unverified",
    Rule.CONSENT_MISSING: "Consent missing",
    Rule.CONSENT_AFTER_MONTH: "Consent missing",
    Rule.CONSENT_REVOKED: "Consent revoked",
    Rule.VISIT_MISSING: "Initiating visit missing",
    Rule.VISIT_AFTER_MONTH: "Initiating visit missing",
    Rule.VISIT_TOO_EARLY: "Initiating visit too old",
    Rule.CARE_PLAN_MISSING: "Care plan missing",
    Rule.CARE_PLAN_AFTER_MONTH: "Care plan missing",
    Rule.TOO_FEW_CONDITIONS: "Too few chronic conditions",
    Rule.APCM_SAME_PRACTITIONER: "Excluded by another service",
    Rule.PCM_AND_CCM: "Excluded by another service",
    Rule.HOME_HEALTH_OR_ESRD: "Excluded by another service",
    Rule.CCM_BY_ANOTHER_PRACTITIONER: "Billed by another practitioner",
}

_NUMBERS = {1: "one", 2: "two", 3: "three"}


def _fix(rule: Rule, program: str, policy: MonthPolicy) -> str:
    """What the practice does about one blocker, with the month's own window and counts."""
    name = program.upper()
    if rule is Rule.PART_B:
        return (
            "Verify Medicare Part B coverage for the month (Coverage record or eligibility check)."
        )
    if rule in (Rule.CONSENT_MISSING, Rule.CONSENT_AFTER_MONTH, Rule.CONSENT_REVOKED):
        return "Record the patient's consent (Enrollment page), or check the revocation date."
    if rule in (Rule.VISIT_MISSING, Rule.VISIT_AFTER_MONTH, Rule.VISIT_TOO_EARLY):
        window = policy.visit_window(program)
        return f"Record the billing practitioner's initiating visit within {window} before consent."
    if rule in (Rule.CARE_PLAN_MISSING, Rule.CARE_PLAN_AFTER_MONTH):
        return "Establish and sign the comprehensive care plan."
    if rule is Rule.TOO_FEW_CONDITIONS:
        needed = policy.min_conditions(program)
        count = _NUMBERS.get(needed, str(needed))
        plural = "s" if needed > 1 else ""
        # CCM's conditions are "expected to last at least 12 months" (cms-rules §2, CPT descriptor)
        lasting = " expected to last 12 months or more" if program == "ccm" else ""
        return f"Document at least {count} chronic condition{plural}{lasting}."
    if rule is Rule.CCM_BY_ANOTHER_PRACTITIONER:
        return f"Only one practitioner is paid for {name} a month: agree with the other practitioner who bills it."
    return f"Another service billed this month excludes {name}; bill one or the other."
