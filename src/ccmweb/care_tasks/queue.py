"""The practitioner's queue, gathered: each list is one query (plus prefetches) and pages."""

from typing import Any

from django.core.paginator import Paginator
from django.db.models import Case, Exists, IntegerField, OuterRef, Value, When

from ccm.periods import BillingMonth
from ccmweb.accounts.audit import log_patients_shown
from ccmweb.tenants.http import MemberRequest, in_practices
from ccmweb.timelog.month_case import month_bounds

from .models import CareTask, SignoffReturn

PRIORITY_FIRST = Case(
    *(When(priority=p, then=Value(n)) for n, p in enumerate(("urgent", "high", "normal", "low"))),
    output_field=IntegerField(),
).asc()

PAGE_SIZE = 50


def plans_to_sign(request: MemberRequest) -> list[Any]:
    """Latest versions not yet signed, of patients whose billing practitioner is this user."""
    from ccmweb.careplans.models import CarePlanVersion
    from ccmweb.enrollment.models import Enrollment

    mine = Enrollment.objects.filter(
        patient=OuterRef("care_plan__patient"), billing_practitioner__user=request.user
    )
    newer = CarePlanVersion.objects.filter(
        care_plan=OuterRef("care_plan"), number__gt=OuterRef("number")
    )
    rows = (
        in_practices(CarePlanVersion.objects, request, "care_plan__patient__practice")
        .filter(signed_at__isnull=True)
        .filter(Exists(mine))
        .exclude(Exists(newer))
        .select_related("care_plan__patient", "created_by")
        .order_by("created_at", "pk")
    )
    return list(rows[:PAGE_SIZE])


def signoffs(request: MemberRequest) -> Any:
    """Draft claims waiting for sign-off, not returned to the coordinator, with the month's
    minutes, the notes of its time entries and the audit packet."""
    from ccmweb.billing.models import Claim

    returned = SignoffReturn.objects.filter(claim=OuterRef("pk"), task__status=CareTask.Status.OPEN)
    rows = (
        in_practices(Claim.objects, request)
        .filter(status=Claim.Status.DRAFT, current=True)
        .exclude(Exists(returned))
        .select_related("patient", "practice", "patient_month")
        .prefetch_related("lines")
        .order_by("month", "pk")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for claim in page.object_list:
        start, end = month_bounds(BillingMonth.of(claim.month), claim.practice.time_zone)
        claim.notes = list(  # type: ignore[attr-defined]  # the month's notes, for the queue's template
            claim.patient.time_entries.filter(started_at__gte=start, started_at__lt=end)
            .exclude(note="")
            .order_by("started_at")
            .values_list("note", flat=True)[:10]
        )
    return page


def my_tasks(request: MemberRequest) -> list[CareTask]:
    rows = (
        in_practices(CareTask.objects, request)
        .filter(assignee=request.user, status=CareTask.Status.OPEN)
        .select_related("patient")
        .order_by(PRIORITY_FIRST, "due", "pk")
    )
    return list(rows[:PAGE_SIZE])


def queue_context(request: MemberRequest) -> dict[str, Any]:
    plans = plans_to_sign(request)
    claims = signoffs(request)
    tasks = my_tasks(request)
    log_patients_shown(
        request,
        [v.care_plan.patient for v in plans]
        + [c.patient for c in claims.object_list]
        + [t.patient for t in tasks if t.patient],
    )
    return {
        "plans": plans,
        "claims": claims,
        "assessment_tasks": [t for t in tasks if t.source == CareTask.Source.ASSESSMENT],
        "other_tasks": [t for t in tasks if t.source != CareTask.Source.ASSESSMENT],
    }
