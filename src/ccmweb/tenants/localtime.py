"""The practice's clock: a calendar month is the practice's local month (DESIGN.md, Data and tenancy)."""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone


def local_now(practice: Any, now: dt.datetime | None = None) -> dt.datetime:
    """Now (or NOW) in the practice's time zone."""
    return (now or timezone.now()).astimezone(ZoneInfo(practice.time_zone))


def local_today(practice: Any, now: dt.datetime | None = None) -> dt.date:
    """Today's date where the practice is."""
    return local_now(practice, now).date()
