"""Rates as the reports show them, and the small cells they must not show.

Suppression follows CMS's cell-size suppression policy for data derived from Medicare claims
(CMS, "Cell Size Suppression Policy", 2020: no cell of 1 to 10 beneficiaries is displayed):
a rate whose population is under 11 patients is shown as suppressed, never as a number."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

#: The smallest population shown (CMS cell size suppression policy: 1–10 are suppressed).
MIN_CELL = 11


def suppressed(patients: int) -> bool:
    """True when a figure about PATIENTS people must not be shown (1 to 10 of them)."""
    return 0 < patients < MIN_CELL


def per_thousand(events: int, patient_months: int) -> Decimal | None:
    """Events per 1,000 patient-months, one decimal; None with no patient-months."""
    if patient_months <= 0:
        return None
    rate = Decimal(events) * 1000 / Decimal(patient_months)
    return rate.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def percent(part: int, whole: int) -> Decimal | None:
    """PART of WHOLE in percent, one decimal; None when WHOLE is 0."""
    if whole <= 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def per_unit(amount: int, units: int) -> Decimal | None:
    """AMOUNT per one of UNITS (minutes per patient, per billable unit), one decimal."""
    if units <= 0:
        return None
    return (Decimal(amount) / Decimal(units)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
