"""The patient-month case and its result: frozen dataclasses shared by the core and its edges."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

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


class Kind(Enum):
    """What a finding does to the month (month-contract "Decisions, in order")."""

    GATE = "gate"  # step 1: stops the month until a fact is recorded
    EXCLUSION = "exclusion"  # step 2: another service this month stops it
    MET = "met"  # every gate passed
    NOTE = "note"  # worth telling; changes nothing
    TIME = "time"  # minutes counted or not, thresholds not reached (cms-rules §7)
    LINE = "line"  # what is billed, what is not, and why (steps 3–5)
    MONEY = "money"  # cost sharing (step 6, cms-rules §9)


class Rule(Enum):
    """Which rule a finding applies: its kind and the cms-rules.md section it cites.

    Callers compare members (`finding.rule is Rule.CONSENT_MISSING`, `rule.kind is Kind.GATE`),
    never the text of a citation.
    """

    cite: str
    kind: Kind

    def __new__(cls, section: str, kind: Kind) -> Rule:
        member = object.__new__(cls)
        member._value_ = len(cls.__members__) + 1
        member.cite = f"cms-rules {section}"
        member.kind = kind
        return member

    def __str__(self) -> str:
        return self.cite

    PART_B = ("§9", Kind.GATE)
    CONSENT_MISSING = ("§3", Kind.GATE)
    CONSENT_AFTER_MONTH = ("§3", Kind.GATE)
    CONSENT_REVOKED = ("§3", Kind.GATE)
    VISIT_MISSING = ("§4", Kind.GATE)
    VISIT_AFTER_MONTH = ("§4", Kind.GATE)
    VISIT_TOO_EARLY = ("§4", Kind.GATE)
    CARE_PLAN_MISSING = ("§5", Kind.GATE)
    CARE_PLAN_AFTER_MONTH = ("§5", Kind.GATE)
    TOO_FEW_CONDITIONS = ("§2", Kind.GATE)
    APCM_SAME_PRACTITIONER = ("§8", Kind.EXCLUSION)
    PCM_AND_CCM = ("§8", Kind.EXCLUSION)
    CCM_BY_ANOTHER_PRACTITIONER = ("§7", Kind.EXCLUSION)
    HOME_HEALTH_OR_ESRD = ("§8", Kind.EXCLUSION)
    REQUIREMENTS_MET = ("§3", Kind.MET)
    INVALID_CONDITION_CODE = ("§2", Kind.NOTE)
    TCM_ALLOWED = ("§8", Kind.NOTE)
    GENERAL_CARE_MANAGEMENT_BILLED = ("§13", Kind.NOTE)
    BUNDLED_INTO_APCM = ("§13", Kind.NOTE)
    BUNDLED_INTO_APCM_BY_POLICY = ("§13", Kind.NOTE)
    APCM_BY_ANOTHER_PRACTITIONER = ("§7", Kind.NOTE)
    NATIONAL_AMOUNTS = ("§13", Kind.NOTE)
    MINUTES_NOT_COUNTED = ("§7", Kind.TIME)
    THRESHOLD_NOT_REACHED = ("§7", Kind.TIME)
    BILLED = ("§1a", Kind.LINE)
    ADD_ON_AT_CAP = ("§1a", Kind.LINE)
    OPTION_NOT_BILLED = ("§1a", Kind.LINE)
    APCM_LEVEL = ("§2", Kind.LINE)
    QMB_NO_COINSURANCE = ("§9", Kind.MONEY)
    INSTITUTIONAL_CLAIM = ("§13", Kind.LINE)
    BILLED_AS_G0511 = ("§13", Kind.LINE)
    REVENUE_CODE = ("§13", Kind.LINE)
    COST_SHARING = ("§9", Kind.MONEY)
    CLINIC_COST_SHARING = ("§13", Kind.MONEY)

    @property
    def blocks(self) -> bool:
        """Whether a finding of this rule stops the month (a gate or an exclusion)."""
        return self.kind is Kind.GATE or self.kind is Kind.EXCLUSION


@dataclass(frozen=True, slots=True)
class Finding:
    """One decision: the rule it applies (with its cms-rules.md section) and what it found."""

    rule: Rule
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
