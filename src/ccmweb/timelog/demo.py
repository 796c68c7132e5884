"""`ccm demo` hook: time, outreach and MDM for the enrolled demo patients (tenants/demo_context.py).

Last month gets enough time that most CCM patients bill (99490, some with 99439 units, some
complex 99487 with moderate MDM); this month so far is varied, and `coordinator`'s worklist
opens on a patient with no time yet. Days are before `context.today` only (never the future),
and each staff member's entries are laid end to end from 08:00, so none overlap.

Idempotent: a patient with any outreach attempt has been seeded (every seeded patient gets a
check-in letter); each patient's amounts come from a generator seeded with the patient's id,
so a rerun, or a bigger demo, adds only the new patients' records.
"""

import datetime as dt
import random
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

from ccm.periods import BillingMonth

from .models import Activity, MonthMDM, OutreachAttempt, Performer, TimeEntry
from .month_case import enrollment_facts_for

DAY_START, DAY_END = dt.time(8, 0), dt.time(20, 0)
ACTIVITIES = [a.value for a in Activity if a != Activity.OTHER]


class Day:
    """Free time of each staff member per day: a cursor that moves as entries are laid down."""

    def __init__(self, tz: ZoneInfo, users: list[Any], since: dt.date) -> None:
        self.tz = tz
        self.cursor: dict[tuple[int, dt.date], dt.datetime] = {}
        start = dt.datetime.combine(since, dt.time(), tzinfo=tz)
        for user_id, ended in TimeEntry.objects.filter(
            user__in=users, ended_at__gte=start
        ).values_list("user_id", "ended_at"):
            key = (user_id, ended.astimezone(tz).date())
            self.cursor[key] = max(self.cursor.get(key, ended), ended)

    def place(self, user: Any, day: dt.date, minutes: int) -> dt.datetime | None:
        key = (user.pk, day)
        start = self.cursor.get(key) or dt.datetime.combine(day, DAY_START, tzinfo=self.tz)
        end = start + dt.timedelta(minutes=minutes)
        if end > dt.datetime.combine(day, DAY_END, tzinfo=self.tz):
            return None
        self.cursor[key] = end + dt.timedelta(minutes=5)
        return start


def _days(month: BillingMonth, before: dt.date, not_before: dt.date) -> list[dt.date]:
    first = max(month.first, not_before)
    last = min(month.last, before - dt.timedelta(days=1))
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    cuts = sorted(rng.sample(range(1, total), parts - 1)) if total > parts else []
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=False)] or [total]


def seed(context: Any) -> None:
    today, practice = context.today, context.practice
    tz = ZoneInfo(practice.time_zone)
    this_month = BillingMonth.of(today)
    last_month = this_month.previous()
    patients = list(
        context.patients.filter(deceased_date__isnull=True, coordinator__isnull=False)
        .exclude(outreach_attempts__isnull=False)
        .select_related("coordinator")
        .order_by("pk")
    )
    facts = enrollment_facts_for([p.pk for p in patients], this_month)
    practitioner = context.practitioners[0]
    users = [u for u in context.users.values() if u is not None]
    history = tuple(m for m in context.history if m < last_month)
    slots = Day(tz, users, min((last_month, *history)).first)
    entries: list[TimeEntry] = []
    attempts: list[OutreachAttempt] = []
    mdm: list[MonthMDM] = []
    first_of_coordinator = True
    for patient in patients:
        rng = random.Random(f"ccm-demo-timelog-{patient.pk}")
        enrolled = facts.get(patient.pk)
        program = getattr(enrolled, "program", None)
        consent = getattr(enrolled, "consent_date", None)
        attempts.append(
            OutreachAttempt(
                organization=context.organization,
                patient=patient,
                user=patient.coordinator,
                at=dt.datetime.combine(last_month.first, dt.time(9), tzinfo=tz),
                channel="letter",
                outcome="sent",
                note="Monthly check-in letter",
            )
        )
        if program not in ("ccm", "pcm") or consent is None:
            continue
        # This month: the first CCM patient of `coordinator` gets nothing yet, to top the worklist.
        plans = {
            last_month: rng.choices([0, 14, 25, 45, 65, 95], [1, 2, 4, 3, 2, 1])[0],
            this_month: rng.choices([0, 8, 15, 24, 42], [3, 3, 2, 3, 2])[0],
        }
        for month in history:  # the FQHC's months across the G0511 transition
            plans[month] = rng.choices([0, 14, 25, 45, 65, 95], [1, 2, 4, 3, 2, 1])[0]
        if first_of_coordinator and patient.coordinator.get_username() == "coordinator":
            plans[this_month], first_of_coordinator = 0, False
        for month, total in plans.items():
            days = _days(month, today, consent)
            if not total or not days:
                continue
            parts = _split(total, min(len(days), 1 + total // 15), rng)
            for minutes in parts:
                if minutes < 1:
                    continue
                day = rng.choice(days)
                start = slots.place(patient.coordinator, day, minutes)
                if start is None:
                    continue
                entries.append(
                    TimeEntry(
                        organization=context.organization,
                        patient=patient,
                        user=patient.coordinator,
                        performer=Performer.CLINICAL_STAFF,
                        program=program,
                        activity=rng.choice(ACTIVITIES),
                        started_at=start,
                        ended_at=start + dt.timedelta(minutes=minutes),
                        minutes=minutes,
                        note="Demo entry",
                    )
                )
            if total >= 60 and rng.random() < 0.5 and practitioner.user is not None:
                mdm.append(
                    MonthMDM(
                        organization=context.organization,
                        patient=patient,
                        month=month.first,
                        level="moderate",
                        recorded_by=practitioner.user,
                    )
                )
        for _ in range(rng.choice([0, 0, 1, 2, 3])):
            days = _days(this_month, today, this_month.first)
            if not days:
                break
            at = dt.datetime.combine(rng.choice(days), dt.time(rng.randint(9, 16)), tzinfo=tz)
            outcome = rng.choices(
                ["reached", "no_answer", "voicemail", "wrong_number"], [3, 3, 2, 1]
            )[0]
            attempts.append(
                OutreachAttempt(
                    organization=context.organization,
                    patient=patient,
                    user=patient.coordinator,
                    at=at,
                    channel=rng.choice(["call", "call", "sms", "portal"]),
                    outcome=outcome,
                    next_contact=today + dt.timedelta(days=rng.randint(1, 10))
                    if outcome != "reached"
                    else None,
                )
            )
    TimeEntry.objects.bulk_create(entries, batch_size=1000)
    OutreachAttempt.objects.bulk_create(attempts, batch_size=1000)
    existing = set(MonthMDM.objects.values_list("patient_id", "month"))
    MonthMDM.objects.bulk_create(
        [m for m in mdm if (m.patient_id, m.month) not in existing], batch_size=1000
    )
    tally: dict[str, int] = defaultdict(int)
    for entry in entries:
        tally[str(BillingMonth.of(entry.started_at.astimezone(tz).date()))] += entry.minutes
    context.stdout.write(
        f"timelog: {len(entries)} time entries ({dict(tally)} minutes), "
        f"{len(attempts)} outreach attempts, {len(mdm)} MDM notes"
    )
