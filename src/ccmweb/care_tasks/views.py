"""The task list, tasks on the patient page, and the practitioner's queue."""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from ccmweb.accounts.audit import log_access, log_patients_shown
from ccmweb.enrollment.views import scoped_patient
from ccmweb.tenants.decorators import requires
from ccmweb.tenants.http import MemberRequest, in_practices
from ccmweb.tenants.localtime import local_today
from ccmweb.tenants.roles import can

from . import services
from .models import CareTask
from .queue import PRIORITY_FIRST

PAGE_SIZE = 50


def _tasks(request: MemberRequest) -> Any:
    return in_practices(CareTask.objects, request)


def panel_context(request: MemberRequest, patient: Any) -> dict[str, Any]:
    open_tasks = patient.care_tasks.filter(status=CareTask.Status.OPEN).select_related("assignee")
    return {
        "patient_tasks": list(open_tasks.order_by("due", "pk")[:20]),
        "task_priorities": CareTask.Priority.choices,
        "task_recurrences": CareTask.Recurrence.choices,
        "may_task": can(request.role, "patients.edit"),
    }


def _form_task(request: MemberRequest, practice: Any, patient: Any = None) -> CareTask:
    """A task from the posted form; TaskError names the field at fault."""
    try:
        due = dt.date.fromisoformat(request.POST.get("due", ""))
    except ValueError:
        raise services.TaskError("Due date: write a date (YYYY-MM-DD).") from None
    assignee: Any = request.user
    if request.POST.get("assign") == "practitioner" and patient is not None:
        assignee = services.billing_practitioner_user(patient) or request.user
    elif request.POST.get("assign") == "coordinator" and patient is not None:
        assignee = patient.coordinator or request.user
    return services.create_task(
        practice=practice,
        patient=patient,
        title=request.POST.get("title", ""),
        details=request.POST.get("details", ""),
        due=due,
        priority=request.POST.get("priority", CareTask.Priority.NORMAL),
        recurrence=request.POST.get("recurrence", ""),
        assignee=assignee,
        by=request.user,
    )


@requires("patients.edit")
def task_list(request: MemberRequest) -> HttpResponse:
    """My open tasks (overdue and today first); "all" shows every open task of my practices."""
    scope_all = request.GET.get("show") == "all"
    if request.method == "POST":
        practice = getattr(request, "active_practice", None) or request.allowed_practices[0]
        try:
            task = _form_task(request, practice)
        except services.TaskError as problem:
            messages.error(request, str(problem))
        else:
            log_access(request, "create", task)
            messages.success(request, "Task added.")
        return redirect("care_tasks:list")
    rows = _tasks(request).filter(status=CareTask.Status.OPEN)
    if not scope_all:
        rows = rows.filter(assignee=request.user)
    rows = rows.select_related("patient", "assignee").order_by("due", PRIORITY_FIRST, "pk")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    log_patients_shown(request, [t.patient for t in page.object_list if t.patient])
    context = {
        "page": page,
        "show_all": scope_all,
        "today": local_today(
            getattr(request, "active_practice", None) or request.allowed_practices[0]
        ),
        "task_priorities": CareTask.Priority.choices,
        "task_recurrences": CareTask.Recurrence.choices,
    }
    return render(request, "care_tasks/list.html", context)


@requires("patients.edit")
@require_POST
def add(request: MemberRequest, uid: Any) -> HttpResponse:
    """A task about one patient, from the patient page."""
    patient = scoped_patient(request, uid)
    try:
        task = _form_task(request, patient.practice, patient)
    except services.TaskError as problem:
        messages.error(request, str(problem))
    else:
        log_access(request, "create", task, patient=patient)
        messages.success(request, "Task added.")
    return redirect("patients:detail", uid=patient.uid)


@requires("patients.edit")
@require_POST
def complete(request: MemberRequest, uid: Any) -> HttpResponse:
    task = get_object_or_404(_tasks(request).select_related("patient"), uid=uid)
    try:
        following = services.complete(task, by=request.user, note=request.POST.get("note", ""))
    except services.TaskError as problem:
        messages.error(request, str(problem))
    else:
        log_access(request, "update", task, patient=task.patient)
        text = "Task done."
        if following is not None:
            text += f" Next one due {following.due:%Y-%m-%d}."
        messages.success(request, text)
    back = request.POST.get("back")
    if back == "patient" and task.patient is not None:
        return redirect("patients:detail", uid=task.patient.uid)
    if back == "queue":
        return redirect("care_tasks:queue")
    return redirect("care_tasks:list")


# --- the practitioner's queue -------------------------------------------------------------------


@requires("careplans.author")
@require_safe
def queue(request: MemberRequest) -> HttpResponse:
    """What waits for the practitioner: care plans to sign, month sign-offs (minutes, notes,
    packet), and tasks assigned to them (assessments over their cut-off first)."""
    from .queue import queue_context

    return render(request, "care_tasks/queue.html", queue_context(request))


@requires("billing.signoff")
@require_POST
def return_signoff(request: MemberRequest, claim_uid: Any) -> HttpResponse:
    """Reject a month's sign-off with a reason: it goes back to the coordinator as a task."""
    from ccmweb.billing.models import Claim

    claims = in_practices(Claim.objects, request)
    claim = get_object_or_404(
        claims.select_related("patient__coordinator", "practice"), uid=claim_uid
    )
    try:
        returned = services.return_signoff(
            claim, reason=request.POST.get("reason", ""), by=request.user
        )
    except services.TaskError as problem:
        messages.error(request, str(problem))
    else:
        log_access(request, "update", claim, patient=claim.patient)
        messages.success(request, f"Returned to the coordinator: {returned.reason}")
    return redirect("care_tasks:queue")
