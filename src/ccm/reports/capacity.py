"""Capacity planning: how many coordinators a panel needs at a measured productivity."""

from __future__ import annotations

import math


def coordinators_needed(patients: int, minutes_each: int, minutes_per_coordinator: int) -> int:
    """Coordinators to give PATIENTS patients MINUTES_EACH a month when one coordinator logs
    MINUTES_PER_COORDINATOR countable minutes a month (measured: the coordinators report)."""
    if patients < 0 or minutes_each < 0:
        raise ValueError("patients and minutes are counts: not negative")
    if minutes_per_coordinator <= 0:
        raise ValueError("a coordinator's monthly minutes must be above 0")
    return math.ceil(patients * minutes_each / minutes_per_coordinator)
