"""The patient's whole picture: header facts, clinical context from the EMR, trends, timeline.

Everything here reads what is stored; what it says about CMS (chronic or not, who is billed)
comes from ccm (codes and rules), never from words written here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ccm.codes import classify_icd10, classify_snomed
from ccm.rules import coverage_in_words
from ccm.rules.eligibility import ACTIVE_STATUSES

from .models import Patient

#: The trends drawn on the page and how many readings each keeps.
TRENDS = (
    ("blood_pressure", "Blood pressure", "mmHg"),
    ("hba1c", "HbA1c", "%"),
    ("weight", "Weight", ""),
    ("egfr", "eGFR", ""),  # the unit as the lab sent it
)
READINGS = 12
CHART_W, CHART_H, PAD = 160, 40, 4


def kept(patient: Patient, name: str, read: Callable[[], list[Any]]) -> list[Any]:
    """READ's rows for PATIENT, read once per patient instance and kept on it: the patient
    page's timeline and its panels list the same rows (time, outreach, consents, assessments,
    reconciliations), and a query each time was a tenth of the page. A request reads its own
    patient and builds its panels after its writes, so what is kept is never stale."""
    rows: dict[str, list[Any]] = patient.__dict__.setdefault("_kept_rows", {})
    if name not in rows:
        rows[name] = read()
    return rows[name]


#: How many of each source the timeline lists (the panels show the first few of the same rows).
TIMELINE = 50


def holds_all(latest: Sequence[Any], since: dt.datetime | None = None, at: str = "") -> bool:
    """Whether a source's newest-first LATEST rows, as the timeline read them, are all its rows
    (fewer than TIMELINE came back) or, given SINCE, all its rows from SINCE on (the oldest
    listed, by its field AT, is older). The panels and the month's facts then reuse them instead
    of reading the source again; anything less and they must read it whole."""
    if len(latest) < TIMELINE:
        return True
    return since is not None and getattr(latest[-1], at) < since


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def is_chronic(icd10: str, snomed: str) -> bool:
    """Chronic by the core's condition tables (cms-rules §2)."""
    match = classify_icd10(icd10) if icd10 else None
    if match is None and snomed:
        match = classify_snomed(snomed)
    return bool(match and match.chronic)


def coverage_words(patient: Patient, today: dt.date, coverages: list[Any]) -> str:
    """The COVERAGES (the patient's, read once for the page) in force today, in the core's
    words (Medicare Advantage wins over Part B, as in the audit and the worklist)."""
    current = [
        c
        for c in coverages
        if (c.start_date is None or c.start_date <= today)
        and (c.end_date is None or c.end_date >= today)
    ]
    return coverage_in_words([c.kind for c in current], patient.part_b, patient.qmb)


@dataclass(frozen=True)
class Chart:
    """A small line chart drawn at the server (SVG polylines: no script, nothing inline)."""

    label: str
    unit: str
    latest: str
    latest_on: dt.date
    lines: tuple[str, ...]  # SVG points attributes, one per series
    first_on: dt.date
    width: int = CHART_W
    height: int = CHART_H


def _points(values: list[float], low: float, high: float) -> str:
    span = (high - low) or 1.0
    step = (CHART_W - 2 * PAD) / max(len(values) - 1, 1)
    return " ".join(
        f"{PAD + i * step:.1f},{PAD + (high - v) / span * (CHART_H - 2 * PAD):.1f}"
        for i, v in enumerate(values)
    )


def _number(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"


def charts(measurements: list[Any]) -> list[Chart]:
    """One chart per kind with readings, oldest to newest, the last READINGS of each (however
    old: an EMR export's latest blood pressure is shown with its date, not hidden for its age)."""
    drawn = []
    for kind, label, unit in TRENDS:
        rows = sorted((m for m in measurements if m.kind == kind), key=lambda m: m.date)[-READINGS:]
        if not rows:
            continue
        series = [[float(m.value) for m in rows]]
        if kind == "blood_pressure":
            series.append([float(m.value2 or 0) for m in rows])
        low = min(min(s) for s in series)
        high = max(max(s) for s in series)
        last = rows[-1]
        latest = _number(last.value) + (f"/{_number(last.value2)}" if last.value2 else "")
        drawn.append(
            Chart(
                label,
                unit or last.unit,
                latest,
                last.date,
                tuple(_points(s, low, high) for s in series),
                rows[0].date,
            )
        )
    return drawn


@dataclass(frozen=True)
class Event:
    """One line of the timeline: when, what, who, and the detail a coordinator reads."""

    at: dt.datetime
    kind: str
    title: str
    by: str
    detail: str = ""
    url: str = ""


def timeline(patient: Patient, limit: int = TIMELINE) -> list[Event]:
    """Calls, outreach, notes, time, consent, care-plan, goal-progress, medication and
    assessment events, newest first."""
    from ccmweb import events as app_events
    from ccmweb.enrollment.services import latest_consents
    from ccmweb.timelog.services import latest_entries, latest_outreach

    events: list[Event] = []
    for entry in latest_entries(patient)[:limit]:
        title = f"{entry.minutes} min · {entry.get_activity_display()}"
        if entry.amends_id:
            title += " (amendment)"
        events.append(Event(entry.started_at, "time", title, entry.user.get_username(), entry.note))
    for attempt in latest_outreach(patient)[:limit]:
        title = f"{attempt.get_channel_display()} · {attempt.get_outcome_display()}"
        events.append(
            Event(attempt.at, "outreach", title, attempt.user.get_username(), attempt.note)
        )
    for consent in latest_consents(patient)[:limit]:
        title = f"Consent {consent.get_decision_display().lower()} · {consent.program.upper()}"
        events.append(
            Event(
                consent.obtained_at,
                "consent",
                title,
                consent.obtained_by.get_username(),
                consent.decline_reason,
            )
        )
    # Care plans (versions, signatures, copies, goal progress), medication reconciliations and
    # assessments: each app's patient_events (ccmweb.events).
    for source in app_events.SOURCES:
        events.extend(Event(e.at, e.kind, e.title, e.who, url=e.url) for e in source(patient))
    events.sort(key=lambda e: e.at, reverse=True)
    return events[:limit]


def active_conditions(patient: Patient) -> list[Any]:
    """The patient's active conditions, newest onset first: the problem list's, and the time
    panel's month case reads them too (its chronic conditions are active ones)."""
    return kept(
        patient,
        "active_conditions",
        lambda: list(
            patient.conditions.filter(clinical_status__in=ACTIVE_STATUSES).order_by(
                "-onset_date", "display"
            )
        ),
    )


def clinical_context(patient: Patient) -> dict[str, Any]:
    """Problems (chronic marked), trends, encounters, allergies (the current medications are
    the medications panel's list: imported, reported and reconciled)."""
    from django.db.models import F, Window
    from django.db.models.functions import RowNumber

    from ccmweb.imports.models import Measurement

    problems = [(c, is_chronic(c.icd10_code, c.snomed_code)) for c in active_conditions(patient)]
    problems.sort(key=lambda pair: not pair[1])  # chronic first, each group newest first
    kinds = [kind for kind, _, _ in TRENDS]
    measurements = list(
        Measurement.objects.filter(patient=patient, kind__in=kinds)
        .annotate(nth=Window(RowNumber(), partition_by=[F("kind")], order_by=F("date").desc()))
        .filter(nth__lte=READINGS)
        .only("kind", "date", "value", "value2", "unit")
    )
    encounters = list(
        patient.encounters.select_related("practitioner").order_by("-date", "-pk")[:20]
    )
    return {
        "problems": problems,
        "charts": charts(measurements),
        "encounters": encounters,
        "allergies": patient.allergies.exclude(clinical_status__in=("inactive", "resolved")),
    }
