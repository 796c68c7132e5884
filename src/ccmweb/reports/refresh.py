"""Refresh one practice-month's facts: set-based aggregates, written in one transaction.

Money, minutes, calls and codes are GROUP BY queries over the month's claims, ledger rows,
time entries and outreach; enrollment, the cohorts and their outcomes are aggregates over a
temporary table of the month's cohorts (outcomes.py): a handful of queries whatever the
practice's size, no row per patient read into Python. Eligibility asks the rules through the
enrollment gap audit (`imports.audit.compute`): a rule is never rewritten as SQL (DESIGN.md, the
core owns every CMS fact); the quality measures' SQL takes every figure and code from the core
and is proven equal to its readable reference (outcomes.py). The month's old rows are deleted
and the new ones inserted in the same transaction, so a page never sees half a month."""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from ccm.periods import BillingMonth
from ccm.reports.exclusions import ValueSets
from ccm.rules.fees import FeeScheduleError
from ccmweb.billing.models import Claim, ClaimLine, Denial, LedgerEntry
from ccmweb.patients.models import Patient
from ccmweb.tenants.models import Membership, Practice, Role
from ccmweb.timelog.models import OutreachAttempt, TimeEntry

from . import outcomes
from .models import CodeMonth, CoordinatorMonth, OutcomeMonth, PracticeMonth

log = logging.getLogger(__name__)
ZERO = Decimal("0.00")
#: Claims that never were or no longer are a bill (a void, one replaced by its correction).
NOT_BILLED = (Claim.Status.VOID, Claim.Status.REPLACED)


def month_span(practice: Practice, month: BillingMonth) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of MONTH in the practice's time zone, as aware datetimes."""
    zone = ZoneInfo(practice.time_zone)
    start = dt.datetime.combine(month.first, dt.time(), zone)
    return start, dt.datetime.combine(month.next().first, dt.time(), zone)


def value_sets() -> ValueSets:
    """The measures' exclusion value sets: settings.MEASURE_VALUE_SETS, else the shipped file."""
    path = getattr(settings, "MEASURE_VALUE_SETS", None)
    return ValueSets.load(Path(path) if path else None)


def refresh_month(
    practice: Practice,
    month: BillingMonth,
    now: dt.datetime | None = None,
    eligibility: bool = True,
) -> PracticeMonth:
    """Recompute PRACTICE's facts for MONTH and replace its rows; returns the practice row.
    ELIGIBILITY False skips the rules' audit (eligible and potential stay unknown)."""
    now = now or timezone.now()
    eligible: set[int] | None = None
    potential: Decimal | None = None
    basis = ""
    if eligibility:
        eligible, potential, basis = _eligible(practice, month)
    with transaction.atomic():  # the temporary tables live in one transaction's connection
        with outcomes.cohort_table(practice, month, eligible):
            seen = outcomes.enrollment(practice, month, eligible is not None)
            cohorts = outcomes.outcomes(practice, month, value_sets(), eligible is not None)
            assigned = outcomes.assigned(practice)
        return _write(practice, month, now, seen, cohorts, assigned, eligible, potential, basis)


def _write(
    practice: Practice,
    month: BillingMonth,
    now: dt.datetime,
    seen: outcomes.Enrollment,
    cohorts: dict[str, outcomes.Outcome],
    assigned: dict[int, int],
    eligible: set[int] | None,
    potential: Decimal | None,
    basis: str,
) -> PracticeMonth:
    """The month's money, minutes and codes, then every fact row replaced."""
    org = practice.organization_id
    start, end = month_span(practice, month)

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
        eligible_open=seen.eligible_open,
        consented=seen.consented,
        active=seen.active,
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
    coordinators = _coordinators(practice, month, time, claims, assigned, start, end)
    facts = [
        OutcomeMonth(organization_id=org, practice=practice, month=month.first, cohort=cohort,
                     **vars(outcome))
        for cohort, outcome in cohorts.items()
    ]  # fmt: skip
    for model in (PracticeMonth, CodeMonth, CoordinatorMonth, OutcomeMonth):
        model.objects.filter(organization_id=org, practice=practice, month=month.first).delete()
    fact.save()
    CodeMonth.objects.bulk_create(codes)
    CoordinatorMonth.objects.bulk_create(coordinators)
    OutcomeMonth.objects.bulk_create(facts)
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
    assigned: dict[int, int],
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
    for user, count in assigned.items():
        rows[user]["assigned"] = count
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
