"""Template filters every template may use (settings: TEMPLATES builtins).

`css_string`: a value written inside a CSS string (`content: "{{ name|css_string }}"`). HTML
escaping is no defence there: a `<style>` element is raw text, so a newline or a backslash in
the value ends the string and what follows is read as CSS (`@import url(…)`). Every character
but letters, digits and spaces is written as a CSS escape (`\\22 `, `\\a `), so the value can
only ever be text.
"""

import datetime as dt
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from django import template
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter(is_safe=True)
def css_string(value: object) -> SafeString:
    """VALUE escaped for the inside of a double-quoted CSS string."""
    text = "" if value is None else str(value)
    escaped = "".join(
        char if char.isascii() and (char.isalnum() or char == " ") else f"\\{ord(char):x} "
        for char in text
    )
    return mark_safe(escaped)  # only letters, digits, spaces and hex escapes remain


#: The one way a date, and a date and time, are written across the app.
DAY_FORMAT = "Y-m-d"
WHEN_FORMAT = "Y-m-d H:i T"


def _in_zone(value: dt.datetime, practice: Any) -> dt.datetime:
    """VALUE in PRACTICE's time zone (a practice or a zone name), else the active zone."""
    zone_name = getattr(practice, "time_zone", practice) or None
    zone = ZoneInfo(zone_name) if zone_name else timezone.get_current_timezone()
    return value.astimezone(zone) if timezone.is_aware(value) else value


@register.filter
def when(value: dt.datetime | None, practice: Any = None) -> str:
    """A moment as the practice's clock showed it (`{{ e.started_at|when:patient.practice }}`):
    stored in UTC, never shown in UTC unless the practice is there."""
    if not value:
        return ""
    return date_format(_in_zone(value, practice), WHEN_FORMAT)


@register.filter
def day(value: dt.date | dt.datetime | None, practice: Any = None) -> str:
    """A date; a moment first turned into the practice's local date."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        value = _in_zone(value, practice)
    return date_format(value, DAY_FORMAT)


#: A patient's uid in a reversed URL, replaced by the real one (patient_url).
_UID = "00000000-0000-0000-0000-000000000000"


@cache
def _patient_pattern(name: str, prefix: str) -> str:
    return reverse(name, args=[_UID])  # under PREFIX, the script prefix reverse() reads


@register.filter
def patient_url(uid: object, name: str) -> str:
    """`{{ p.uid|patient_url:'patients:detail' }}`: what `{% url name p.uid %}` gives for a view
    taking a patient's uid, reversed once a view name: the worklist reversed 150 URLs a page,
    a quarter of its template time (bench/RESULTS.md, worklist, 2026-12-02 d)."""
    return _patient_pattern(name, get_script_prefix()).replace(_UID, str(uid))
