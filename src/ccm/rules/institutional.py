"""RHC and FQHC months on the institutional claim: form, type of bill, revenue codes, G0511 by
date of service, and the patient's share (cms-rules §9, §10, §13).

`evaluate_month` answers the month contract for every setting in the individual codes at
national amounts. An RHC or FQHC bills the same month on a UB-04 / 837I: these functions turn
that answer into the claim's lines, and they are what the close, the consent script and the
enrollment gap ask, so all three price a clinic's month the same way. Pure: dates come in.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ccm.codes import RHC_FQHC_CARE_MANAGEMENT
from ccm.rules.fees import FeeSchedule
from ccm.rules.parameters import value
from ccm.types import Finding, Line, MonthCase, MonthResult, Rule

INSTITUTIONAL_SETTINGS = ("rhc", "fqhc")
CENT = Decimal("0.01")
_G0511 = RHC_FQHC_CARE_MANAGEMENT.get("G0511")
#: The programs G0511 stood for, as far as the month contract bills them (cms-rules §10).
_G0511_PROGRAMS = ("ccm", "pcm")
_REVENUE_CODE = re.compile(r"\d{4}")


@dataclass(frozen=True, slots=True)
class RevenueCodeSetting:
    """A practice's choice of revenue code for care-management lines from a date of service on."""

    effective_from: dt.date
    revenue_code: str


@dataclass(frozen=True, slots=True)
class CostSharing:
    """What the patient owes of a month's payment: the coinsurance share and whether the
    Part B deductible applies (cms-rules §9, §13)."""

    coinsurance_rate: Decimal
    deductible_applies: bool
    finding: Finding

    @property
    def coinsurance_percent(self) -> str:
        """The share in words, e.g. "20%"."""
        return f"{self.coinsurance_rate * 100:.0f}%"

    def coinsurance_of(self, amount: Decimal, qmb: bool = False) -> Decimal:
        """The patient's coinsurance on an amount, rounded half-up; none for QMB (cms-rules §9)."""
        if qmb:
            return Decimal("0.00")
        return (amount * self.coinsurance_rate).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class InstitutionalLine:
    """One 837I service line: revenue code, HCPCS/CPT code, units, date of service, amount."""

    revenue_code: str
    code: str
    units: int
    service_date: dt.date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class InstitutionalMonth:
    """An RHC/FQHC month as its institutional claim bills it (cms-rules §13)."""

    facility_type: str  # type of bill digits 2-3: 71 RHC, 77 FQHC
    lines: tuple[InstitutionalLine, ...]
    total: Decimal
    coinsurance: Decimal
    deductible_applies: bool
    findings: tuple[Finding, ...]

    def type_of_bill(self, frequency: str = "1") -> str:
        """The four-digit type of bill, e.g. 0771 for an original FQHC claim (cms-rules §13)."""
        return f"0{self.facility_type}{frequency}"


def is_institutional(setting: str) -> bool:
    """RHCs and FQHCs bill on the institutional claim (UB-04 / 837I), others on the 837P (cms-rules §13)."""
    return setting in INSTITUTIONAL_SETTINGS


def claim_form(setting: str) -> str:
    """The X12 claim a practice of this setting sends: 837I for RHC/FQHC, else 837P (cms-rules §13)."""
    return "837i" if is_institutional(setting) else "837p"


def facility_type(setting: str, day: dt.date) -> str:
    """Type of bill digits 2-3 for an RHC (71) or FQHC (77) on a date (cms-rules §13)."""
    found: dict[str, str] = value("rhc_fqhc_facility_type", day)
    return found[setting]


def valid_revenue_code(code: str) -> bool:
    """A revenue code is four digits (NUBC; 052X written 0520–0529)."""
    return bool(_REVENUE_CODE.fullmatch(code))


def revenue_code_problem(code: str, day: dt.date) -> str | None:
    """What is wrong with a revenue code a practice enters, in words; None when it will do."""
    if valid_revenue_code(code):
        return None
    default = value("rhc_fqhc_revenue_code", day)
    return (
        f"A revenue code is 4 digits, e.g. {default}, the default for care-management lines "
        f"(cms-rules §13: 052X; the code for the individual codes from 2025 is unconfirmed)."
    )


def revenue_code_on(day: dt.date, settings: Sequence[RevenueCodeSetting] = ()) -> str:
    """The revenue code for a care-management line on a date of service: the practice's latest
    setting in force, else the default 052X code (cms-rules §13: UNCONFIRMED, a policy)."""
    found = None
    for setting in sorted(settings, key=lambda s: s.effective_from):
        if setting.effective_from <= day:
            found = setting.revenue_code
    return found or str(value("rhc_fqhc_revenue_code", day))


def bills_g0511(setting: str, program: str, day: dt.date) -> bool:
    """Whether an RHC/FQHC bills this program's month as G0511 on this date of service:
    CCM and PCM through 2025-09-30, the individual codes after (cms-rules §10, §13)."""
    return (
        is_institutional(setting)
        and program in _G0511_PROGRAMS
        and _G0511 is not None
        and _G0511.active_on(day)
    )


def g0511_last_day() -> dt.date:
    """The last date of service an RHC/FQHC bills CCM and PCM as G0511 (cms-rules §13)."""
    assert _G0511 is not None and _G0511.effective_to is not None
    return _G0511.effective_to


def cost_sharing(setting: str, day: dt.date) -> CostSharing:
    """The patient's share by clinic type: FQHC 20% and no deductible, RHC and offices 20% and
    the deductible (cms-rules §9, §13)."""
    deductible = bool(value("part_b_deductible_applies", day)[setting])
    if is_institutional(setting):
        rate = Decimal(str(value("rhc_fqhc_coinsurance_rate", day)[setting]))
        rule = Rule.CLINIC_COST_SHARING
    else:
        rate, rule = Decimal(str(value("coinsurance_rate", day))), Rule.COST_SHARING
    share = f"{rate * 100:.0f}% coinsurance"
    words = (
        f"{share} and the Part B deductible apply"
        if deductible
        else f"{share}; no Part B deductible (42 U.S.C. 1395l(b)(4))"
    )
    return CostSharing(rate, deductible, Finding(rule, f"{setting.upper()}: {words}"))


def monthly_code(setting: str, program: str, code: str, day: dt.date) -> str:
    """The code a practice bills for a program's month whose individual code is CODE: G0511 at an
    RHC/FQHC through 2025-09-30 for CCM and PCM, else the code itself (cms-rules §10, §13)."""
    return "G0511" if bills_g0511(setting, program, day) else code


def unit_cents(
    schedule: FeeSchedule,
    setting: str,
    code: str,
    day: dt.date,
    locality: str | None,
    qualifying_apm: bool = False,
) -> int:
    """One unit's payment: national (no GPCI) for an RHC/FQHC, the locality's for others
    (cms-rules §1b, §13)."""
    where = None if is_institutional(setting) else locality
    return schedule.unit_cents(day.year, code, where, qualifying_apm)


def institutional_month(
    case: MonthCase,
    result: MonthResult,
    fees: FeeSchedule,
    revenue_codes: Sequence[RevenueCodeSetting] = (),
) -> InstitutionalMonth | None:
    """The month's institutional claim for an RHC/FQHC (None for other practices): the
    contract's lines, or one G0511 for CCM/PCM dated through 2025-09-30, each with its revenue
    code; no place of service on the 837I line (cms-rules §13)."""
    setting, program = case.practice.setting, case.enrollment.program
    if not is_institutional(setting):
        return None
    last = case.month.last
    sharing = cost_sharing(setting, last)
    kind = facility_type(setting, last)
    findings = [
        Finding(
            Rule.INSTITUTIONAL_CLAIM,
            f"{setting.upper()}: institutional claim, type of bill 0{kind}X",
        )
    ]
    lines: list[Line] = list(result.lines)
    if lines:
        day = min(line.service_date for line in lines)
        if bills_g0511(setting, program, day):
            cents = unit_cents(fees, setting, "G0511", day, None, case.practice.qualifying_apm)
            codes = ", ".join(f"{ln.code} ×{ln.units}" for ln in lines)
            lines = [Line("G0511", 1, day, Decimal(cents).scaleb(-2))]
            findings.append(
                Finding(
                    Rule.BILLED_AS_G0511,
                    f"{codes} billed as G0511 ×1 (dates of service through 2025-09-30), "
                    f"${lines[0].amount}: its RVU row × the conversion factor (cms-rules §1b)",
                )
            )
    out = tuple(
        InstitutionalLine(
            revenue_code_on(ln.service_date, revenue_codes),
            ln.code,
            ln.units,
            ln.service_date,
            ln.amount,
        )
        for ln in lines
    )
    if out:
        revenue = ", ".join(sorted({ln.revenue_code for ln in out}))
        findings.append(
            Finding(Rule.REVENUE_CODE, f"revenue code {revenue} on care-management lines")
        )
    total = sum((ln.amount for ln in out), Decimal("0.00"))
    findings.append(sharing.finding)
    return InstitutionalMonth(
        facility_type=kind,
        lines=out,
        total=total,
        coinsurance=sharing.coinsurance_of(total, case.patient.qmb) if out else Decimal("0.00"),
        deductible_applies=sharing.deductible_applies,
        findings=tuple(findings),
    )
