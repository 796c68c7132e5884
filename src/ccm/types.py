"""The patient-month case and its result: frozen dataclasses shared by the core and its edges."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from ccm.periods import BillingMonth

SETTINGS = ("office", "fqhc", "rhc")
PROGRAMS = ("ccm", "pcm", "apcm")
MDM_LEVELS = ("low", "moderate", "high")
PERFORMERS = ("clinical_staff", "practitioner", "other")


@dataclass(frozen=True, slots=True)
class Practice:
    """The billing practice: its setting drives RHC/FQHC pricing (cms-rules §13), its locality the GPCIs (§1b)."""

    setting: str = "office"
    locality: str | None = None
    qualifying_apm: bool = False


@dataclass(frozen=True, slots=True)
class Patient:
    """Coverage and chronic conditions for the month (cms-rules §2, §9)."""

    medicare_part_b: bool
    qmb: bool = False
    chronic_conditions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Enrollment:
    """The program the patient consented to and the dates that open it (cms-rules §3–§5)."""

    program: str
    consent_date: dt.date | None = None
    consent_revoked_date: dt.date | None = None
    initiating_visit_date: dt.date | None = None
    care_plan_date: dt.date | None = None


@dataclass(frozen=True, slots=True)
class TimeEntry:
    """Minutes of care-management work on one day (cms-rules §7)."""

    date: dt.date
    minutes: int
    performer: str
    service: str


@dataclass(frozen=True, slots=True)
class OtherService:
    """A code billed for the patient this month, by this or another practitioner (cms-rules §8)."""

    code: str
    date: dt.date | None = None
    same_practitioner: bool = True


@dataclass(frozen=True, slots=True)
class MonthCase:
    """One patient, one calendar month: everything `evaluate_month` needs."""

    month: BillingMonth
    practice: Practice
    patient: Patient
    enrollment: Enrollment
    mdm: str = "low"
    time: tuple[TimeEntry, ...] = ()
    other_services: tuple[OtherService, ...] = ()


@dataclass(frozen=True, slots=True)
class Line:
    """One claim line: code, units, date of service and amount (units × unit payment)."""

    code: str
    units: int
    service_date: dt.date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Minutes:
    """Counted minutes by performer, and their sum."""

    clinical_staff: int
    practitioner: int
    counted: int


@dataclass(frozen=True, slots=True)
class NextUnit:
    """The next billable unit and the counted minutes still needed for it."""

    code: str
    minutes_needed: int


@dataclass(frozen=True, slots=True)
class Finding:
    """One decision and the cms-rules.md section it applies."""

    rule: str
    text: str


@dataclass(frozen=True, slots=True)
class MonthResult:
    """The month's lines, money, minutes, next unit and reasons."""

    month: BillingMonth
    lines: tuple[Line, ...]
    total: Decimal
    coinsurance: Decimal
    minutes: Minutes
    next: NextUnit | None
    findings: tuple[Finding, ...]

    @property
    def billable(self) -> bool:
        """A month is billable when it has at least one line."""
        return bool(self.lines)


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


def finding(rule: str, text: str) -> Finding:
    """`Finding(rule, text)` for the hot loop of `evaluate_month`: same fields, same frozen object."""
    found: Finding = object.__new__(Finding)
    _set_rule(found, rule)
    _set_text(found, text)
    return found
