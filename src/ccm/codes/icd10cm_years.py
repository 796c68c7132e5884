"""ICD-10-CM validity by fiscal year: a code is valid for a date of service when it is a
billable code of the code set in force that day (the set changes each October 1).

Only the years whose code set ships with ccm can be checked; for any other year the answer
says so, never a silent "valid".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from ccm.codes.conditions import _icd10cm_fy2026, normalize_icd10

#: Fiscal year → the code set's tokens (billable leaves end with "*").
LOADED: dict[int, Callable[[], frozenset[str]]] = {2026: _icd10cm_fy2026}


def fiscal_year(day: dt.date) -> int:
    """The ICD-10-CM fiscal year of a date of service: FY2026 runs 2025-10-01 to 2026-09-30."""
    return day.year + 1 if day.month >= 10 else day.year


def icd10cm_year_missing(day: dt.date) -> str | None:
    """A finding when the code set of DAY's fiscal year does not ship with ccm, else None."""
    year = fiscal_year(day)
    if year in LOADED:
        return None
    return (
        f"ICD-10-CM FY{year} (dates of service {year - 1}-10-01 to {year}-09-30) is not loaded "
        "in this version of ccm: the diagnosis codes of these claims were not checked; update ccm"
    )


def icd10cm_problem(code: str, day: dt.date) -> str | None:
    """Why CODE may not go on a claim for a service on DAY, in words; None when it may, or
    when that year's code set is not loaded (icd10cm_year_missing says so)."""
    year = fiscal_year(day)
    table = LOADED.get(year)
    if table is None:
        return None
    norm = normalize_icd10(code)
    if "*" not in norm and norm + "*" in table():
        return None
    if norm in table():
        return f"{code} is a category, not a billable ICD-10-CM code, in FY{year}: use a full code"
    return f"{code} is not an ICD-10-CM code in FY{year}"
