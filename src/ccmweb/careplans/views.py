"""Care plans: create from a template, revise, sign, hand the patient a copy."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from ccm.rules.care_plan import GOAL_STATUSES, TEXT_ELEMENTS, missing_elements
from ccmweb.accounts.audit import log_access
from ccmweb.enrollment.views import scoped_patient
from ccmweb.patients.models import Patient
from ccmweb.tenants.decorators import requires
from ccmweb.tenants.http import MemberRequest, in_practices
from ccmweb.tenants.localtime import local_today
from ccmweb.tenants.roles import can

from . import content as plan_content
from . import services
from .models import CarePlan, CarePlanCopyGiven, CarePlanVersion


def scoped_plan(request: MemberRequest, uid: Any) -> CarePlan:
    plans = in_practices(CarePlan.objects, request, "patient__practice")
    return get_object_or_404(plans.select_related("patient__practice"), uid=uid)


def scoped_version(request: MemberRequest, uid: Any) -> CarePlanVersion:
    versions = in_practices(CarePlanVersion.objects, request, "care_plan__patient__practice")
    return get_object_or_404(
        versions.select_related("care_plan__patient__practice", "signed_by"), uid=uid
    )


def panel_context(request: MemberRequest, patient: Patient) -> dict[str, Any]:
    """Each plan with its version in force and its latest, from the versions the page reads
    once (services.versions_of, in version_in_force's order; every plan is made with its
    first version, so the versions name every plan)."""
    today = local_today(patient.practice)
    versions: dict[int, list[CarePlanVersion]] = {}
    named: dict[int, CarePlan] = {}
    for version in services.versions_of(patient):
        versions.setdefault(version.care_plan_id, []).append(version)
        named.setdefault(version.care_plan_id, version.care_plan)
    plans = []
    for plan in sorted(named.values(), key=lambda p: p.created_at, reverse=True):
        mine = versions[plan.pk]
        plans.append(
            {
                "plan": plan,
                "in_force": next(
                    (v for v in mine if v.effective_from and v.effective_from <= today), None
                ),
                "latest": max(mine, key=lambda v: v.number),
            }
        )
    return {"care_plans": plans, "may_author": can(request.role, "careplans.author")}


def _editor(
    request: MemberRequest,
    patient: Patient,
    content: dict[str, Any],
    errors: list[str],
    *,
    plan: CarePlan | None = None,
) -> HttpResponse:
    """The structured editor: problems from the problem list, goals, interventions, the rest."""
    problems = services.problem_list(patient)
    chosen = {p["code"] for p in plan_content.normalize(content)["problems"]}
    context = {
        "patient": patient,
        "plan": plan,
        "creating": plan is None,
        "content": plan_content.normalize(content),
        "rows": plan_content.editor_rows(content),
        "errors": errors,
        "addable": [c for c in problems if c["code"] not in chosen],
        "text_elements": TEXT_ELEMENTS,
        "statuses": GOAL_STATUSES,
        "owners": plan_content.OWNERS,
    }
    return render(request, "careplans/edit.html", context, status=400 if errors else 200)


def _posted(request: MemberRequest, patient: Patient) -> tuple[dict[str, Any], list[str], bool]:
    """The posted editor as content; with "add", the chosen conditions joined (templates
    combine), and nothing saved yet. Returns (content, errors, save?)."""
    allowed = {c["code"]: c["display"] for c in services.problem_list(patient)}
    content, errors = plan_content.from_form(request.POST, allowed)
    adding = [code for code in request.POST.getlist("add") if code in allowed]
    if request.POST.get("action") == "add" or adding:
        today = local_today(patient.practice)
        content = plan_content.combine(content, [(c, allowed[c]) for c in adding], today)
        return content, [], False
    return content, errors, not errors


@requires("careplans.author")
def new(request: MemberRequest, uid: Any) -> HttpResponse:
    """A practitioner develops the plan (cms-rules §5): every chronic condition a problem,
    prefilled from its condition's template; the templates combine."""
    patient = scoped_patient(request, uid)
    if request.method == "POST":
        content, errors, save = _posted(request, patient)
        if save:
            template = next(
                (plan_content.template_for(p["code"]) for p in content["problems"]), None
            )
            plan = services.create_care_plan(
                patient, content=content, template=template or "", by=request.user
            )
            log_access(request, "create", plan, patient=patient)
            messages.success(request, "Care plan saved as version 1. It is in force once signed.")
            return redirect("careplans:detail", uid=plan.uid)
        return _editor(request, patient, content, errors)
    log_access(request, "view", patient)
    return _editor(
        request, patient, services.starting_content(patient, local_today(patient.practice)), []
    )


@requires("patients.view")
@require_safe
def detail(request: MemberRequest, uid: Any) -> HttpResponse:
    """The plan: each version with what changed from the one before, the goals' latest
    progress, the elements left empty, and the signature."""
    plan = scoped_plan(request, uid)
    patient = plan.patient
    log_access(request, "view", plan, patient=patient)
    versions = list(
        plan.versions.select_related("created_by", "signed_by")
        .prefetch_related("copies_given__given_by")
        .order_by("-number")
    )
    progress = services.goal_statuses(plan)
    shown = []
    for n, v in enumerate(versions):
        before = versions[n + 1].content if n + 1 < len(versions) else None
        shown.append(
            {
                "version": v,
                "content": plan_content.for_display(v.content, progress if n == 0 else None),
                "changes": plan_content.diff(before, v.content) if before is not None else [],
            }
        )
    today = local_today(patient.practice)
    billing = services.billing_practitioner_of(patient)
    may_sign = (
        billing is not None
        and billing.user_id == request.user.pk
        and can(request.role, "careplans.author")
    )
    latest = plan_content.normalize(versions[0].content)
    return render(
        request,
        "careplans/detail.html",
        {
            "plan": plan,
            "patient": patient,
            "versions": shown,
            "in_force": services.version_in_force(plan, today),
            "latest": versions[0],
            "latest_content": latest,
            "missing": missing_elements(latest),
            "billing_practitioner": billing,
            "may_sign": may_sign,
            "may_revise": can(request.role, "careplans.revise"),
            "may_edit": can(request.role, "patients.edit"),
            "copy_methods": CarePlanCopyGiven.Method.choices,
            "text_elements": TEXT_ELEMENTS,
            "statuses": GOAL_STATUSES,
        },
    )


@requires("careplans.revise")
@require_POST
def progress(request: MemberRequest, uid: Any) -> HttpResponse:
    """Progress on a goal, recorded during a call; shown beside the goal and on the timeline."""
    plan = scoped_plan(request, uid)
    try:
        row = services.record_progress(
            plan,
            goal_id=request.POST.get("goal", ""),
            status=request.POST.get("status", ""),
            note=request.POST.get("note", ""),
            by=request.user,
        )
    except ValueError as problem:
        messages.error(request, str(problem))
    else:
        log_access(request, "create", row, patient=plan.patient)
        messages.success(request, "Goal progress recorded.")
    return redirect("careplans:detail", uid=plan.uid)


@requires("careplans.revise")
def revise(request: MemberRequest, uid: Any) -> HttpResponse:
    """A nurse or practitioner revises: a new version, the old one kept (cms-rules §5)."""
    plan = scoped_plan(request, uid)
    patient = plan.patient
    if request.method == "POST":
        content, errors, save = _posted(request, patient)
        if save:
            version = services.revise(plan, content=content, by=request.user)
            log_access(request, "update", version, patient=patient)
            messages.success(
                request,
                f"Saved as version {version.number}; "
                "the billing practitioner signs it to put it in force.",
            )
            return redirect("careplans:detail", uid=plan.uid)
        return _editor(request, patient, content, errors, plan=plan)
    log_access(request, "view", plan, patient=patient)
    return _editor(request, patient, services.latest_version(plan).content, [], plan=plan)


@requires("careplans.author")
@require_POST
def sign(request: MemberRequest, uid: Any) -> HttpResponse:
    version = scoped_version(request, uid)
    try:
        services.sign(version, user=request.user)
    except services.NotAllowed as refusal:
        if version.is_signed:
            messages.info(request, str(refusal))
            return redirect("careplans:detail", uid=version.care_plan.uid)
        raise PermissionDenied(str(refusal)) from None
    log_access(request, "update", version, patient=version.care_plan.patient)
    messages.success(
        request,
        f"Version {version.number} signed; in force from {version.effective_from:%Y-%m-%d}.",
    )
    return redirect("careplans:detail", uid=version.care_plan.uid)


@requires("patients.view")
@require_safe
def patient_copy(request: MemberRequest, uid: Any) -> HttpResponse:
    """The patient copy as PDF, in the practice's branding."""
    version = scoped_version(request, uid)
    log_access(request, "export", version, patient=version.care_plan.patient)
    response = HttpResponse(services.patient_copy_pdf(version), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="care-plan-v{version.number}-{version.uid}.pdf"'
    )
    return response


@requires("patients.edit")
@require_POST
def copy_given(request: MemberRequest, uid: Any) -> HttpResponse:
    version = scoped_version(request, uid)
    method = request.POST.get("method", "")
    if method not in CarePlanCopyGiven.Method.values:
        messages.error(request, "Choose how the copy was given.")
    else:
        given = services.record_copy_given(version, method=method, by=request.user)
        log_access(request, "create", given, patient=version.care_plan.patient)
        messages.success(request, "Copy given recorded.")
    return redirect("careplans:detail", uid=version.care_plan.uid)
