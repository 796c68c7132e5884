"""One patient-month in, the lines to bill and the reasons out (month-contract, cms-rules §1–§13)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache

from ccm.periods import BillingMonth
from ccm.rules.fees import FeeSchedule
from ccm.rules.month_rules import (
    MonthRules,
    OptionSpec,
    conditions_of,
    count_conditions,
    earliest_visit,
    month_rules,
    options_for,
)
from ccm.rules.restrictions import (
    exclusion_findings,
    gate_findings,
    note_findings,
    requirements_met,
)
from ccm.types import Finding, Line, Minutes, MonthCase, MonthResult, NextUnit

__all__ = ["count_conditions", "default_fees", "evaluate_month"]


@lru_cache(maxsize=4096)
def _money(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


_default_fees: list[FeeSchedule] = []


def default_fees() -> FeeSchedule:
    """The built-in fee schedule, loaded once."""
    if not _default_fees:
        _default_fees.append(FeeSchedule.load())
    return _default_fees[0]


def _crossing_date(
    entries: list[tuple[dt.date, int, bool]], threshold: int, practitioner_only: bool
) -> dt.date:
    running = 0
    for day, minutes, by_practitioner in sorted(entries):
        if by_practitioner or not practitioner_only:
            running += minutes
            if running >= threshold:
                return day
    raise AssertionError("threshold not reached")


def evaluate_month(case: MonthCase, fees: FeeSchedule | None = None) -> MonthResult:
    """Decide the month's lines per the month-contract's decisions in order (cms-rules §1–§13)."""
    month = case.month
    practice, patient, enrollment = case.practice, case.patient, case.enrollment
    program = enrollment.program
    findings: list[Finding] = []
    locality = practice.locality
    if practice.setting != "office" and locality is not None:
        locality = None
        findings.append(
            Finding(
                "cms-rules §13",
                f"{practice.setting.upper()}: national non-facility amounts, no GPCI",
            )
        )
    schedule = fees if fees is not None else (_default_fees[0] if _default_fees else default_fees())
    price = schedule.prices(month.year, locality, practice.qualifying_apm)
    rules = month_rules(month.year, month.month)

    # Minutes (cms-rules §7): the enrolled program's, from consent and initiating visit on, inside the month.
    consent, visit = enrollment.consent_date, enrollment.initiating_visit_date
    staff = doctor = uncounted = 0
    counted: list[tuple[dt.date, int, bool]] = []
    start = max(rules.first, consent or rules.last_plus, visit or rules.last_plus)
    last = rules.last
    for entry in case.time:
        if entry.service != program:
            continue
        if start <= entry.date <= last:
            if entry.performer == "clinical_staff":
                staff += entry.minutes
                counted.append((entry.date, entry.minutes, False))
                continue
            if entry.performer == "practitioner":
                doctor += entry.minutes
                counted.append((entry.date, entry.minutes, True))
                continue
        uncounted += entry.minutes
    minutes = Minutes(staff, doctor, staff + doctor)
    if uncounted:
        findings.append(
            Finding(
                "cms-rules §7", f"{uncounted} {program.upper()} min not counted: {_NOT_COUNTED}"
            )
        )

    conditions, all_valid = conditions_of(patient.chronic_conditions)
    if case.other_services or not all_valid:
        findings += note_findings(case, rules)
    revoked, plan = enrollment.consent_revoked_date, enrollment.care_plan_date
    if (
        patient.medicare_part_b
        and consent is not None
        and visit is not None
        and consent <= last
        and visit <= last
        and (revoked is None or revoked >= rules.first or revoked < consent)
        and visit
        >= earliest_visit(
            consent, rules.apcm_visit_years if program == "apcm" else rules.visit_years
        )
        and (program == "apcm" or (plan is not None and plan <= last))
        and conditions
        >= (
            rules.ccm_min_conditions
            if program == "ccm"
            else rules.pcm_min_conditions
            if program == "pcm"
            else 0
        )
    ):
        stops = []  # the common case: every gate passes (the same tests as _gates, which explains failures)
    else:
        stops = gate_findings(case, rules, conditions)
    if case.other_services:
        stops += exclusion_findings(case, rules)
    if stops:
        return _result(month, (), 0, rules, patient.qmb, minutes, None, findings + stops)
    findings.append(requirements_met(program, conditions))

    if program == "apcm":
        return _apcm(case, rules, conditions, price, minutes, findings)

    s, p = staff + doctor, doctor
    specs = options_for(month.year, month.month, program)
    low = case.mdm == "low"
    best: OptionSpec | None = None
    best_total = best_units = 0
    others: list[tuple[OptionSpec, int]] = []
    for spec in specs:
        if spec.complex_only and low:
            continue
        used = p if spec.by_practitioner else s
        if used < spec.threshold:
            continue
        units = (used - spec.threshold) // spec.step
        if spec.cap is not None and units > spec.cap:
            units = spec.cap
        total = price[spec.base] + units * price[spec.addon]
        if total > best_total:
            if best is not None:
                others.append((best, best_total))
            best, best_total, best_units = spec, total, units
        else:
            others.append((spec, total))
    if best is None:
        first = specs[0]
        findings.append(
            Finding(
                "cms-rules §7",
                f"{first.base}: {s} counted min, {first.threshold} needed; no code reached",
            )
        )
        return _result(
            month,
            (),
            0,
            rules,
            patient.qmb,
            minutes,
            NextUnit(first.base, first.threshold - s),
            findings,
        )

    used = p if best.by_practitioner else s
    day = _crossing_date(counted, best.threshold, best.by_practitioner)
    who = "practitioner's personal" if best.by_practitioner else "staff and practitioner"
    base_line = Line(best.base, 1, day, _money(price[best.base]))
    nxt: NextUnit | None = None
    lines: tuple[Line, ...]
    if best_units:
        add_line = Line(best.addon, best_units, day, _money(best_units * price[best.addon]))
        lines = (base_line, add_line) if best.base < best.addon else (add_line, base_line)
        extra = f"; {best.addon} × {best_units} for each further {best.step} min"
    else:
        lines = (base_line,)
        extra = ""
    text = f"{best.base}: {used} min of {who} time ≥ {best.threshold}, reached {day}{extra}"
    findings.append(Finding("cms-rules §1a", text))
    if best.cap is not None and best_units >= best.cap:
        findings.append(
            Finding("cms-rules §1a", f"{best.addon} at its cap of {best.cap} (policy, unconfirmed)")
        )
    else:
        nxt = NextUnit(best.addon, best.threshold + (best_units + 1) * best.step - used)
    for spec, total in others:
        findings.append(
            Finding(
                "cms-rules §1a",
                f"not billed: {spec.name} ({spec.base}) would pay {total // 100}.{total % 100:02d}; one option a month, the higher total",
            )
        )
    return _result(month, lines, best_total, rules, patient.qmb, minutes, nxt, findings)


_NOT_COUNTED = "before consent or initiating visit, outside the month, or not by clinical staff or the practitioner"


def _apcm(
    case: MonthCase,
    rules: MonthRules,
    conditions: int,
    price: dict[str, int],
    minutes: Minutes,
    findings: list[Finding],
) -> MonthResult:
    """APCM level from conditions and QMB status; no time threshold (cms-rules §1a, §2)."""
    if conditions <= 1:
        code, why = "G0556", f"{conditions} chronic condition(s): level 1"
    elif case.patient.qmb:
        code, why = "G0558", f"{conditions} chronic conditions and QMB: level 3"
    else:
        code, why = "G0557", f"{conditions} chronic conditions: level 2"
    findings.append(
        Finding("cms-rules §2", f"{code}: {why}; not time-based, dated the month's last day (§11)")
    )
    line = Line(code, 1, rules.last, _money(price[code]))
    return _result(
        case.month, (line,), price[code], rules, case.patient.qmb, minutes, None, findings
    )


def _result(
    month: BillingMonth,
    lines: tuple[Line, ...],
    total: int,
    rules: MonthRules,
    qmb: bool,
    minutes: Minutes,
    nxt: NextUnit | None,
    findings: list[Finding],
) -> MonthResult:
    """Total and coinsurance: 20% half-up, none for a QMB patient (cms-rules §9)."""
    if not total:
        coins = 0
    elif qmb:
        coins = 0
        findings.append(
            Finding(
                "cms-rules §9", "QMB: the patient owes no coinsurance (42 U.S.C. §1396a(n)(3)(B))"
            )
        )
    else:
        num, den = rules.coinsurance_numerator, rules.coinsurance_denominator
        coins = (2 * total * num + den) // (2 * den)  # half-up to the cent
    return MonthResult(month, lines, _money(total), _money(coins), minutes, nxt, tuple(findings))
