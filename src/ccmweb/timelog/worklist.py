"""The coordinator's worklist: this month's patients, ranked by what the next unit takes.

Order: patients who can still earn their next unit this month and have not reached a code
yet, most urgent first (minutes needed per day left, then failed attempts, then the longest
without contact); then patients blocked by a missing consent, initiating visit, care plan or
Part B; then patients who have reached a code (those close to an add-on unit first).
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Q

from ccm.periods import BillingMonth
from ccm.rules import Rule, Status, evaluate_month, month_verdict
from ccm.types import MonthCase, MonthResult
from ccmweb.sql import IdList
from ccmweb.tenants.localtime import local_today

from .models import Activity, OutreachAttempt, TimeEntry
from .month_case import last_day, month_cases

#: Time entries that are a conversation with the patient or caregiver: "Last contact" counts
#: them with reached outreach (a voicemail or an unanswered call is not contact).
CALLS = (Activity.PATIENT_CALL, Activity.CAREGIVER_CALL)

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
    tasks_due: int = 0

    @property
    def days_left(self) -> int:
        return days_left(self.today)

    @property
    def program(self) -> str:
        return self.case.enrollment.program or ""

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

    def rank(self) -> tuple[float, float, float, float]:
        """sort_key without the patient id, as four numbers (stored: WorklistState.rank1-4)."""
        key = self.sort_key()[:-1]
        first, second, third, fourth = (*key, 0.0)[:4]
        return float(first), float(second), float(third), float(fourth)


def days_left(today: dt.date) -> int:
    """Days of TODAY's month still ahead, today included (a live Row's and a stored one's)."""
    return (last_day(BillingMonth.of(today)) - today).days + 1


#: Other apps' work due today per patient (a task list, say): functions taking (patient ids,
#: now) and returning {patient id: how many items are due}. An app appends one in its
#: AppConfig.ready(); the day plan counts them as due and shows the number on the row.
DueSource = Callable[[list[int], dt.datetime], dict[int, int]]
DUE_SOURCES: list[DueSource] = []


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
            row["patient_id"]: dict(row)
            for row in OutreachAttempt.objects.filter(patient_id__in=IdList(ids))
            .values("patient_id")
            .annotate(
                last=Max("at", filter=Q(outcome=OutreachAttempt.Outcome.REACHED)),
                next=Max("next_contact"),
                failed_attempts=Count(
                    "id", filter=Q(at__gte=since, outcome__in=OutreachAttempt.FAILED)
                ),
            )
        }
        calls = dict(
            TimeEntry.objects.filter(patient_id__in=IdList(ids), activity__in=CALLS)
            .values("patient_id")
            .annotate(last=Max("started_at"))
            .values_list("patient_id", "last")
        )
        for patient_id, last in calls.items():
            seen = contact.setdefault(patient_id, {})
            if seen.get("last") is None or last > seen["last"]:
                seen["last"] = last

    tasks: dict[int, int] = defaultdict(int)
    for source in DUE_SOURCES if ids else []:
        for patient_id, due in source(ids, now).items():
            tasks[patient_id] += due

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
            failed_attempts=seen.get("failed_attempts", 0),
            last_contact=seen.get("last"),
            next_contact=seen.get("next"),
            tasks_due=tasks.get(patient.pk, 0),
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
    coverage = getattr(row.patient, "coverage", None)  # ccm.rules.coverage: the audit's words
    row.missing = list(
        dict.fromkeys(
            coverage.words
            if blocker.finding.rule is Rule.PART_B and coverage and coverage.state != "unverified"
            else blocker.label
            for blocker in verdict.blockers
        )
    )
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

#: The worklist's orders: the key each sorts by (the rank first, then plain columns).
SORTS: dict[str, tuple[str, Any]] = {
    "rank": ("Most urgent first", Row.sort_key),
    "name": ("Name", lambda r: (r.patient.family_name.lower(), r.patient.given_name.lower())),
    "minutes": ("Fewest minutes first", lambda r: (r.counted, r.sort_key())),
    "contact": (
        "Longest without contact",
        lambda r: (r.last_contact.timestamp() if r.last_contact else 0.0, r.sort_key()),
    ),
}


def is_due(row: Row) -> bool:
    """Due today: a call scheduled for today or earlier, or minutes this month needs now
    (behind an even pace, so waiting risks the month: ranked first by sort_key), or a task."""
    scheduled = row.next_contact is not None and row.next_contact <= row.today
    return scheduled or row.status == AT_RISK or row.tasks_due > 0


def due_today(rows: list[Row]) -> dict[str, int]:
    """How many rows are due today, and why (the day plan's summary)."""
    return {
        "calls": sum(1 for r in rows if r.next_contact is not None and r.next_contact <= r.today),
        "behind": sum(1 for r in rows if r.status == AT_RISK),
        "tasks": sum(r.tasks_due for r in rows),
        "all": sum(1 for r in rows if is_due(r)),
    }
