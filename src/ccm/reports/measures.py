"""Two electronic clinical quality measures, as CMS defines them, over one measurement period.

Sources (eCQI Resource Center, eCQMs for the 2025 performance period):
- CMS122v13 "Diabetes: Glycemic Status Assessment Greater Than 9%": patients 18–75 at the end
  of the measurement period with diabetes overlapping it and a visit in it; the numerator is
  the most recent glycemic status assessment in the period above 9.0 %, or none in the period
  (an inverse measure: lower is better).
- CMS165v13 "Controlling High Blood Pressure": patients 18–85 at the end of the period with
  essential hypertension starting before or in the first six months of it and a visit in it;
  the numerator is the most recent blood pressure in the period with systolic < 140 and
  diastolic < 90 mmHg, taking the lowest systolic and the lowest diastolic of that day when
  there are several; no reading in the period is "not controlled".

The denominator exclusions are exclusions.py's. Not implemented, and so stated on the page: GMI
as a glycemic status, and the exact visit value sets (any recorded encounter counts).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

#: CMS122v13 denominator ages (at the end of the measurement period).
HBA1C_AGES = (18, 75)
#: CMS122v13 numerator: the most recent result above this percentage (or none) is "poor control".
HBA1C_POOR_ABOVE = Decimal("9.0")
#: CMS122v13 "Diabetes" value set, as ICD-10-CM categories (type 1, type 2, other specified).
DIABETES_ICD10 = ("E10", "E11", "E13")
#: CMS165v13 denominator ages.
BP_AGES = (18, 85)
#: CMS165v13 numerator: controlled when systolic is below the first and diastolic below the second.
BP_CONTROLLED_BELOW = (140, 90)
#: CMS165v13 "Essential Hypertension" value set, as its ICD-10-CM code.
HYPERTENSION_ICD10 = ("I10",)
#: CMS165v13: the hypertension diagnosis starts before the end of the period's first six months.
BP_DIAGNOSIS_MONTHS = 6


@dataclass(frozen=True, slots=True)
class Period:
    """A measurement period: the twelve months ending on `last` (the report's month end).

    The eCQMs use a calendar year; a monthly report uses the rolling twelve months instead,
    so each month's rate has a full year behind it (a stated deviation)."""

    first: dt.date
    last: dt.date

    @classmethod
    def ending(cls, last: dt.date) -> Period:
        start = dt.date(last.year - 1, last.month, 1)
        start = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return cls(start, last)

    def contains(self, day: dt.date) -> bool:
        return self.first <= day <= self.last


def age_on(birth: dt.date, day: dt.date) -> int:
    """Whole years between BIRTH and DAY."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def has_code(codes: Iterable[str], prefixes: tuple[str, ...]) -> bool:
    return any(code.upper().startswith(prefixes) for code in codes)


def hba1c_poor_control(
    birth: dt.date,
    diagnoses: Iterable[tuple[str, dt.date | None]],
    visited: bool,
    results: Iterable[tuple[dt.date, Decimal]],
    period: Period,
) -> bool | None:
    """CMS122: None when the patient is not in the denominator, else whether the most recent
    HbA1c in the period is above 9.0 % or missing (the numerator)."""
    low, high = HBA1C_AGES
    if not low <= age_on(birth, period.last) <= high or not visited:
        return None
    if not any(
        has_code([code], DIABETES_ICD10) and (onset is None or onset <= period.last)
        for code, onset in diagnoses
    ):
        return None
    inside = sorted((day, value) for day, value in results if period.contains(day))
    return not inside or inside[-1][1] > HBA1C_POOR_ABOVE


def bp_controlled(
    birth: dt.date,
    diagnoses: Iterable[tuple[str, dt.date | None]],
    visited: bool,
    readings: Iterable[tuple[dt.date, int, int]],
    period: Period,
) -> bool | None:
    """CMS165: None when the patient is not in the denominator, else whether the most recent
    day's lowest systolic and lowest diastolic in the period are below 140/90."""
    low, high = BP_AGES
    if not low <= age_on(birth, period.last) <= high or not visited:
        return None
    by = hypertension_diagnosed_by(period)
    if not any(
        has_code([code], HYPERTENSION_ICD10) and (onset is None or onset <= by)
        for code, onset in diagnoses
    ):
        return None
    inside = [(day, s, d) for day, s, d in readings if period.contains(day)]
    if not inside:
        return False
    last = max(day for day, _, _ in inside)
    systolic = min(s for day, s, _ in inside if day == last)
    diastolic = min(d for day, _, d in inside if day == last)
    below_s, below_d = BP_CONTROLLED_BELOW
    return systolic < below_s and diastolic < below_d


def hypertension_diagnosed_by(period: Period) -> dt.date:
    """CMS165v13: the last day a hypertension diagnosis may start and count (the end of the
    period's first BP_DIAGNOSIS_MONTHS months)."""
    return _add_months(period.first, BP_DIAGNOSIS_MONTHS) - dt.timedelta(days=1)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)
