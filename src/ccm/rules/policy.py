"""A month's policy, for the screens that explain the rules: thresholds, codes, windows, rates.

Every value comes from `parameters/*.yaml` (each with its CMS source) as in force for the month;
the web layer asks here instead of writing a code, a minute or a rate itself (DESIGN.md, "The
core owns every CMS fact").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from ccm.codes import count_conditions
from ccm.periods import BillingMonth
from ccm.rules.fees import FeeSchedule, FeeScheduleError, default_fees
from ccm.rules.institutional import cost_sharing, is_institutional, monthly_code
from ccm.rules.month_rules import (
    MonthRules,
    apcm_code,
    coinsurance_cents,
    earliest_visit,
    min_conditions,
    money,
    month_rules,
    options_for,
    visit_years,
)
from ccm.rules.parameters import all_parameters, value
from ccm.types import Practice

PROGRAMS = ("ccm", "pcm", "apcm")


@dataclass(frozen=True, slots=True)
class Threshold:
    """A code and the counted minutes a month needs to bill it (cms-rules §1a)."""

    code: str
    minutes: int


@dataclass(frozen=True, slots=True)
class MonthPolicy:
    """The parameters in force for one calendar month, asked by program (cms-rules §1a–§9)."""

    month: BillingMonth
    rules: MonthRules

    def base_unit(self, program: str) -> Threshold | None:
        """The code a month bills first and the counted minutes it needs (99490 at 20, 99426 at
        30); None for APCM, which is not time-based (month-contract steps 3–5, cms-rules §1a)."""
        if program == "apcm":
            return None
        first = options_for(self.month.year, self.month.month, program)[0]
        return Threshold(first.base, first.threshold)

    def add_on_unit(self, program: str) -> Threshold | None:
        """The add-on code a month bills for each further block of counted minutes past the base
        unit, and that block's minutes (99439 per 20, 99427 per 30); None for APCM
        (month-contract step 3–4, cms-rules §1a)."""
        if program == "apcm":
            return None
        first = options_for(self.month.year, self.month.month, program)[0]
        return Threshold(first.addon, first.step)

    def min_conditions(self, program: str) -> int:
        """Distinct chronic conditions the program needs: CCM 2, PCM 1, APCM 0 (cms-rules §2)."""
        return min_conditions(self.rules, program)

    def visit_lookback_years(self, program: str) -> int:
        """How long before consent an initiating visit may be: 1 year, APCM 3 (cms-rules §4)."""
        return visit_years(self.rules, program)

    def visit_window(self, program: str) -> str:
        """The look-back in words: "12 months" or "3 years" (cms-rules §4)."""
        years = self.visit_lookback_years(program)
        return f"{12 * years} months" if years == 1 else f"{years} years"

    def earliest_visit(self, program: str, consent: dt.date) -> dt.date:
        """The earliest initiating visit that still opens the program for this consent (§4)."""
        return earliest_visit(consent, self.visit_lookback_years(program))

    def earliest_consent(self, program: str, today: dt.date) -> dt.date:
        """How far back a consent recorded TODAY may be dated (a paper consent signed earlier):
        to the start of the initiating-visit look-back, and not before that look-back is in
        force, i.e. the program exists (APCM from 2025) (cms-rules §3, §4)."""
        lookback = "initiating_visit_lookback_years"
        if program == "apcm":
            lookback = "apcm_" + lookback
        return max(self.earliest_visit(program, today), all_parameters()[lookback].values[0][0])

    @property
    def coinsurance_rate(self) -> Decimal:
        """The patient's share of the allowed amount (cms-rules §9)."""
        return Decimal(self.rules.coinsurance_numerator) / self.rules.coinsurance_denominator

    def coinsurance(self, amount: Decimal) -> Decimal:
        """The patient's share of an amount, half-up to the cent (cms-rules §9)."""
        return money(coinsurance_cents(int(amount * 100), self.rules))

    def apcm_code(self, conditions: int, qmb: bool) -> str:
        """G0556 for 0–1 conditions, G0557 for 2+, G0558 for 2+ and QMB (cms-rules §2)."""
        return apcm_code(conditions, qmb)

    def usual_code(
        self, program: str, conditions: int = 0, qmb: bool = False, setting: str = "office"
    ) -> str:
        """The code a typical billed month of the program bears: its base code, or APCM's level;
        at an RHC/FQHC, G0511 for CCM and PCM months through 2025-09-30 (cms-rules §13)."""
        base = self.base_unit(program)
        code = base.code if base is not None else apcm_code(conditions, qmb)
        return monthly_code(setting, program, code, self.month.last)

    def in_force(self) -> dict[str, Any]:
        """Every parameter's value on the month's last day, for the audit trail of a close."""
        found: dict[str, Any] = {}
        for name, parameter in all_parameters().items():
            try:
                found[name] = parameter.on(self.month.last)
            except KeyError:  # not in force yet in this month
                continue
        return found

    def unconfirmed(self) -> frozenset[str]:
        """The names of parameters that encode a reading cms-rules.md marks UNCONFIRMED (§12)."""
        last = self.month.last
        return frozenset(
            p.name for p in all_parameters().values() if not p.confirmed and p.values[0][0] <= last
        )

    @property
    def enrolled_elsewhere_months(self) -> int:
        """Months, this one included, in which care management billed by another practice marks a
        patient as enrolled elsewhere in the gap audit (policy; cms-rules §7)."""
        return int(value("enrolled_elsewhere_lookback_months", self.month.last))


@cache
def month_policy(month: BillingMonth) -> MonthPolicy:
    """The policy in force for a month (resolved once per month)."""
    return MonthPolicy(month, month_rules(month.year, month.month))


def usual_coinsurance(
    program: str,
    chronic_conditions: tuple[str, ...],
    qmb: bool,
    practice: Practice,
    on: dt.date,
    fees: FeeSchedule | None = None,
) -> Decimal | None:
    """What the patient should expect to owe for a typical billed month of the program, for the
    consent script: the coinsurance share of its usual code's payment at the practice's rates
    (an RHC/FQHC: G0511 through 2025-09-30, national amounts, its own share), 0 for a QMB
    (cms-rules §3, §9, §13; the deductible is left out, as in the month contract: whether it
    applies is `cost_sharing`'s). Priced with the newest fee year loaded up to `on`; None when
    no loaded schedule prices it."""
    if qmb:
        return money(0)
    policy = month_policy(BillingMonth.of(on))
    setting = practice.setting
    code = policy.usual_code(program, count_conditions(chronic_conditions), qmb, setting)
    if fees is None:
        fees = default_fees()
    years = [y for y in sorted(fees.rvus) if y <= on.year] or sorted(fees.rvus)
    locality = None if is_institutional(setting) else practice.locality
    try:
        cents = fees.unit_cents(years[-1], code, locality, practice.qualifying_apm)
    except FeeScheduleError:
        return None
    if is_institutional(setting):
        return cost_sharing(setting, on).coinsurance_of(money(cents))
    return money(coinsurance_cents(cents, policy.rules))
