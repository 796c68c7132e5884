"""Gates, exclusions and notes for a patient-month (month-contract steps 1–2; cms-rules §2–§5, §7–§9, §13)."""

from __future__ import annotations

import datetime as dt
from functools import cache, lru_cache

from ccm.codes import (
    APCM,
    CCM,
    COMMUNICATION_TECHNOLOGY,
    COMPLEX_CCM,
    ESRD_MONTHLY,
    HOME_HEALTH_HOSPICE_SUPERVISION,
    PCM,
    RHC_FQHC_CARE_MANAGEMENT,
    TCM,
)
from ccm.rules.month_rules import MonthRules, earliest_visit, valid_code
from ccm.types import Finding, MonthCase, Rule

# The code lists the restrictions read, from the versioned code sets (ccm.codes).
APCM_CODES = APCM.codes
PCM_CODES = PCM.codes
CCM_CODES = (CCM | COMPLEX_CCM).codes
TCM_CODES = TCM.codes
GENERAL_CARE_MANAGEMENT_CODES = RHC_FQHC_CARE_MANAGEMENT.codes  # G0511, through 2025-09-30 (§13)
HOME_HEALTH_ESRD_CODES = (HOME_HEALTH_HOSPICE_SUPERVISION | ESRD_MONTHLY).codes
COMMUNICATION_CODES = COMMUNICATION_TECHNOLOGY.codes


def gate_findings(case: MonthCase, rules: MonthRules, conditions: int) -> list[Finding]:
    """Coverage, consent, initiating visit, care plan and conditions (month-contract step 1; cms-rules §2–§5, §9)."""
    stops: list[Finding] = []
    enrollment, program = case.enrollment, case.enrollment.program
    if not case.patient.medicare_part_b:
        stops.append(_NO_PART_B)
    consent, revoked = enrollment.consent_date, enrollment.consent_revoked_date
    if consent is None:
        stops.append(_NO_CONSENT)
    elif consent > rules.last:
        stops.append(_consent_after_month(consent))
    elif (
        revoked is not None and consent <= revoked < rules.first
    ):  # an older revocation ends an older consent
        stops.append(_consent_revoked(revoked))
    visit = enrollment.initiating_visit_date
    years = rules.apcm_visit_years if program == "apcm" else rules.visit_years
    if visit is None:
        stops.append(_NO_VISIT)
    elif visit > rules.last:
        stops.append(_visit_after_month(visit))
    elif consent is not None and visit < earliest_visit(consent, years):
        stops.append(_visit_too_early(visit, years))
    plan = enrollment.care_plan_date
    if program != "apcm":
        if plan is None:
            stops.append(_NO_PLAN)
        elif plan > rules.last:
            stops.append(_plan_after_month(plan))
    needed = (
        rules.ccm_min_conditions
        if program == "ccm"
        else rules.pcm_min_conditions
        if program == "pcm"
        else 0
    )
    if conditions < needed:
        stops.append(_too_few_conditions(conditions, program, needed))
    return stops


# The gate findings, built once per distinct date or count: many months share them.
_NO_PART_B = Finding(Rule.PART_B, "no Part B fee-for-service coverage this month")
_NO_CONSENT = Finding(Rule.CONSENT_MISSING, "no documented consent")
_NO_VISIT = Finding(Rule.VISIT_MISSING, "no initiating visit")
_NO_PLAN = Finding(Rule.CARE_PLAN_MISSING, "no comprehensive care plan")


@lru_cache(maxsize=8192)
def _consent_after_month(consent: dt.date) -> Finding:
    return Finding(
        Rule.CONSENT_AFTER_MONTH, f"consent dated {consent.isoformat()}, after the month"
    )


@lru_cache(maxsize=8192)
def _consent_revoked(revoked: dt.date) -> Finding:
    return Finding(
        Rule.CONSENT_REVOKED,
        f"consent revoked {revoked.isoformat()}, effective at the end of that month",
    )


@lru_cache(maxsize=8192)
def _visit_after_month(visit: dt.date) -> Finding:
    return Finding(
        Rule.VISIT_AFTER_MONTH, f"initiating visit {visit.isoformat()} is after the month"
    )


@lru_cache(maxsize=8192)
def _visit_too_early(visit: dt.date, years: int) -> Finding:
    return Finding(
        Rule.VISIT_TOO_EARLY,
        f"initiating visit {visit.isoformat()} is more than {years * 12} months before consent",
    )


@lru_cache(maxsize=8192)
def _plan_after_month(plan: dt.date) -> Finding:
    return Finding(
        Rule.CARE_PLAN_AFTER_MONTH, f"care plan dated {plan.isoformat()}, after the month"
    )


@lru_cache(maxsize=1024)
def _too_few_conditions(conditions: int, program: str, needed: int) -> Finding:
    return Finding(
        Rule.TOO_FEW_CONDITIONS,
        f"{conditions} distinct chronic condition(s); {program.upper()} needs {needed}",
    )


def note_findings(case: MonthCase, rules: MonthRules) -> list[Finding]:
    """Facts worth telling the biller that do not stop the month (cms-rules §2, §8, §13)."""
    notes: list[Finding] = []
    program = case.enrollment.program
    for code in case.patient.chronic_conditions:
        if not valid_code(code):
            notes.append(
                Finding(
                    Rule.INVALID_CONDITION_CODE,
                    f"{code} is not a valid ICD-10-CM code; counted as documented",
                )
            )
    for other in case.other_services:
        code, same = other.code, other.same_practitioner
        if program == "ccm" and code in TCM_CODES:
            notes.append(
                Finding(
                    Rule.TCM_ALLOWED,
                    f"{code} (TCM) does not exclude CCM since 2020; minutes are not shared",
                )
            )
        elif program in ("ccm", "pcm") and code in GENERAL_CARE_MANAGEMENT_CODES:
            # A note, not a stop: month-contract step 2 lists the excluding codes, and G0511
            # also stood for BHI, RPM and others (cms-rules §10).
            notes.append(
                Finding(
                    Rule.GENERAL_CARE_MANAGEMENT_BILLED,
                    f"{code} (RHC/FQHC general care management) billed this month by "
                    f"{'this' if same else 'another'} practitioner: confirm it was not this "
                    f"{program.upper()}, which only one practitioner is paid for once a month",
                )
            )
        elif (
            program == "apcm"
            and same
            and code in CCM_CODES | PCM_CODES | TCM_CODES | GENERAL_CARE_MANAGEMENT_CODES
        ):
            notes.append(
                Finding(
                    Rule.BUNDLED_INTO_APCM,
                    f"{code} by the APCM practitioner is bundled into APCM: that code is not billed this month; APCM is",
                )
            )
        elif (
            program == "apcm"
            and same
            and code in COMMUNICATION_CODES
            and rules.apcm_blocks_communication
        ):
            notes.append(
                Finding(
                    Rule.BUNDLED_INTO_APCM_BY_POLICY,
                    f"{code} by the APCM practitioner is bundled into APCM (policy, unconfirmed): not billed; APCM is",
                )
            )
        elif program == "apcm" and not same and code in APCM_CODES:
            notes.append(
                Finding(
                    Rule.APCM_BY_ANOTHER_PRACTITIONER,
                    f"{code} by another practitioner: only one practitioner is paid for APCM a month; confirm who it is",
                )
            )
    return notes


@cache
def requirements_met(program: str, conditions: int) -> Finding:
    """The one finding that records every gate as met (cms-rules §2–§5, §9); the dates are in the case."""
    plan = "" if program == "apcm" else ", care plan by the month's end"
    return Finding(
        Rule.REQUIREMENTS_MET,
        f"Part B, consent and initiating visit in time{plan}; "
        f"{conditions} distinct chronic condition(s) for {program.upper()}",
    )


def exclusion_findings(case: MonthCase, rules: MonthRules) -> list[Finding]:
    """Same-month restrictions (month-contract step 2; cms-rules §8, §13)."""
    program = case.enrollment.program
    stops: list[Finding] = []
    for other in case.other_services:
        code, same = other.code, other.same_practitioner
        by = "the same practitioner" if same else "another practitioner"
        if program in ("ccm", "pcm") and same and code in APCM_CODES:
            stops.append(
                Finding(
                    Rule.APCM_SAME_PRACTITIONER,
                    f"{code} (APCM) by the same practitioner this month",
                )
            )
        elif program == "ccm" and code in PCM_CODES and (same or not rules.pcm_ccm_different_ok):
            stops.append(Finding(Rule.PCM_AND_CCM, f"{code} (PCM) by {by} this month"))
        elif program == "pcm" and code in CCM_CODES and (same or not rules.pcm_ccm_different_ok):
            stops.append(Finding(Rule.PCM_AND_CCM, f"{code} (CCM) by {by} this month"))
        elif program == "ccm" and code in CCM_CODES and not same:
            stops.append(
                Finding(
                    Rule.CCM_BY_ANOTHER_PRACTITIONER,
                    f"{code} (CCM) by another practitioner: only one practitioner is paid",
                )
            )
        elif program == "ccm" and code in HOME_HEALTH_ESRD_CODES and rules.bar_home_health_esrd:
            stops.append(
                Finding(
                    Rule.HOME_HEALTH_OR_ESRD, f"{code} this month bars CCM (policy, unconfirmed)"
                )
            )
    return stops
