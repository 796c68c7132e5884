"""Tests that log "today's" minutes run at noon, practice time, of the real date.

Logging 21 minutes of work today is rightly refused at 00:15 (the day has had only 15
minutes), and "an hour ago" is last month just after midnight on the 1st; CI runs at any
hour, so these tests move the clock (ticking on) to the same calendar day's noon in the cast's
time zone. The real date is kept, so date-dependent facts (code validity, fee years) are what
they would be. Only in-process clocks move: keep subprocesses out of such tests.
"""

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager

import time_machine

from ccmweb.testing.cast import CAST_TIME_ZONE


@contextmanager
def midday(time_zone: str = CAST_TIME_ZONE) -> Iterator[dt.datetime]:
    tz = zoneinfo.ZoneInfo(time_zone)
    noon = dt.datetime.combine(dt.datetime.now(tz).date(), dt.time(12), tzinfo=tz)
    with time_machine.travel(noon, tick=True):
        yield noon
