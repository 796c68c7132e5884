"""Refresh one practice-month's facts: set-based aggregates, written in one transaction.

Money, minutes, calls and codes are GROUP BY queries over the month's claims, ledger rows,
time entries and outreach (a handful of queries whatever the practice's size). Enrollment and
the outcome cohorts need each patient's consent history, so they read one row per consent
record and classify in Python; eligibility asks the rules through the enrollment gap audit
(`imports.audit.compute`): a rule is never rewritten as SQL (DESIGN.md, the core owns every
CMS fact). The month's old rows are deleted and the new ones inserted in the same transaction,
so a page never sees half a month."""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from ccm.periods import BillingMonth
from ccm.reports import measures
from ccm.rules.fees import FeeScheduleError
from ccmweb.billing.models import Claim, ClaimLine, Denial, LedgerEntry
from ccmweb.enrollment.models import ConsentRecord
from ccmweb.imports.models import Measurement
from ccmweb.patients.models import Condition, Encounter, Patient
from ccmweb.tenants.models import Membership, Practice, Role
from ccmweb.timelog.models import OutreachAttempt, TimeEntry

from .models import CodeMonth, CoordinatorMonth, OutcomeMonth, PracticeMonth

log = logging.getLogger(__name__)
ZERO = Decimal("0.00")
#: Claims that never were or no longer are a bill (a void, one replaced by its correction).
NOT_BILLED = (Claim.Status.VOID, Claim.Status.REPLACED)
READMISSION_DAYS = 30  # "30-day readmission": an admission within 30 days of the previous one


def month_span(practice: Practice, month: BillingMonth) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of MONTH in the practice's time zone, as aware datetimes."""
    zone = ZoneInfo(practice.time_zone)
    start = dt.datetime.combine(month.first, dt.time(), zone)
    return start, dt.datetime.combine(month.next().first, dt.time(), zone)


@dataclass
class Consents:
    """Each patient's consent history as the month sees it."""

    active: set[int] = field(default_factory=set)  # enrolled at some time in the month
    consented: set[int] = field(default_factory=set)  # accepted, effective in the month
    revoked: Counter[str] = field(default_factory=Counter)  # reasons of the month's revocations
    first_enrolled: dict[int, dt.date] = field(default_factory=dict)  # first accepted, ever


def consents(practice: Practice, month: BillingMonth) -> Consents:
    """Enrolled during MONTH: accepted on or before its last day and not declined or revoked
    before its first (a revocation takes effect at the end of its month, cms-rules §3)."""
    rows = (
        ConsentRecord.objects.filter(
            organization_id=practice.organization_id, patient__practice=practice
        )
        .order_by("patient_id", "effective_date", "obtained_at", "pk")
        .values_list("patient_id", "decision", "effective_date", "decline_reason")
    )
    found = Consents()
    state: dict[int, str] = {}
    for patient, decision, day, reason in rows.iterator(chunk_size=10000):
        if decision == ConsentRecord.Decision.ACCEPTED:
            found.first_enrolled.setdefault(patient, day)
        if day > month.last:
            continue
        if day < month.first:
            state[patient] = decision
            continue
        if decision == ConsentRecord.Decision.ACCEPTED:
            found.consented.add(patient)
            found.active.add(patient)
        elif decision == ConsentRecord.Decision.REVOKED:
            found.revoked[reason.strip() or "No reason given"] += 1
            if state.get(patient) == ConsentRecord.Decision.ACCEPTED:
                found.active.add(patient)  # enrolled to the end of the revocation's month
        state[patient] = decision
    found.active |= {p for p, decision in state.items() if decision == "accepted"}
    return found


def refresh_month(
    practice: Practice,
    month: BillingMonth,
    now: dt.datetime | None = None,
    eligibility: bool = True,
) -> PracticeMonth:
    """Recompute PRACTICE's facts for MONTH and replace its rows; returns the practice row.
    ELIGIBILITY False skips the rules' audit (eligible and potential stay unknown)."""
    now = now or timezone.now()
    org = practice.organization_id
    start, end = month_span(practice, month)
    seen = consents(practice, month)
    eligible: set[int] | None = None
    potential: Decimal | None = None
    basis = ""
    if eligibility:
        eligible, potential, basis = _eligible(practice, month)

    claims = Claim.objects.filter(
        organization_id=org, practice=practice, month=month.first, current=True
    ).exclude(status__in=NOT_BILLED)
    money = claims.aggregate(
        claims=Count("pk"),
        patients=Count("patient_id", distinct=True),
        charges=Sum("total_charge"),
        billed=Sum("expected"),
        denied=Sum("expected", filter=Q(status=Claim.Status.DENIED)),
        sent_charges=Sum("total_charge", filter=Q(sent_at__isnull=False)),
    )
    posted = dict(
        LedgerEntry.objects.filter(organization_id=org, claim__in=claims, remittance__isnull=False)
        .values("kind")
        .annotate(total=Sum("amount"))
        .values_list("kind", "total")
    )
    paid = (posted.get("paid") or ZERO) + (posted.get("reversal") or ZERO)
    adjusted = posted.get("adjusted") or ZERO
    patient_share = posted.get("patient") or ZERO
    denied_reasons: dict[str, Decimal] = defaultdict(Decimal)
    for reasons, amount in Denial.objects.filter(
        organization_id=org, claim__in=claims.filter(status=Claim.Status.DENIED)
    ).values_list("reasons", "claim__expected"):
        denied_reasons[(reasons or ["No reason given"])[0][:120]] += amount

    time = TimeEntry.objects.filter(
        organization_id=org,
        patient__practice=practice,
        started_at__gte=start,
        started_at__lt=end,
        countable=True,
        amendments__isnull=True,  # an amended entry is replaced by its amendment
    )
    minutes = time.aggregate(minutes=Sum("minutes"), patients=Count("patient_id", distinct=True))
    fact = PracticeMonth(
        organization_id=org,
        practice=practice,
        month=month.first,
        patients=Patient.objects.filter(organization_id=org, practice=practice)
        .exclude(deceased_date__lt=month.first)
        .count(),
        eligible=None if eligible is None else len(eligible),
        eligible_open=None if eligible is None else len(eligible - seen.active),
        consented=len(seen.consented),
        active=len(seen.active),
        billed_patients=money["patients"] or 0,
        revoked=sum(seen.revoked.values()),
        revoked_reasons=dict(seen.revoked),
        minutes=minutes["minutes"] or 0,
        patients_with_minutes=minutes["patients"] or 0,
        claims=money["claims"] or 0,
        charges=money["charges"] or ZERO,
        billed=money["billed"] or ZERO,
        paid=paid,
        adjusted=adjusted,
        patient_responsibility=patient_share,
        denied=money["denied"] or ZERO,
        denied_reasons={k: f"{v:.2f}" for k, v in denied_reasons.items()},
        open_balance=(money["sent_charges"] or ZERO) - paid - adjusted - patient_share,
        potential=potential,
        fee_basis=basis,
        refreshed_at=now,
    )
    codes = [
        CodeMonth(
            organization_id=org,
            practice=practice,
            month=month.first,
            code=row["code"],
            units=row["units"] or 0,
            amount=row["amount"] or ZERO,
        )  # fmt: skip
        for row in ClaimLine.objects.filter(organization_id=org, claim__in=claims)
        .values("code")
        .annotate(units=Sum("units"), amount=Sum("expected"))
    ]
    coordinators = _coordinators(practice, month, time, claims, seen.active, start, end)
    outcomes = _outcomes(practice, month, seen, eligible)
    with transaction.atomic():
        for model in (PracticeMonth, CodeMonth, CoordinatorMonth, OutcomeMonth):
            model.objects.filter(organization_id=org, practice=practice, month=month.first).delete()
        fact.save()
        CodeMonth.objects.bulk_create(codes)
        CoordinatorMonth.objects.bulk_create(coordinators)
        OutcomeMonth.objects.bulk_create(outcomes)
    return fact


def _eligible(
    practice: Practice, month: BillingMonth
) -> tuple[set[int] | None, Decimal | None, str]:
    """Patients the rules find eligible as of the month's end, and what they would bring a
    month at the practice's fee rates (the enrollment gap audit, imports/audit.py)."""
    from ccmweb.imports.audit import compute

    eligible: set[int] = set()
    cents = 0

    def keep(rows: list[Any]) -> None:  # eligible with Part B known, alive (docs/reports.md)
        nonlocal cents
        for row in rows:
            standing = row[4]
            if standing.eligible and standing.coverage == "part_b" and not standing.deceased:
                eligible.add(row[2])
                cents += standing.expected_cents

    try:
        audit = compute(practice, month, keep)
    except FeeScheduleError as error:  # no fee year loaded: eligibility without the money
        log.warning("report refresh: no fees for %s: %s", month, error.__class__.__name__)
        return None, None, ""
    return eligible, Decimal(cents) / 100, audit.fee_basis


def _coordinators(
    practice: Practice,
    month: BillingMonth,
    time: Any,
    claims: Any,
    active: set[int],
    start: dt.datetime,
    end: dt.datetime,
) -> list[CoordinatorMonth]:
    """One row per coordinator who logged time, called, or has patients assigned."""
    org = practice.organization_id
    rows: dict[int, Counter[str]] = defaultdict(Counter)
    for row in time.values("user_id").annotate(
        minutes=Sum("minutes"), patients=Count("patient_id", distinct=True)
    ):
        rows[row["user_id"]].update(minutes=row["minutes"] or 0, patients=row["patients"])
    calls = OutreachAttempt.objects.filter(
        organization_id=org, patient__practice=practice, at__gte=start, at__lt=end,
        channel=OutreachAttempt.Channel.CALL,
    )  # fmt: skip
    for row in calls.values("user_id").annotate(
        calls=Count("pk"), reached=Count("pk", filter=Q(outcome=OutreachAttempt.Outcome.REACHED))
    ):
        rows[row["user_id"]].update(calls=row["calls"], reached=row["reached"])
    for user, patient in Patient.objects.filter(
        organization_id=org, practice=practice, coordinator__isnull=False
    ).values_list("coordinator_id", "pk"):
        if patient in active:  # a set: no list of every enrolled id sent to the database
            rows[user]["assigned"] += 1
    for row in (
        claims.filter(patient__coordinator__isnull=False)
        .values("patient__coordinator_id")
        .annotate(patients=Count("patient_id", distinct=True))
    ):
        rows[row["patient__coordinator_id"]]["billed_patients"] = row["patients"]
    for row in (
        ClaimLine.objects.filter(organization_id=org, claim__in=claims)
        .filter(claim__patient__coordinator__isnull=False)
        .values("claim__patient__coordinator_id")
        .annotate(units=Sum("units"))
    ):
        rows[row["claim__patient__coordinator_id"]]["units"] = row["units"] or 0
    staff = _names(practice, rows)
    return [
        CoordinatorMonth(
            organization_id=org,
            practice=practice,
            month=month.first,
            user_id=user,
            name=staff.get(user, f"user {user}"),
            **counts,
        )  # fmt: skip
        for user, counts in rows.items()
        if user is not None
    ]


def _names(practice: Practice, users: Iterable[int]) -> dict[int, str]:
    """Display names of the organisation's members among USERS (user names otherwise)."""
    found = Membership.objects.filter(
        organization_id=practice.organization_id, user_id__in=list(users)
    ).values_list("user_id", "user__first_name", "user__last_name", "user__username", "role")
    return {
        user: (f"{first} {last}".strip() or username)
        + ("" if role == Role.COORDINATOR else f" ({Role(role).label.lower()})")
        for user, first, last, username, role in found
    }


def _outcomes(
    practice: Practice, month: BillingMonth, seen: Consents, eligible: set[int] | None
) -> list[OutcomeMonth]:
    """ED visits, admissions, 30-day readmissions, and CMS122/CMS165 as of the month's end,
    for three disjoint cohorts: enrolled in the month; later enrolled, before enrolling; and
    eligible but never enrolled (only when eligibility was decided)."""
    cohorts: dict[str, set[int]] = {
        OutcomeMonth.Cohort.ENROLLED: set(seen.active),
        OutcomeMonth.Cohort.BEFORE: {
            p for p, day in seen.first_enrolled.items() if day > month.last
        },
    }
    if eligible is not None:
        cohorts[OutcomeMonth.Cohort.ELIGIBLE] = eligible - set(seen.first_enrolled)
    everyone = set().union(*cohorts.values())
    if not everyone:
        return []
    org = practice.organization_id
    period = measures.Period.ending(month.last)
    in_practice = {"organization_id": org, "patient__practice": practice}
    visits: dict[int, list[tuple[dt.date, str]]] = defaultdict(list)
    for patient, day, kind in Encounter.objects.filter(
        **in_practice, date__gte=period.first - dt.timedelta(days=READMISSION_DAYS),
        date__lte=month.last,
    ).values_list("patient_id", "date", "encounter_class"):  # fmt: skip
        if patient in everyone:
            visits[patient].append((day, kind))
    births = dict(
        Patient.objects.filter(organization_id=org, practice=practice).values_list(
            "pk", "birth_date"
        )
    )
    diagnoses: dict[int, list[tuple[str, dt.date | None]]] = defaultdict(list)
    for patient, code, onset in (
        Condition.objects.filter(**in_practice, icd10_code__regex=r"^(E1[013]|I10)")
        .exclude(clinical_status__in=("inactive", "remission", "resolved"))
        .values_list("patient_id", "icd10_code", "onset_date")
    ):
        diagnoses[patient].append((code, onset))
    a1c: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    bp: dict[int, list[tuple[dt.date, int, int]]] = defaultdict(list)
    for patient, kind, day, value, value2 in Measurement.objects.filter(
        **in_practice, date__gte=period.first, date__lte=period.last,
        kind__in=(Measurement.Kind.HBA1C, Measurement.Kind.BLOOD_PRESSURE),
    ).values_list("patient_id", "kind", "date", "value", "value2"):  # fmt: skip
        if kind == Measurement.Kind.HBA1C:
            a1c[patient].append((day, value))
        elif value2 is not None:
            bp[patient].append((day, int(value), int(value2)))
    facts = []
    for cohort, patients in cohorts.items():
        row = OutcomeMonth(
            organization_id=org, practice=practice, month=month.first, cohort=cohort,
            patients=len(patients),
        )  # fmt: skip
        for patient in patients:
            days = visits.get(patient, [])
            admitted = sorted(d for d, k in days if k == Encounter.Class.INPATIENT)
            for day in admitted:
                if month.contains(day):
                    row.admissions += 1
                    earlier = [a for a in admitted if a < day]
                    if earlier and (day - earlier[-1]).days <= READMISSION_DAYS:
                        row.readmissions += 1
            row.ed_visits += sum(
                1 for d, k in days if k == Encounter.Class.EMERGENCY and month.contains(d)
            )
            visited = any(period.contains(d) for d, _ in days)
            birth = births.get(patient)
            if birth is None:
                continue
            poor = measures.hba1c_poor_control(
                birth, diagnoses.get(patient, []), visited, a1c.get(patient, []), period
            )
            if poor is not None:
                row.hba1c_denominator += 1
                row.hba1c_poor += int(poor)
            controlled = measures.bp_controlled(
                birth, diagnoses.get(patient, []), visited, bp.get(patient, []), period
            )
            if controlled is not None:
                row.bp_denominator += 1
                row.bp_controlled += int(controlled)
        facts.append(row)
    return facts


def refresh_months(
    practice: Practice,
    months: Iterable[BillingMonth],
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Refresh several months of PRACTICE, oldest first; how many."""
    chosen = sorted(set(months), key=lambda m: m.first)
    for done, month in enumerate(chosen, 1):
        refresh_month(practice, month)
        if progress:
            progress(done, len(chosen))
    return len(chosen)
