"""One shape for the dated events the patient timeline lists, whichever app records them.

Each app that keeps patient history offers `patient_events(patient) -> list[Event]` (care
plans: ccmweb.careplans.events; medications and assessments likewise) and registers it in its
AppConfig.ready() with `register`; the patient page's timeline (ccmweb.patients.picture)
merges them with calls, outreach, time and consent, newest first. `at` is an aware datetime (shown in the practice's time zone), `who`
the user's name or "" for the system, `url` a page about the event or "".
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Event:
    at: dt.datetime
    kind: str  # e.g. "care_plan", "goal_progress", "medication_reconciliation", "assessment"
    title: str
    who: str = ""
    url: str = ""


def who(user: object) -> str:
    """A user as the timeline names them (full name, else the username)."""
    if user is None:
        return ""
    full = getattr(user, "get_full_name", lambda: "")()
    return full or getattr(user, "get_username", lambda: "")()


EventSource = Callable[[Any], list[Event]]
#: The apps' patient_events functions, in the order they registered.
SOURCES: list[EventSource] = []


def register(source: EventSource) -> None:
    """Add an app's patient_events once (registering the same function again is ignored)."""
    if source not in SOURCES:
        SOURCES.append(source)
