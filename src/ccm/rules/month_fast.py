"""`evaluate_month` made fast for the month close and the benchmark: the same answers as the
reference in month.py (tests/core/test_fast_equals_reference.py proves it), none of its
readability.

Speed (bench/bench_month.py): what depends only on the month, the program, the price table and
the counted minutes is decided once and shared. Results are frozen, so their parts (lines,
findings, the next unit, the minutes) can be shared between months; each month only adds up
its minutes, checks its gates and finds the date its threshold was crossed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache

from ccm.periods import BillingMonth
from ccm.rules.fees import FeeSchedule, default_fees
from ccm.rules.month_options import ZERO, OptionTable
from ccm.rules.month_rules import (
    apcm_code,
    coinsurance_cents,
    conditions_of,
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

__all__ = ["evaluate_month_fast"]

CACHE_LIMIT = 100_000  # shared answers kept per cache before starting afresh
_money, _ZERO = money, ZERO
_QMB = Finding(
    Rule.QMB_NO_COINSURANCE, "QMB: the patient owes no coinsurance (42 U.S.C. §1396a(n)(3)(B))"
)
_NOT_COUNTED = "before consent or initiating visit, outside the month, or not by clinical staff or the practitioner"


class _MonthContext:
    """What every patient-month with one month, program and price table shares, resolved once."""

    __slots__ = ("first", "last", "last_plus", "min_conditions", "options", "price", "rules")

    def __init__(
        self,
        schedule: FeeSchedule,
        year: int,
        month: int,
        locality: str | None,
        qualifying_apm: bool,
        program: str,
    ) -> None:
        self.price = schedule.prices(year, locality, qualifying_apm)
        rules = self.rules = month_rules(year, month)
        self.first, self.last, self.last_plus = rules.first, rules.last, rules.last_plus
        self.min_conditions = (
            rules.ccm_min_conditions
            if program == "ccm"
            else rules.pcm_min_conditions
            if program == "pcm"
            else 0
        )
        # Months whose options, prices and coinsurance rate agree share one table of decisions.
        specs = options_for(year, month, program)
        key = (
            "options",
            year,
            locality,
            qualifying_apm,
            specs,
            rules.coinsurance_numerator,
            rules.coinsurance_denominator,
        )
        table = schedule.memo.get(key)
        if table is None:
            table = schedule.memo[key] = OptionTable(specs, self.price, rules)
        self.options: OptionTable = table


def _context(
    schedule: FeeSchedule,
    year: int,
    month: int,
    locality: str | None,
    qualifying_apm: bool,
    program: str,
) -> _MonthContext:
    key = (year, month, locality, qualifying_apm, program)
    found: _MonthContext | None = schedule.memo.get(key)
    if found is None:
        found = schedule.memo[key] = _MonthContext(
            schedule, year, month, locality, qualifying_apm, program
        )
    return found


@lru_cache(maxsize=65536)
def _line(code: str, units: int, service_date: dt.date, cents: int) -> Line:
    return Line(code, units, service_date, _money(cents))


@lru_cache(maxsize=65536)
def _minutes(staff: int, practitioner: int) -> Minutes:
    return Minutes(staff, practitioner, staff + practitioner)


@lru_cache(maxsize=4096)
def _not_counted(minutes: int, program: str) -> Finding:
    return Finding(
        Rule.MINUTES_NOT_COUNTED, f"{minutes} {program.upper()} min not counted: {_NOT_COUNTED}"
    )


@lru_cache(maxsize=16)
def _national_only(setting: str) -> Finding:
    return Finding(
        Rule.NATIONAL_AMOUNTS, f"{setting.upper()}: national non-facility amounts, no GPCI"
    )


# A frozen dataclass's __init__ sets each field through object.__setattr__; for the objects
# every patient-month must build, setting the slots directly is twice as fast and gives the same
# (equal, immutable) object. Everything else in a result is shared from caches.
_set_rule, _set_text = (Finding.__dict__[name].__set__ for name in Finding.__slots__)
_set_month, _set_lines, _set_total, _set_coinsurance, _set_minutes, _set_next, _set_findings = (
    MonthResult.__dict__[name].__set__ for name in MonthResult.__slots__
)


def month_result(
    month: BillingMonth,
    lines: tuple[Line, ...],
    total: Decimal,
    coinsurance: Decimal,
    minutes: Minutes,
    next: NextUnit | None,
    findings: tuple[Finding, ...],
) -> MonthResult:
    """`MonthResult(...)` for the hot loop of `evaluate_month`: same fields, same frozen object."""
    result: MonthResult = object.__new__(MonthResult)
    _set_month(result, month)
    _set_lines(result, lines)
    _set_total(result, total)
    _set_coinsurance(result, coinsurance)
    _set_minutes(result, minutes)
    _set_next(result, next)
    _set_findings(result, findings)
    return result


def finding(rule: Rule, text: str) -> Finding:
    """`Finding(rule, text)` for the hot loop of `evaluate_month`: same fields, same frozen object."""
    found: Finding = object.__new__(Finding)
    _set_rule(found, rule)
    _set_text(found, text)
    return found


_conditions: dict[tuple[str, ...], tuple[int, bool]] = {}


def _conditions_of(codes: tuple[str, ...]) -> tuple[int, bool]:
    """`conditions_of`, kept in a plain dict: the month's hottest lookup (cms-rules §2)."""
    if len(_conditions) >= CACHE_LIMIT:
        _conditions.clear()
    found = _conditions[codes] = conditions_of(codes)
    return found


def _crossing_date(
    time: tuple[TimeEntry, ...],
    program: str,
    start: dt.date,
    last: dt.date,
    threshold: int,
    practitioner_only: bool,
) -> dt.date:
    """The date of the counted entry that reached the threshold (month-contract `service_date`).

    Walks the counted entries again rather than keeping them: most months bill nothing.
    """
    counted = [
        (entry.date, entry.minutes)
        for entry in time
        if entry.service == program
        and start <= entry.date <= last
        and (
            entry.performer == "practitioner"
            if practitioner_only
            else entry.performer in _COUNTED_PERFORMERS
        )
    ]
    running = 0
    for day, minutes in sorted(counted):
        running += minutes
        if running >= threshold:
            return day
    raise AssertionError("threshold not reached")


_COUNTED_PERFORMERS = ("clinical_staff", "practitioner")


def evaluate_month_fast(case: MonthCase, fees: FeeSchedule | None = None) -> MonthResult:
    """`month.evaluate_month`, with what months share decided once (see the module's docstring)."""
    month = case.month
    practice, patient, enrollment = case.practice, case.patient, case.enrollment
    program = enrollment.program
    findings: list[Finding] = []
    locality = practice.locality
    if locality is not None and practice.setting != "office":
        locality = None
        findings.append(_national_only(practice.setting))
    schedule = fees if fees is not None else default_fees()
    year, month_no, qualifying_apm = month.year, month.month, practice.qualifying_apm
    ctx: _MonthContext = schedule.memo.get(
        (year, month_no, locality, qualifying_apm, program)
    ) or _context(schedule, year, month_no, locality, qualifying_apm, program)

    # Minutes (cms-rules §7): the enrolled program's, from consent and initiating visit on, inside the month.
    consent, visit = enrollment.consent_date, enrollment.initiating_visit_date
    staff = doctor = uncounted = 0
    start, last = ctx.last_plus, ctx.last  # with no consent or visit, nothing counts
    if case.time:
        if consent is not None and visit is not None:
            start = consent if consent > ctx.first else ctx.first
            if visit > start:
                start = visit
        for entry in case.time:
            if entry.service != program:
                continue
            day = entry.date
            if start <= day <= last:
                performer = entry.performer
                if performer == "clinical_staff":
                    staff += entry.minutes
                    continue
                if performer == "practitioner":
                    doctor += entry.minutes
                    continue
            uncounted += entry.minutes
        if uncounted:
            findings.append(_not_counted(uncounted, program))
    minutes = _minutes(staff, doctor)

    rules = ctx.rules
    codes = patient.chronic_conditions
    conditions, all_valid = _conditions.get(codes) or _conditions_of(codes)
    if case.other_services or not all_valid:
        findings += note_findings(case, rules)
    stops = gate_findings(case, rules, conditions)
    if case.other_services:
        stops += exclusion_findings(case, rules)
    if stops:
        findings += stops
        return month_result(month, (), _ZERO, _ZERO, minutes, None, tuple(findings))
    findings.append(requirements_met(program, conditions))

    if program == "apcm":
        return _apcm(case, ctx, conditions, minutes, findings)

    options, s = ctx.options, staff + doctor
    key = (  # see OptionTable: what cannot change the decision is folded away
        s >= options.complex_floor and case.mdm == "low",
        s,
        doctor if doctor >= options.practitioner_floor else 0,
    )
    decision = options.decisions.get(key) or options.decide(*key)
    if not decision.billed:
        findings += decision.after
        return month_result(month, (), _ZERO, _ZERO, minutes, decision.next, tuple(findings))
    day = _crossing_date(
        case.time, program, start, last, decision.threshold, decision.by_practitioner
    )
    base_line = _line(decision.base, 1, day, decision.base_cents)
    lines: tuple[Line, ...]
    if decision.units:
        add_line = _line(decision.addon, decision.units, day, decision.addon_cents)
        lines = (base_line, add_line) if decision.base_first else (add_line, base_line)
    else:
        lines = (base_line,)
    findings.append(finding(Rule.BILLED, f"{decision.head}{day.isoformat()}{decision.tail}"))
    findings += decision.after
    coinsurance = decision.coinsurance
    if patient.qmb:
        coinsurance = _ZERO
        findings.append(_QMB)
    return month_result(
        month, lines, decision.total, coinsurance, minutes, decision.next, tuple(findings)
    )


@lru_cache(maxsize=256)
def _apcm_level(conditions: int, qmb: bool) -> tuple[str, Finding]:
    """APCM level from conditions and QMB status; no time threshold (cms-rules §1a, §2)."""
    code = apcm_code(conditions, qmb)
    if code == "G0556":
        why = f"{conditions} chronic condition(s): level 1"
    elif code == "G0558":
        why = f"{conditions} chronic conditions and QMB: level 3"
    else:
        why = f"{conditions} chronic conditions: level 2"
    return code, Finding(
        Rule.APCM_LEVEL, f"{code}: {why}; not time-based, dated the month's last day (§11)"
    )


def _apcm(
    case: MonthCase,
    ctx: _MonthContext,
    conditions: int,
    minutes: Minutes,
    findings: list[Finding],
) -> MonthResult:
    """One APCM line dated the month's last day (cms-rules §1a, §2, §11)."""
    qmb = case.patient.qmb
    code, level = _apcm_level(conditions, qmb)
    findings.append(level)
    cents = ctx.price[code]
    line = _line(code, 1, ctx.last, cents)
    if not cents:
        coinsurance = 0
    elif qmb:
        coinsurance = 0
        findings.append(_QMB)
    else:
        coinsurance = coinsurance_cents(cents, ctx.rules)
    return month_result(
        case.month, (line,), _money(cents), _money(coinsurance), minutes, None, tuple(findings)
    )
