"""Making and finishing tasks. Events make at most one task each (source + source_key), so a
re-import, a second save of the same plan or a repeated signal changes nothing."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import BooleanField, F, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from ccm.rules.care_transitions import contact_due, in_transition_period
from ccmweb.sql import IdList
from ccmweb.tenants.localtime import local_today

from .models import CareTask, SignoffReturn

MAX_TITLE = 200


class TaskError(ValueError):
    """A task field is wrong; the message names the field and no patient data."""


#: The partial unique index `one_task_per_event` holds the rows WHERE NOT (source_key = ''):
#: SQLite uses it only when the query states that condition with the literal '' (it cannot prove
#: that a bound parameter implies it), else it scans the organisation's tasks — 34 ms a look-up
#: at 100,000 tasks against 0.01 ms (bench/RESULTS.md, "test suite", 2026-12-03 c).
_KEYED = RawSQL(f"""NOT ("{CareTask._meta.db_table}"."source_key" = '')""", (), BooleanField())


def by_key(source: str, keys: list[str]) -> QuerySet[CareTask]:
    """The tasks already made for SOURCE's events KEYS, found through the unique index."""
    return CareTask.objects.filter(_KEYED, source=source, source_key__in=keys)


def billing_practitioner_user(patient: Any) -> Any:
    """The user of the patient's billing practitioner, or None (no consent on record yet)."""
    from ccmweb.careplans.services import billing_practitioner_of

    practitioner = billing_practitioner_of(patient)
    return getattr(practitioner, "user", None)


def new_task(
    *,
    practice: Any,
    title: str,
    due: dt.date,
    patient: Any = None,
    assignee: Any = None,
    priority: str = CareTask.Priority.NORMAL,
    recurrence: str = "",
    source: str = CareTask.Source.MANUAL,
    source_key: str = "",
    details: str = "",
    by: Any = None,
) -> CareTask:
    """An open task, not yet saved: its fields checked and cut to their columns (create_task
    saves one; a signed plan's tasks are saved together, _keyed_tasks)."""
    title = title.strip()
    if not title:
        raise TaskError("Title: say what is to be done.")
    if priority not in CareTask.Priority.values:
        raise TaskError("Priority: choose low, normal, high or urgent.")
    if recurrence not in CareTask.Recurrence.values:
        raise TaskError("Repeats: choose one of the listed intervals.")
    return CareTask(
        organization=practice.organization,
        practice=practice,
        patient=patient,
        title=title[:MAX_TITLE],
        details=details.strip(),
        assignee=assignee,
        due=due,
        priority=priority,
        recurrence=recurrence,
        source=source,
        source_key=source_key[:120],
        created_by=by,
    )


def create_task(**fields: Any) -> CareTask:
    """new_task's task, saved; for an event already turned into a task, that task."""
    task = new_task(**fields)
    if not task.source_key:
        task.save(force_insert=True)
        return task
    found = by_key(task.source, [task.source_key]).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            task.save(force_insert=True)
            return task
    except IntegrityError:
        return by_key(task.source, [task.source_key]).get()


def next_due(due: dt.date, recurrence: str) -> dt.date:
    """The next occurrence's due date (month ends kept: 31 Jan → 28 Feb)."""
    if recurrence == CareTask.Recurrence.WEEKLY:
        return due + dt.timedelta(days=7)
    months = {"monthly": 1, "quarterly": 3}[recurrence]
    year, month = divmod(due.month - 1 + months, 12)
    year, month = due.year + year, month + 1
    return due.replace(
        year=year, month=month, day=min(due.day, calendar.monthrange(year, month)[1])
    )


@transaction.atomic
def complete(
    task: CareTask, *, by: Any, note: str = "", now: dt.datetime | None = None
) -> CareTask | None:
    """Mark TASK done; a repeating task gets its next occurrence (returned). A returned month
    sign-off goes back to the practitioner's queue."""
    if task.status != CareTask.Status.OPEN:
        raise TaskError("Status: this task is no longer open.")
    task.status = CareTask.Status.DONE
    task.done_by = by
    task.done_at = now or timezone.now()
    task.done_note = note.strip()
    task.save(update_fields=["status", "done_by", "done_at", "done_note"])
    if not task.recurrence:
        return None
    return create_task(
        practice=task.practice,
        patient=task.patient,
        title=task.title,
        details=task.details,
        assignee=task.assignee,
        due=next_due(task.due, task.recurrence),
        priority=task.priority,
        recurrence=task.recurrence,
        source=task.source,
        by=by,
    )


# --- tasks events make ------------------------------------------------------------------------


def for_assessment(assessment: Any, result: Any) -> CareTask | None:
    """A score over its published cut-off: a task for the patient's billing practitioner
    (the coordinator when there is none yet), urgent when the instrument says so."""
    if not result.positive:
        return None
    patient = assessment.patient
    assignee = billing_practitioner_user(patient) or patient.coordinator
    title = f"Review {assessment.instrument_name}: {result.score} ({result.band})"
    return create_task(
        practice=patient.practice,
        patient=patient,
        title=title,
        details="; ".join(result.reasons),
        due=local_today(patient.practice),
        assignee=assignee,
        priority=CareTask.Priority.URGENT if result.urgent else CareTask.Priority.HIGH,
        source=CareTask.Source.ASSESSMENT,
        source_key=str(assessment.uid),
    )


DISCHARGE_CLASSES = ("IMP", "EMER")


def for_discharge(encounter: Any, today: dt.date | None = None) -> CareTask | None:
    """An inpatient or ED encounter still in its transition period: a follow-up contact task
    for the coordinator, due 2 business days after (ccm.rules.care_transitions)."""
    if encounter.encounter_class not in DISCHARGE_CLASSES:
        return None
    patient = encounter.patient
    today = today or local_today(patient.practice)
    if not in_transition_period(encounter.date, today):
        return None
    kind = "ED visit" if encounter.encounter_class == "EMER" else "hospital discharge"
    return create_task(
        practice=patient.practice,
        patient=patient,
        title=f"Follow up after {kind} on {encounter.date:%Y-%m-%d}",
        details="Care-transition follow-up (cms-rules §6): reach the patient, reconcile medicines.",
        due=contact_due(encounter.date),
        assignee=patient.coordinator,
        priority=CareTask.Priority.HIGH,
        source=CareTask.Source.DISCHARGE,
        source_key=f"encounter:{encounter.pk}",
    )


def sweep_discharges(practice: Any, today: dt.date | None = None) -> int:
    """Follow-up tasks for the practice's discharges still in their transition period that have
    none (after a bulk import, whose rows send no signals). Returns how many were made."""
    from ccm.rules.care_transitions import TRANSITION_PERIOD_DAYS
    from ccmweb.patients.models import Encounter

    today = today or local_today(practice)
    made = 0
    rows = Encounter.objects.filter(
        patient__practice=practice,
        encounter_class__in=DISCHARGE_CLASSES,
        date__gte=today - dt.timedelta(days=TRANSITION_PERIOD_DAYS),
        date__lte=today,
    ).select_related("patient__practice", "patient__coordinator")
    for encounter in rows:
        before = by_key(CareTask.Source.DISCHARGE, [f"encounter:{encounter.pk}"])
        if before.exists():
            continue
        made += for_discharge(encounter, today) is not None
    return made


def for_care_plan(plan: Any, content: dict[str, Any], *, by: Any = None) -> list[CareTask]:
    """A task per goal due date (review the goal) and per intervention due date (do it), for
    whoever the plan makes responsible: the billing practitioner or the coordinator."""
    from ccmweb.careplans.content import normalize

    patient = plan.patient
    practitioner = billing_practitioner_user(patient)
    wanted: list[tuple[str, str, dt.date, Any]] = []  # (source key, title, due, assignee)
    for problem in normalize(content)["problems"]:
        for goal in problem["goals"]:
            if not goal["due"] or goal["status"] in ("met", "not_met"):
                continue
            wanted.append(
                (
                    f"{plan.uid}:goal:{goal['id']}:{goal['due']}",
                    f"Review goal: {goal['goal']} ({goal['target']})",
                    dt.date.fromisoformat(goal["due"]),
                    patient.coordinator,
                )
            )
        for item in problem["interventions"]:
            if not item["due"]:
                continue
            owner = item["owner"].lower()
            wanted.append(
                (
                    f"{plan.uid}:{problem['code']}:{item['intervention'][:40]}:{item['due']}",
                    f"{item['intervention']} ({problem['display']})",
                    dt.date.fromisoformat(item["due"]),
                    practitioner if "practitioner" in owner else patient.coordinator,
                )
            )
    return _keyed_tasks(patient, CareTask.Source.CARE_PLAN, wanted, by)


def _keyed_tasks(
    patient: Any, source: str, wanted: list[tuple[str, str, dt.date, Any]], by: Any
) -> list[CareTask]:
    """create_task for each (source key, title, due, assignee) of one patient, in one INSERT:
    a key already made (earlier, by another request meanwhile, or twice in WANTED) gives that
    task. Signing a plan made ~8 tasks one by one, four statements each (a demo's 450 plans:
    two fifths of `ccm demo`'s time, profiled). bulk_create sends no post_save, so the
    patient's worklist standing is marked stale here, as the signal marks it for one task."""
    from ccmweb.timelog.worklist_state import mark_patients

    tasks = [
        new_task(
            practice=patient.practice,
            patient=patient,
            title=title,
            due=due,
            assignee=assignee,
            source=source,
            source_key=key,
            by=by,
        )
        for key, title, due, assignee in wanted
    ]
    keys = [task.source_key for task in tasks]
    known = {t.source_key: t for t in by_key(source, keys)}
    new: dict[str, CareTask] = {}
    for task in tasks:
        if task.source_key not in known:
            new.setdefault(task.source_key, task)
    if new:
        CareTask.objects.bulk_create(new.values(), ignore_conflicts=True)
        made = by_key(source, list(new))
        known |= {t.source_key: t for t in made}
        mark_patients([patient.pk])
    return [known[key] for key in keys]


@transaction.atomic
def return_signoff(
    claim: Any, *, reason: str, by: Any, now: dt.datetime | None = None
) -> SignoffReturn:
    """The practitioner sends a month's draft claim back with a reason: a task for the patient's
    coordinator; the claim leaves the sign-off queue until that task is done."""
    reason = reason.strip()
    if not reason:
        raise TaskError("Reason: say what the coordinator should fix.")
    if claim.status != "draft":
        raise TaskError("Claim: only a claim waiting for sign-off can be returned.")
    if open_return(claim) is not None:
        raise TaskError("Claim: already returned to the coordinator.")
    now = now or timezone.now()
    patient = claim.patient
    task = create_task(
        practice=claim.practice,
        patient=patient,
        title=f"Month sign-off returned ({claim.month:%Y-%m}): fix and resubmit",
        details=reason,
        due=local_today(claim.practice, now),
        assignee=patient.coordinator,
        priority=CareTask.Priority.HIGH,
        source=CareTask.Source.SIGNOFF,
        by=by,
    )
    return SignoffReturn.objects.create(
        organization=claim.organization,
        claim=claim,
        reason=reason,
        returned_by=by,
        returned_at=now,
        task=task,
    )


def open_return(claim: Any) -> SignoffReturn | None:
    return SignoffReturn.objects.filter(claim=claim, task__status=CareTask.Status.OPEN).first()


def due_by_patient(patient_ids: list[int], now: dt.datetime) -> dict[int, int]:
    """Open tasks for the patient's coordinator due today or earlier (on each practice's clock),
    per patient: the day plan's source of tasks (timelog.worklist.DUE_SOURCES). A task for the
    practitioner waits in their queue, not on the coordinator's day plan."""
    latest = now.astimezone(dt.UTC).date() + dt.timedelta(days=1)  # no zone is a day ahead of that
    rows = CareTask.objects.filter(
        patient_id__in=IdList(patient_ids),
        status=CareTask.Status.OPEN,
        due__lte=latest,
        assignee=F("patient__coordinator"),
    ).values_list("patient_id", "due", "practice__time_zone")  # tuples: a page has hundreds
    today: dict[str, dt.date] = {}
    found: dict[int, int] = {}
    for patient_id, due, time_zone in rows:
        if time_zone not in today:
            today[time_zone] = now.astimezone(ZoneInfo(time_zone)).date()
        if patient_id is not None and due <= today[time_zone]:
            found[patient_id] = found.get(patient_id, 0) + 1
    return found
