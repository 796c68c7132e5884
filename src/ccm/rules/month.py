"""One patient-month in, the lines to bill and the reasons out: the reference reading.

This is `ccm rules month` as an auditor or a new engineer reads it: the decisions of
shared/spec/month-contract.md in their order, each citing its cms-rules.md section, with every
figure from `parameters/*.yaml` (`month_rules`, read once a month). Nothing here is clever.
`month_fast.evaluate_month_fast` gives the same answer much faster for the month close and the
benchmark; tests/core/test_fast_equals_reference.py proves them equal on generated months,
the YAML cases, the acceptance cases and the spec's examples.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ccm.rules.fees import FeeSchedule, default_fees
from ccm.rules.month_rules import (
    MonthRules,
    OptionSpec,
    apcm_code,
    coinsurance_cents,
    count_conditions,
    money,
    month_rules,
    options_for,
)
from ccm.rules.restrictions import (
    exclusion_findings,
    gate_findings,
    note_findings,
    requirements_met,
)
from ccm.types import (
    Finding,
    Line,
    Minutes,
    MonthCase,
    MonthResult,
    NextUnit,
    Rule,
    TimeEntry,
)

__all__ = ["default_fees", "evaluate_month"]

COUNTED_PERFORMERS = ("clinical_staff", "practitioner")


def evaluate_month(case: MonthCase, fees: FeeSchedule | None = None) -> MonthResult:
    """Decide the month's lines, money and reasons per the month-contract, in its order."""
    program = case.enrollment.program
    findings: list[Finding] = []

    # Prices (cms-rules §1b): RHC/FQHC months at national amounts, no GPCI (§13). A month
    # that cannot be priced is an error, whatever it would bill.
    locality = case.practice.locality
    if locality is not None and case.practice.setting != "office":
        locality = None
        findings.append(
            Finding(
                Rule.NATIONAL_AMOUNTS,
                f"{case.practice.setting.upper()}: national non-facility amounts, no GPCI",
            )
        )
    schedule = fees if fees is not None else default_fees()
    prices = schedule.prices(case.month.year, locality, case.practice.qualifying_apm)
    rules = month_rules(case.month.year, case.month.month)  # thresholds, caps, policies in force

    # Minutes (cms-rules §7): the enrolled program's, by clinical staff or the practitioner,
    # from the consent and the initiating visit on, inside the month.
    counted = counted_entries(case, rules)
    staff = sum(e.minutes for e in counted if e.performer == "clinical_staff")
    practitioner = sum(e.minutes for e in counted if e.performer == "practitioner")
    logged = sum(e.minutes for e in case.time if e.service == program)
    if logged > staff + practitioner:
        findings.append(
            Finding(
                Rule.MINUTES_NOT_COUNTED,
                f"{logged - staff - practitioner} {program.upper()} min not counted: before "
                "consent or initiating visit, outside the month, or not by clinical staff or "
                "the practitioner",
            )
        )
    minutes = Minutes(staff, practitioner, staff + practitioner)

    # Notes that stop nothing: invalid condition codes (§2), services that share the month (§8, §13).
    findings += note_findings(case, rules)

    # Step 1, gates (§2–§5, §9), and step 2, exclusions (§7, §8): any of them stops the month.
    conditions = count_conditions(case.patient.chronic_conditions)
    stops = gate_findings(case, rules, conditions) + exclusion_findings(case, rules)
    if stops:
        return _nothing(case, minutes, None, findings + stops)
    findings.append(requirements_met(program, conditions))

    # Step 5, APCM: one line at the patient's level, dated the month's last day (§2, §11).
    if program == "apcm":
        return _apcm(case, rules, prices, conditions, minutes, findings)

    # Steps 3–4, CCM and PCM: the option with the highest total; on a tie, the first (§1a).
    options = options_for(case.month.year, case.month.month, program)
    reached = [
        bill
        for option in options
        if (bill := _bill(option, case.mdm, staff + practitioner, practitioner, prices))
    ]
    if not reached:
        first = options[0]
        findings.append(
            Finding(
                Rule.THRESHOLD_NOT_REACHED,
                f"{first.base}: {minutes.counted} counted min, {first.threshold} needed; "
                "no code reached",
            )
        )
        return _nothing(
            case, minutes, NextUnit(first.base, first.threshold - minutes.counted), findings
        )
    best, passed_over = _highest(reached)
    return _billed(case, rules, best, passed_over, counted, minutes, findings)


def counted_entries(case: MonthCase, rules: MonthRules) -> list[TimeEntry]:
    """The time entries that count (cms-rules §7; month-contract step 1's last sentence)."""
    consent, visit = case.enrollment.consent_date, case.enrollment.initiating_visit_date
    if consent is None or visit is None:
        return []
    start = max(consent, visit, rules.first)
    return [
        entry
        for entry in case.time
        if entry.service == case.enrollment.program
        and start <= entry.date <= rules.last
        and entry.performer in COUNTED_PERFORMERS
    ]


@dataclass(frozen=True, slots=True)
class _Bill:
    """One option the month reaches: its units, minutes and total (month-contract step 3)."""

    option: OptionSpec
    minutes: int  # the minutes this option counts: S, or P for the practitioner's own options
    add_on_units: int
    base_cents: int
    add_on_cents: int

    @property
    def total_cents(self) -> int:
        return self.base_cents + self.add_on_units * self.add_on_cents


def _bill(option: OptionSpec, mdm: str, s: int, p: int, prices: dict[str, int]) -> _Bill | None:
    """The option's base code at its threshold and one add-on per full further block, up to
    its cap; complex CCM only with moderate or high MDM (cms-rules §1a, §2)."""
    if option.complex_only and mdm == "low":
        return None
    used = p if option.by_practitioner else s
    if used < option.threshold:
        return None
    units = (used - option.threshold) // option.step
    if option.cap is not None:
        units = min(units, option.cap)
    return _Bill(option, used, units, prices[option.base], prices[option.addon])


def _highest(reached: list[_Bill]) -> tuple[_Bill, list[_Bill]]:
    """The reached option with the highest total, the first on a tie, and the others in the
    order they were passed over (month-contract step 3: only one option a month)."""
    best, passed_over = reached[0], []
    for bill in reached[1:]:
        if bill.total_cents > best.total_cents:
            passed_over.append(best)
            best = bill
        else:
            passed_over.append(bill)
    return best, passed_over


def _billed(
    case: MonthCase,
    rules: MonthRules,
    best: _Bill,
    passed_over: list[_Bill],
    counted: list[TimeEntry],
    minutes: Minutes,
    findings: list[Finding],
) -> MonthResult:
    """The billed option's lines, dated when its threshold was reached (cms-rules §11), the
    next unit or the cap, the options not billed, and the patient's coinsurance (§9)."""
    option, units = best.option, best.add_on_units
    day = _threshold_day(counted, option)
    lines = [Line(option.base, 1, day, money(best.base_cents))]
    if units:
        lines.append(Line(option.addon, units, day, money(units * best.add_on_cents)))
    who = "practitioner's personal" if option.by_practitioner else "staff and practitioner"
    further = f"; {option.addon} × {units} for each further {option.step} min" if units else ""
    findings.append(
        Finding(
            Rule.BILLED,
            f"{option.base}: {best.minutes} min of {who} time ≥ {option.threshold}, "
            f"reached {day.isoformat()}{further}",
        )
    )
    next_unit = None
    if option.cap is not None and units >= option.cap:
        findings.append(
            Finding(
                Rule.ADD_ON_AT_CAP,
                f"{option.addon} at its cap of {option.cap} (policy, unconfirmed)",
            )
        )
    else:
        needed = option.threshold + (units + 1) * option.step - best.minutes
        next_unit = NextUnit(option.addon, needed)
    for other in passed_over:
        cents = other.total_cents
        findings.append(
            Finding(
                Rule.OPTION_NOT_BILLED,
                f"not billed: {other.option.name} ({other.option.base}) would pay "
                f"{cents // 100}.{cents % 100:02d}; one option a month, the higher total",
            )
        )
    total = best.total_cents
    coinsurance = coinsurance_cents(total, rules)
    if case.patient.qmb:
        coinsurance = 0
        findings.append(_qmb())
    return MonthResult(
        case.month,
        tuple(sorted(lines, key=lambda line: line.code)),
        money(total),
        money(coinsurance),
        minutes,
        next_unit,
        tuple(findings),
    )


def _threshold_day(counted: list[TimeEntry], option: OptionSpec) -> dt.date:
    """The date of the counted entry that reached the option's threshold (month-contract
    `service_date`; cms-rules §11); the practitioner's own options count only their minutes."""
    running = 0
    day: dt.date
    for day, minutes in sorted(
        (e.date, e.minutes)
        for e in counted
        if not option.by_practitioner or e.performer == "practitioner"
    ):
        running += minutes
        if running >= option.threshold:
            return day
    raise AssertionError("threshold not reached")


def _apcm(
    case: MonthCase,
    rules: MonthRules,
    prices: dict[str, int],
    conditions: int,
    minutes: Minutes,
    findings: list[Finding],
) -> MonthResult:
    """G0556 for 0–1 chronic conditions, G0557 for 2+, G0558 for 2+ and QMB; not time-based;
    one unit dated the month's last day (cms-rules §1a, §2, §11)."""
    code = apcm_code(conditions, case.patient.qmb)
    level = {"G0556": 1, "G0557": 2, "G0558": 3}[code]
    why = f"{conditions} chronic condition{'(s)' if level == 1 else 's'}"
    why += " and QMB" if level == 3 else ""
    findings.append(
        Finding(
            Rule.APCM_LEVEL,
            f"{code}: {why}: level {level}; not time-based, dated the month's last day (§11)",
        )
    )
    cents = prices[code]
    coinsurance = coinsurance_cents(cents, rules)
    if cents and case.patient.qmb:
        coinsurance = 0
        findings.append(_qmb())
    line = Line(code, 1, rules.last, money(cents))
    return MonthResult(
        case.month, (line,), money(cents), money(coinsurance), minutes, None, tuple(findings)
    )


def _nothing(
    case: MonthCase, minutes: Minutes, next_unit: NextUnit | None, findings: list[Finding]
) -> MonthResult:
    """A month with no lines says why in its findings (month-contract `findings`)."""
    return MonthResult(case.month, (), money(0), money(0), minutes, next_unit, tuple(findings))


def _qmb() -> Finding:
    """A QMB owes no coinsurance (cms-rules §9: 42 U.S.C. §1396a(n)(3)(B))."""
    return Finding(
        Rule.QMB_NO_COINSURANCE, "QMB: the patient owes no coinsurance (42 U.S.C. §1396a(n)(3)(B))"
    )
