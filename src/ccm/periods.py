"""Billing periods: CCM, PCM and APCM are billed per calendar month (cms-rules §7)."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class BillingMonth:
    """One calendar month in the practice's local time (cms-rules §7: time never carries across months)."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12 or not 1 <= self.year <= 9999:
            raise ValueError(f"not a calendar month: {self.year}-{self.month}")

    @classmethod
    def parse(cls, text: str) -> BillingMonth:
        """Read a month written as YYYY-MM, the contract's format."""
        if len(text) != 7 or text[4] != "-" or not (text[:4] + text[5:]).isdigit():
            raise ValueError(f"not a YYYY-MM month: {text!r}")
        return cls(int(text[:4]), int(text[5:]))

    @classmethod
    def of(cls, day: dt.date) -> BillingMonth:
        """The month a date falls in."""
        return cls(day.year, day.month)

    @property
    def first(self) -> dt.date:
        """First day of the month."""
        return dt.date(self.year, self.month, 1)

    @property
    def last(self) -> dt.date:
        """Last day of the month: APCM's date of service (cms-rules §11)."""
        return dt.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def contains(self, day: dt.date) -> bool:
        """Whether a date lies inside this month."""
        return day.year == self.year and day.month == self.month

    def previous(self) -> BillingMonth:
        """The month before."""
        return (
            BillingMonth(self.year - 1, 12)
            if self.month == 1
            else BillingMonth(self.year, self.month - 1)
        )

    def next(self) -> BillingMonth:
        """The month after."""
        return (
            BillingMonth(self.year + 1, 1)
            if self.month == 12
            else BillingMonth(self.year, self.month + 1)
        )

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` earlier (29 February falls back to the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)
