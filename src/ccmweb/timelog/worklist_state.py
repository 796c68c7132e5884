"""The worklist's stored standings (WorklistState): the day plan ranks, filters, counts, pages and
shows its rows from the database; full rows (worklist.build_rows: the month case, the rules'
verdict) are built only for patients whose standing is stale.

A standing is recomputed, by the same build_rows, when it is missing, when a write touched the
patient's facts since (signals below; an import or a month close marks its practice's through
jobs/refresh.py's AFTER_CHANGE), or when the practice's day has turned (pace, days left and
"due today" move with the date). The bulk cases (an import, a close, a new day) are recomputed
by a background job (`refresh_standings_job`, queued by the import's or close's hook and every
hour for practices whose day has turned), so the first coordinator to open the worklist
afterwards does not wait for a whole caseload to be rebuilt; a page still recomputes whatever
is stale when it is opened. A page row is shown from its standing only while the patient's
revision is the one the standing was computed from: the database bumps it on every write to a
month-close input (patients/0006's triggers), so a write that slipped past every signal (raw SQL,
a bulk update) is still not shown stale; that row is built live and its standing stored again.
(Building the 50 rows live on every request was a third of the page's CPU: bench/RESULTS.md,
worklist, 2026-12-02 d.)

A recompute (the job's, a page's) reads the facts, then stores what it built; a write that
commits in between marks the standing stale, and storing would wipe that mark with a standing
of the facts before the write. So every mark bumps the standing's stamp, a recompute reads the
stamps before the facts (creating a stale standing first for a patient who has none, so that a
write during the run has a stamp to bump), and stores its result only where the stamp is still
the one it read (compare-and-set in the upsert's WHERE): a standing marked during the run stays
stale for the next job or page (an import or close during a job's run has it run once more).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Lower
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django_scopes import scopes_disabled

from ccmweb.jobs.models import Job
from ccmweb.jobs.tasks import AlreadyRunning, organization_task, start, start_again
from ccmweb.sql import IdList, column, concrete_field, insert_values
from ccmweb.tenants.localtime import local_today
from ccmweb.tenants.models import Practice

from . import worklist
from .models import WorklistState

#: Patient fields build_rows and the row template read.
PATIENT_FIELDS = (
    "uid",
    "given_name",
    "family_name",
    "part_b",
    "qmb",
    "medicare",
    "practice_id",
    "coordinator_id",
    "deceased_date",
    "revision",
)
#: What the worklist's page reads of a standing (page_rows, the row template).
PAGE_FIELDS = tuple(
    f.name
    for f in WorklistState._meta.concrete_fields
    if f.name not in ("organization", "fresh", "call_due", "due")
)
RANK = ("rank1", "rank2", "rank3", "rank4", "patient_id")
#: The worklist's orders in the database (worklist.SORTS in Python, for the same rows).
ORDERS: dict[str, tuple[Any, ...]] = {
    "rank": RANK,
    "name": (Lower("patient__family_name"), Lower("patient__given_name"), *RANK),
    "minutes": ("counted", *RANK),
    "contact": ("contact", *RANK),
}


def standing(row: worklist.Row) -> dict[str, Any]:
    """What a state row stores of a live Row (its patient read with PATIENT_FIELDS)."""
    rank1, rank2, rank3, rank4 = row.rank()
    call_due = row.next_contact is not None and row.next_contact <= row.today
    return {
        "revision": row.patient.revision,
        "shown": shown(row),
        "day": row.today,
        "fresh": True,
        "program": row.program,
        "status": row.status,
        "counted": row.counted,
        "tasks_due": row.tasks_due,
        "call_due": call_due,
        "due": worklist.is_due(row),
        "rank1": rank1,
        "rank2": rank2,
        "rank3": rank3,
        "rank4": rank4,
        "contact": row.last_contact.timestamp() if row.last_contact else 0.0,
    }


def shown(row: worklist.Row) -> dict[str, Any]:
    """What the row template reads of a live Row beyond the standing's own columns (as JSON)."""
    return {
        "codes": row.codes,
        "threshold": row.threshold,
        "next_code": row.next_code,
        "minutes_needed": row.minutes_needed,
        "failed_attempts": row.failed_attempts,
        "last_contact": row.last_contact.isoformat() if row.last_contact else None,
        "next_contact": row.next_contact.isoformat() if row.next_contact else None,
        "missing": row.missing,
    }


class StoredRow:
    """A worklist row read back from its standing: what timelog/_worklist_row.html reads of a
    live worklist.Row, without building the month case."""

    def __init__(self, state: WorklistState, patient: Any) -> None:
        saved = state.shown
        self.patient = patient
        self.today = state.day
        self.status = state.status
        self.program = state.program
        self.counted = state.counted
        self.tasks_due = state.tasks_due
        self.codes: list[str] = saved["codes"]
        self.threshold: int = saved["threshold"]
        self.next_code: str | None = saved["next_code"]
        self.minutes_needed: int | None = saved["minutes_needed"]
        self.failed_attempts: int = saved["failed_attempts"]
        self.missing: list[str] = saved["missing"]
        last, following = saved["last_contact"], saved["next_contact"]
        self.last_contact = dt.datetime.fromisoformat(last) if last else None
        self.next_contact = dt.date.fromisoformat(following) if following else None

    @property
    def days_left(self) -> int:
        return worklist.days_left(self.today)

    @property
    def status_label(self) -> str:
        return worklist.STATUS_LABELS[self.status]


def stamps(patients: list[Any]) -> dict[int, int]:
    """The stamps of PATIENTS' standings by patient id, read before their facts are: a patient
    without a standing gets a stale one first (stamp 0), for a write during the recompute to
    mark."""
    ids = IdList(p.pk for p in patients)
    have = set(
        WorklistState.objects.filter(patient_id__in=ids).values_list("patient_id", flat=True)
    )
    WorklistState.objects.bulk_create(
        [
            WorklistState(
                organization_id=p.organization_id,
                patient_id=p.pk,
                day=dt.date.min,
                fresh=False,
                status="",
                counted=0,
                rank1=0,
                rank2=0,
                rank3=0,
                rank4=0,
                contact=0,
            )
            for p in sorted(patients, key=lambda p: p.pk)
            if p.pk not in have
        ],
        batch_size=1000,
        ignore_conflicts=True,  # a concurrent recompute created it: its stamp is read below
    )
    return dict(WorklistState.objects.filter(patient_id__in=ids).values_list("patient_id", "stamp"))


def save_standings(rows: Iterable[worklist.Row], read: dict[int, int]) -> None:
    """Store the standings of ROWS, built from facts read after their standings' stamps READ
    (by patient id): a standing whose stamp has moved since (marked during the recompute) is
    left as it is, stale."""
    rows = sorted((r for r in rows if r.patient.pk in read), key=lambda r: r.patient.pk)
    if not rows:  # (sorted: one lock order for all writers)
        return
    names = ["organization_id", "patient_id", "stamp", *standing(rows[0])]
    fields = [concrete_field(WorklistState, name) for name in names]
    columns = [column(field) for field in fields]
    table = WorklistState._meta.db_table
    replaced = ", ".join(f"{c} = excluded.{c}" for c in columns[3:])
    values = [
        tuple(
            field.get_db_prep_save(value, connection)
            for field, value in zip(
                fields,
                (
                    row.patient.organization_id,
                    row.patient.pk,
                    read[row.patient.pk],
                    *standing(row).values(),
                ),
                strict=True,
            )
        )
        for row in rows
    ]
    tail = (
        f" ON CONFLICT (organization_id, patient_id) DO UPDATE SET {replaced}"
        f" WHERE {table}.stamp = excluded.stamp"
    )
    with connection.cursor() as cursor:
        insert_values(
            cursor, table, columns, values, connection.ops.bulk_batch_size(fields, rows), tail
        )


def refresh(patients: QuerySet[Any], practices: dict[int, Any], now: dt.datetime) -> int:
    """Recompute the standings of PATIENTS (a queryset) that are missing, not fresh or of
    another day than their practice's today; PRACTICES by id. Returns how many were."""
    current = Q(pk__in=[])
    for pk, practice in practices.items():
        current |= Q(practice_id=pk, worklist_state__day=local_today(practice, now))
    found = patients.filter(
        Q(worklist_state__isnull=True) | Q(worklist_state__fresh=False) | ~current
    ).only(*PATIENT_FIELDS, "organization_id")
    stale = list({p.pk: p for p in found.order_by()}.values())  # a join may repeat a patient
    for patient in stale:
        patient.practice = practices[patient.practice_id]
    for first in range(0, len(stale), 5000):
        chunk = stale[first : first + 5000]
        read = stamps(chunk)
        save_standings(worklist.build_rows(chunk, now), read)
    return len(stale)


def today_at_their_practice(practices: dict[int, Any], now: dt.datetime) -> Q:
    """Standings of their practice's today (pace, days left and "due today" move with the
    date); PRACTICES by id. One date for all (one time zone) needs no join to the patient."""
    practices_on: dict[dt.date, list[int]] = {}
    for pk, practice in practices.items():
        practices_on.setdefault(local_today(practice, now), []).append(pk)
    if len(practices_on) == 1:
        return Q(day=next(iter(practices_on)))
    current = Q(pk__in=[])
    for day, pks in practices_on.items():
        current |= Q(day=day, patient__practice_id__in=pks)
    return current


def counts(
    states: QuerySet[WorklistState], program: str, current: Q
) -> tuple[dict[str, int], dict[str, int], int]:
    """(patients per status, the day plan's summary: worklist.counts and worklist.due_today,
    of the standings in PROGRAM if one is chosen; how many of all STATES are fresh and CURRENT,
    for the caller to see whether any must be recomputed first), in one query."""
    chosen = Q(program=program) if program else Q()
    found = states.aggregate(
        **{
            status: Count("pk", filter=chosen & Q(status=status))
            for status in worklist.STATUS_LABELS
        },
        calls=Count("pk", filter=chosen & Q(call_due=True)),
        tasks=Sum("tasks_due", filter=chosen),
        all=Count("pk", filter=chosen & Q(due=True)),
        fresh=Count("pk", filter=Q(fresh=True) & current),
    )
    by_status = {status: found[status] for status in worklist.STATUS_LABELS}
    due = {
        "calls": found["calls"],
        "behind": found[worklist.AT_RISK],
        "tasks": found["tasks"] or 0,
        "all": found["all"],
    }
    return by_status, due, found["fresh"]


def page_rows(
    states: list[WorklistState],
    patients: QuerySet[Any],
    practices: dict[int, Any],
    now: dt.datetime,
) -> list[worklist.Row | StoredRow]:
    """The rows of the page's STATES, in their order, their patients read from PATIENTS: each
    row from its standing, or built live (and its standing stored again) where the patient's
    revision has moved since the standing was computed. (The patients are read apart: joined to
    the standings, PostgreSQL sorted all of a caseload's rows by patient to merge them, then
    took the page's 50.)"""
    ids = [s.patient_id for s in states]
    found = {p.pk: p for p in patients.filter(pk__in=ids).only(*PATIENT_FIELDS, "organization_id")}
    for patient in found.values():
        patient.practice = practices[patient.practice_id]
    states = [s for s in states if s.patient_id in found]
    moved = [found[s.patient_id] for s in states if s.revision != found[s.patient_id].revision]
    live = {row.patient.pk: row for row in worklist.build_rows(moved, now)} if moved else {}
    save_standings(live.values(), {s.patient_id: s.stamp for s in states})
    return [live.get(s.patient_id) or StoredRow(s, found[s.patient_id]) for s in states]


# --- what makes a standing stale ---------------------------------------------------------------


def mark_patients(patient_ids: Iterable[int | None]) -> None:
    """Mark the standings of PATIENT_IDS stale, bumping their stamps (a stale one too: a
    recompute running now may have read its stamp and facts before this write)."""
    ids = [pk for pk in set(patient_ids) if pk is not None]
    if ids:
        # The statement the ORM's update() makes, written out: every save of a patient's facts
        # runs it (signals below), and building it cost ~0.2 ms a call against ~0.01 ms to run.
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {quote(WorklistState._meta.db_table)} SET {quote('fresh')} = %s, "
                f"{quote('stamp')} = {quote('stamp')} + 1 "
                f"WHERE {quote('patient_id')} IN ({', '.join(['%s'] * len(ids))})",
                [False, *ids],
            )


def practice_changed(practice: Any, month: Any = None) -> Job | None:
    """jobs/refresh.py's AFTER_CHANGE entry: an import or a close changed PRACTICE's facts in
    bulk (rows written without signals). Its standings are marked stale at once (a page opened
    now recomputes what it shows) and a job is queued to recompute them all; a job running now
    may have read the facts before the change, and leaves those standings stale, so it runs once
    more when it ends (jobs.start_again; None then)."""
    with scopes_disabled():
        WorklistState.objects.filter(patient__practice=practice).update(
            fresh=False, stamp=F("stamp") + 1
        )
    return start_again(refresh_standings_job, practice, subject="standings")


def queue_standings(practice: Practice) -> Job | None:
    """Queue the recompute of PRACTICE's standings; None when one is queued or running already
    (what it misses, a page still recomputes on demand)."""
    try:
        return start(refresh_standings_job, practice, subject="standings")
    except AlreadyRunning:
        return None


def worklist_patients(practice: Practice) -> QuerySet[Any]:
    """Every patient some worklist of PRACTICE can show: alive, and with a coordinator or an
    enrolment (a practitioner's worklist lists the patients enrolled with them)."""
    from ccmweb.patients.models import Patient

    return (
        Patient.objects.filter(practice=practice, deceased_date__isnull=True)
        .filter(Q(coordinator__isnull=False) | Q(enrollments__status="enrolled"))
        .distinct()
    )


@organization_task(Job.Kind.WORKLIST, unit="patients", retries=1)
def refresh_standings_job(job: Job) -> dict[str, Any]:
    """Recompute the job's practice's stale standings (missing, marked, or of another day).
    Safe to retry or run twice: a standing is replaced whole, and a fresh one is left alone; one
    marked during the run is left stale (save_standings)."""
    practice = job.practice
    done = refresh(worklist_patients(practice), {practice.pk: practice}, timezone.now())
    return {"practice": practice.slug, "recomputed": done}


def day_turned(due: dt.datetime) -> None:
    """Scheduled every hour (jobs/schedule.py): queue the recompute for each practice whose
    standings are of a day that is no longer its today (its midnight has passed)."""
    with scopes_disabled():
        practices = list(
            Practice.objects.filter(archived_at__isnull=True).select_related("organization")
        )
        for practice in practices:
            today = local_today(practice, due)
            old = WorklistState.objects.filter(patient__practice=practice).exclude(day=today)
            if old.exists():
                queue_standings(practice)


def _patient_of(sender: Any, instance: Any, **kwargs: Any) -> None:
    if sender.__name__ == "Patient":
        mark_patients([instance.pk])
    elif sender.__name__ == "CarePlanVersion":
        from ccmweb.careplans.models import CarePlan

        with scopes_disabled():
            mark_patients(
                CarePlan.objects.filter(pk=instance.care_plan_id).values_list(
                    "patient_id", flat=True
                )
            )
    else:
        mark_patients([getattr(instance, "patient_id", None)])


def connect() -> None:
    """Connect the signals (timelog's AppConfig.ready): every model build_rows reads."""
    from ccmweb.care_tasks.models import CareTask
    from ccmweb.careplans.models import CarePlanVersion
    from ccmweb.enrollment.models import ConsentRecord, Enrollment
    from ccmweb.patients.models import Condition, Coverage, Encounter, Patient

    from .models import MonthMDM, OutreachAttempt, TimeEntry

    for model in (
        Patient,
        Condition,
        Encounter,
        Coverage,
        ConsentRecord,
        Enrollment,
        CarePlanVersion,
        TimeEntry,
        MonthMDM,
        OutreachAttempt,
        CareTask,
    ):
        for signal in (post_save, post_delete):
            signal.connect(
                _patient_of, sender=model, dispatch_uid=f"worklist_state.{model.__name__}"
            )
