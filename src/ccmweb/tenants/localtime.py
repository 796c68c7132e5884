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


class PracticeTimeZoneMiddleware:
    """Pages show times on the practice's clock: the chosen practice's zone, else the zone of
    the first practice the user works in (times are stored in UTC; a page showed them so)."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        practice = getattr(request, "active_practice", None) or next(
            iter(getattr(request, "allowed_practices", None) or []), None
        )
        if practice is not None and practice.time_zone:
            timezone.activate(ZoneInfo(practice.time_zone))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
