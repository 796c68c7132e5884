"""Logging time: who counts, where an entry sits in the day, and the rules it must keep.

Rules (issue 5): no overlapping intervals for one staff member; no time in the future; no new
entries in a closed month (amend an entry instead); time by a role that cannot count is kept
but marked non-countable. Writers serialise per (organisation, user) by locking the user's
membership row, so concurrent requests cannot slip an overlap past the check.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from ccm.periods import BillingMonth
from ccmweb.patients.models import Patient
from ccmweb.patients.picture import TIMELINE, kept
from ccmweb.tenants.localtime import local_today
from ccmweb.tenants.models import Membership, Role

from .models import MonthMDM, OutreachAttempt, Performer, RunningTimer, TimeEntry
from .month_case import enrollment_facts_for, zone

MAX_MINUTES = 600


class TimeError(ValueError):
    """A time entry breaks a rule; the message names the field at fault and no patient data."""


def is_month_closed(practice: Any, month: BillingMonth) -> bool:
    """The billing app decides (imported here: billing imports timelog's month cases)."""
    from ccmweb.billing.services import is_month_closed as closed

    return bool(closed(practice, month))


def _hold_open_month(practice: Any, month: BillingMonth) -> None:
    """Inside the entry's transaction: wait for a close of MONTH that is running, then refuse
    the entry if the month is closed (checked before the lock, a close could slip between)."""
    from ccmweb.billing.services import lock_month

    lock_month(practice, month)
    if is_month_closed(practice, month):
        raise TimeError(f"Date: {month} is closed; amend an entry instead.")


def performer_for(user: Any, role: str | None, patient: Patient, day: dt.date) -> tuple[str, bool]:
    """(performer, countable) from the user's role (cms-rules §7)."""
    if role == Role.COORDINATOR:
        return Performer.CLINICAL_STAFF, True
    if role == Role.PRACTITIONER:
        facts = enrollment_facts_for([patient.pk], BillingMonth.of(day)).get(patient.pk)
        billing = getattr(facts, "billing_practitioner", None)
        billing_user = getattr(billing, "user_id", None)
        if billing_user is not None and billing_user == user.pk:
            return Performer.PRACTITIONER, True
        return Performer.CLINICAL_STAFF, True
    return Performer.OTHER, False


def _lock(organization: Any, user: Any) -> None:
    """Serialise one staff member's writers: a row lock on their membership (PostgreSQL)."""
    list(
        Membership.objects.select_for_update()
        .filter(organization=organization, user=user)
        .values_list("pk", flat=True)
    )


def _overlapping(
    user: Any, start: dt.datetime, end: dt.datetime, replacing: TimeEntry | None
) -> TimeEntry | None:
    """The user's standing entry that overlaps [start, end), other than the one being amended."""
    found = TimeEntry.objects.filter(user=user, started_at__lt=end, ended_at__gt=start).exclude(
        amendments__isnull=False
    )
    if replacing is not None:
        found = found.exclude(pk=replacing.pk)
    return found.first()


def _free_slot(
    user: Any, day: dt.date, minutes: int, practice: Any, now: dt.datetime
) -> tuple[dt.datetime, dt.datetime]:
    """The latest free stretch of MINUTES in the user's day: ending now today, else at 17:00."""
    tz = zone(practice.time_zone)
    day_start = dt.datetime.combine(day, dt.time(), tzinfo=tz)
    end = (
        now
        if day == now.astimezone(tz).date()
        else dt.datetime.combine(day, dt.time(17), tzinfo=tz)
    )
    taken = list(
        TimeEntry.objects.filter(user=user, started_at__lt=end, ended_at__gt=day_start).order_by(
            "-ended_at"
        )
    )
    for _ in range(len(taken) + 1):
        start = end - dt.timedelta(minutes=minutes)
        clash = next((t for t in taken if t.started_at < end and t.ended_at > start), None)
        if clash is None:
            break
        end = min(end, clash.started_at)
    if start < day_start:
        raise TimeError("Date: no free time left in your day for that many minutes.")
    return start, end


@dataclass(frozen=True)
class NewTime:
    """What a user entered: minutes and when, for which program and activity."""

    minutes: int
    activity: str
    program: str = "ccm"
    note: str = ""
    day: dt.date | None = None
    start: dt.datetime | None = None


def add_time(
    request_user: Any,
    role: str | None,
    organization: Any,
    patient: Patient,
    new: NewTime,
    *,
    now: dt.datetime | None = None,
    amends: TimeEntry | None = None,
) -> TimeEntry:
    """Save one entry after checking the rules; raises TimeError naming the field at fault."""
    now = now or timezone.now()
    if not 0 < new.minutes <= MAX_MINUTES:
        raise TimeError(f"Minutes: enter a whole number from 1 to {MAX_MINUTES}.")
    practice = patient.practice
    today = local_today(practice, now)
    day = new.day or (new.start.astimezone(zone(practice.time_zone)).date() if new.start else today)
    if day > today:
        raise TimeError("Date: time cannot be logged in the future.")
    if new.start is not None and new.start + dt.timedelta(minutes=new.minutes) > now:
        raise TimeError("Start: the time would end in the future.")
    if amends is None and is_month_closed(practice, BillingMonth.of(day)):  # say so at once
        raise TimeError(f"Date: {BillingMonth.of(day)} is closed; amend an entry instead.")
    performer, countable = performer_for(request_user, role, patient, day)
    with transaction.atomic():
        _lock(organization, request_user)
        if amends is None:
            _hold_open_month(practice, BillingMonth.of(day))
        if new.start is not None:
            start, end = new.start, new.start + dt.timedelta(minutes=new.minutes)
        elif amends is not None and amends.user_id == request_user.pk:
            start = amends.started_at
            end = start + dt.timedelta(minutes=new.minutes)
        else:
            start, end = _free_slot(request_user, day, new.minutes, practice, now)
        if _overlapping(request_user, start, end, amends) is not None:
            raise TimeError("Start: overlaps another entry of yours; choose another time.")
        return TimeEntry.objects.create(
            organization=organization,
            patient=patient,
            user=request_user,
            performer=performer,
            program=new.program,
            activity=new.activity,
            started_at=start,
            ended_at=end,
            minutes=new.minutes,
            note=new.note,
            countable=countable,
            amends=amends,
        )


# --- the timer ---------------------------------------------------------------------------------


def timer_of(user: Any) -> RunningTimer | None:
    return RunningTimer.objects.filter(user=user).select_related("patient").first()


def start_timer(
    user: Any, organization: Any, patient: Patient, now: dt.datetime | None = None
) -> RunningTimer:
    """Start (one per user): a timer already running elsewhere must be stopped first."""
    now = now or timezone.now()
    with transaction.atomic():
        _lock(organization, user)
        timer = timer_of(user)
        if timer is not None and timer.patient_id != patient.pk:
            raise TimeError("Timer: you have a timer running for another patient; stop it first.")
        if timer is not None:
            return timer
        return RunningTimer.objects.create(
            organization=organization, user=user, patient=patient, started_at=now
        )


def pause_timer(timer: RunningTimer, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    if timer.paused_at is None:
        timer.accumulated_seconds = timer.elapsed_seconds(now)
        timer.paused_at = now
        timer.save(update_fields=["accumulated_seconds", "paused_at"])


def resume_timer(timer: RunningTimer, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    if timer.paused_at is not None:
        timer.paused_at = None
        timer.started_at = now
        timer.save(update_fields=["paused_at", "started_at"])


def stop_timer(
    user: Any,
    role: str | None,
    organization: Any,
    timer: RunningTimer,
    activity: str,
    program: str,
    note: str,
    now: dt.datetime | None = None,
) -> TimeEntry | None:
    """Save the timed minutes as an entry ending now (None when under a minute) and clear it."""
    now = now or timezone.now()
    minutes = timer.elapsed_seconds(now) // 60
    entry = None
    if minutes:
        start = now - dt.timedelta(minutes=minutes)
        entry = add_time(
            user,
            role,
            organization,
            timer.patient,
            NewTime(minutes, activity, program, note, start=start),
            now=now,
        )
    timer.delete()
    return entry


def discard_timer(timer: RunningTimer) -> None:
    """Throw a timer away unsaved: a timer started on the wrong patient or left running over
    lunch must not become billable time, and nothing was recorded yet, so nothing is lost."""
    timer.delete()


# --- outreach and MDM --------------------------------------------------------------------------


def log_outreach(
    user: Any,
    organization: Any,
    patient: Patient,
    channel: str,
    outcome: str,
    next_contact: dt.date | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> OutreachAttempt:
    now = now or timezone.now()
    if next_contact is not None and next_contact < local_today(patient.practice, now):
        raise TimeError("Next contact: choose today or a later date.")
    return OutreachAttempt.objects.create(
        organization=organization,
        patient=patient,
        user=user,
        at=now,
        channel=channel,
        outcome=outcome,
        next_contact=next_contact,
        note=note,
    )


def record_mdm(
    user: Any, organization: Any, patient: Patient, month: BillingMonth, level: str
) -> MonthMDM:
    row, _ = MonthMDM.objects.update_or_create(
        organization=organization,
        patient=patient,
        month=month.first,
        defaults={"level": level, "recorded_by": user},
    )
    return row


def latest_entries(patient: Any) -> list[TimeEntry]:
    """The patient's latest time entries, newest first (the timeline's and the time panel's)."""
    return kept(
        patient,
        "time_entries",
        lambda: list(
            TimeEntry.objects.filter(patient=patient)
            .select_related("user")
            .order_by("-started_at")[:TIMELINE]
        ),
    )


def latest_outreach(patient: Any) -> list[OutreachAttempt]:
    """The patient's latest outreach attempts, newest first (the timeline's and the panel's)."""
    return kept(
        patient,
        "outreach",
        lambda: list(
            OutreachAttempt.objects.filter(patient=patient)
            .select_related("user")
            .order_by("-at")[:TIMELINE]
        ),
    )
