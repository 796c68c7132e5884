"""The coordinator's worklist: this month's patients, ranked by what the next unit takes.

Order: patients who can still earn their next unit this month and have not reached a code
yet, most urgent first (minutes needed per day left, then failed attempts, then the longest
without contact); then patients blocked by a missing consent, initiating visit, care plan or
Part B; then patients who have reached a code (those close to an add-on unit first).
"""

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from html import escape
from typing import Any

from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils.safestring import mark_safe

from ccm.periods import BillingMonth
from ccm.rules import Status, evaluate_month, month_verdict
from ccm.types import MonthCase, MonthResult
from ccmweb.sql import IdList
from ccmweb.tenants.localtime import local_today

from .models import OutreachAttempt
from .month_case import last_day, month_cases, zone

ON_TRACK, AT_RISK, BLOCKED, DONE = "on_track", "at_risk", "blocked", "done"
STATUS_LABELS = {ON_TRACK: "On track", AT_RISK: "At risk", BLOCKED: "Blocked", DONE: "Done"}
#: How far behind an even pace through the month a patient may be and still be "on track": a
#: scheduling courtesy for the coordinator, not a CMS threshold.
PACE_SLACK_MINUTES = 5


@dataclass
class Row:
    patient: Any
    case: MonthCase
    result: MonthResult
    today: dt.date
    failed_attempts: int = 0
    last_contact: dt.datetime | None = None
    next_contact: dt.date | None = None
    missing: list[str] = field(default_factory=list)
    status: str = ON_TRACK
    minutes_needed: int | None = None
    next_code: str | None = None
    threshold: int = 0

    @property
    def days_left(self) -> int:
        return (last_day(self.case.month) - self.today).days + 1

    @property
    def codes(self) -> list[str]:
        return [line.code for line in self.result.lines]

    @property
    def counted(self) -> int:
        return self.result.minutes.counted

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    def sort_key(self) -> tuple[Any, ...]:
        group = {ON_TRACK: 0, AT_RISK: 0, BLOCKED: 1, DONE: 2}[self.status]
        needed = self.minutes_needed if self.minutes_needed is not None else 10_000
        contact = self.last_contact.timestamp() if self.last_contact else 0.0
        if group == 2:
            return (group, needed, contact, self.patient.pk)
        urgency = needed / max(self.days_left, 1)
        return (group, -urgency, -self.failed_attempts, contact, self.patient.pk)


def build_rows(patients: list[Any], now: dt.datetime) -> list[Row]:
    """One ranked Row per patient for the practice-local month each patient is in today."""
    by_month: dict[BillingMonth, list[Any]] = defaultdict(list)
    today_of: dict[int, dt.date] = {}
    for patient in patients:
        today = local_today(patient.practice, now)
        today_of[patient.pk] = today
        by_month[BillingMonth.of(today)].append(patient)
    cases: dict[int, MonthCase] = {}
    for month, group in by_month.items():
        cases.update(month_cases(group, month))

    ids = [p.pk for p in patients]
    earliest = min((BillingMonth.of(d).first for d in today_of.values()), default=None)
    contact: dict[int, dict[str, Any]] = {}
    if ids and earliest:
        since = dt.datetime.combine(earliest - dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
        contact = {
            row["patient_id"]: row
            for row in OutreachAttempt.objects.filter(patient_id__in=IdList(ids))
            .values("patient_id")
            .annotate(
                last=Max("at"),
                next=Max("next_contact"),
                failed=Count("id", filter=Q(at__gte=since, outcome__in=OutreachAttempt.FAILED)),
            )
        }

    rows = []
    for patient in patients:
        case = cases[patient.pk]
        result = evaluate_month(case)
        seen = contact.get(patient.pk, {})
        row = Row(
            patient,
            case,
            result,
            today_of[patient.pk],
            failed_attempts=seen.get("failed", 0),
            last_contact=seen.get("last"),
            next_contact=seen.get("next"),
        )
        classify(row)
        rows.append(row)
    rows.sort(key=Row.sort_key)
    return rows


def classify(row: Row) -> None:
    """Status, blockers, minutes needed and the threshold the progress bar runs toward, all
    from the rules' verdict on the month (the close reads the same verdict)."""
    result, case = row.result, row.case
    verdict = month_verdict(case, result)
    row.missing = list(dict.fromkeys(blocker.label for blocker in verdict.blockers))
    if verdict.target is not None:
        row.next_code, row.minutes_needed = verdict.target.code, verdict.target.minutes_needed
        row.threshold = result.minutes.counted + row.minutes_needed
    if verdict.status is Status.BILLABLE:
        row.status = DONE
    elif verdict.blockers:
        row.status = BLOCKED
    else:
        # On pace when the counted minutes keep up with the month's elapsed share of the threshold.
        month = case.month
        days = (last_day(month) - month.first).days + 1
        elapsed = (row.today - month.first).days + 1
        pace = row.threshold * elapsed / days
        row.status = ON_TRACK if result.minutes.counted >= pace - PACE_SLACK_MINUTES else AT_RISK


def counts(rows: list[Row]) -> dict[str, int]:
    found = {ON_TRACK: 0, AT_RISK: 0, BLOCKED: 0, DONE: 0}
    for row in rows:
        found[row.status] += 1
    return found


BADGE = {ON_TRACK: "", AT_RISK: "warn", BLOCKED: "bad", DONE: "ok"}


def row_html(row: Row, *, may_assign: bool, patient_url: str, outreach_url: str) -> str:
    """One worklist row, built in Python: the template engine would take most of the page's time.

    PATIENT_URL and OUTREACH_URL hold "UID" where the patient's uid goes. Text that comes from
    records (names, codes, flags) is escaped; the rest are numbers, uuids and our own words.
    """
    patient = row.patient
    uid = str(patient.uid)
    given, family = escape(patient.given_name), escape(patient.family_name)
    codes = "".join(f' <span class="badge ok">{escape(c)}</span>' for c in row.codes)
    progress = (
        f'<br><progress value="{row.counted}" max="{row.threshold}">'
        f"{row.counted}/{row.threshold}</progress>"
        if row.threshold
        else ""
    )
    tz = zone(patient.practice.time_zone)
    contact = row.last_contact.astimezone(tz).strftime("%b %-d") if row.last_contact else "never"
    failed = (
        f' <span class="badge warn">{row.failed_attempts} failed</span>'
        if row.failed_attempts
        else ""
    )
    planned = (
        f'<br><span class="muted">next {row.next_contact.strftime("%b %-d")}</span>'
        if row.next_contact
        else ""
    )
    flags = "".join(f' <span class="badge bad">{escape(m)}</span>' for m in row.missing)
    select = (
        f'<td><input type="checkbox" name="patient" value="{uid}" '
        f'aria-label="Select {given} {family}"></td>'
        if may_assign
        else ""
    )
    next_unit = f"{escape(row.next_code)}: {row.minutes_needed} min" if row.next_code else "—"
    action = outreach_url.replace("UID", uid)
    program = escape(row.case.enrollment.program.upper())
    return (
        f'<tr id="row-{uid}" class="status-{row.status}">{select}'
        f'<td><a href="{patient_url.replace("UID", uid)}">{family}, {given}</a><br>'
        f'<span class="muted">{program}</span></td>'
        f"<td>{row.counted} min{codes}{progress}</td><td>{next_unit}</td>"
        f"<td>{row.days_left}</td><td>{contact}{failed}{planned}</td>"
        f'<td><span class="badge {BADGE[row.status]}">{row.status_label}</span>{flags}</td>'
        f'<td><button type="submit" class="secondary small" formaction="{action}" '
        f'hx-post="{action}" hx-vals=\'{{"channel": "call", "outcome": "no_answer", '
        f'"answer": "row"}}\' hx-target="#row-{uid}" hx-swap="outerHTML" '
        f'hx-include="this">No answer</button></td></tr>'
    )


def rows_html(rows: list[Row], *, may_assign: bool) -> str:
    patient_url = reverse("patients:detail", kwargs={"uid": _PLACEHOLDER}).replace(
        str(_PLACEHOLDER), "UID"
    )
    outreach_url = reverse("timelog:outreach", kwargs={"uid": _PLACEHOLDER}).replace(
        str(_PLACEHOLDER), "UID"
    )
    return mark_safe(
        "\n".join(  # noqa: S308 - row_html escapes the records' text
            row_html(r, may_assign=may_assign, patient_url=patient_url, outreach_url=outreach_url)
            for r in rows
        )
    )


_PLACEHOLDER = uuid.UUID(int=0)
