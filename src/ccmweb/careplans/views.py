"""Care plans: create from a template, revise, sign, hand the patient a copy."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

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
    today = local_today(patient.practice)
    plans = []
    for plan in CarePlan.objects.filter(patient=patient).order_by("-created_at"):
        plans.append(
            {
                "plan": plan,
                "in_force": services.version_in_force(plan, today),
                "latest": services.latest_version(plan),
            }
        )
    return {"care_plans": plans, "may_author": can(request.role, "careplans.author")}


def _editor(
    request: MemberRequest, patient: Patient, form: dict[str, str], errors: list[str], **extra: Any
) -> HttpResponse:
    context = {
        "patient": patient,
        "form": form,
        "errors": errors,
        "text_elements": plan_content.TEXT_ELEMENTS,
        "templates": plan_content.template_choices(),
        **extra,
    }
    return render(request, "careplans/edit.html", context)


@requires("careplans.author")
def new(request: MemberRequest, uid: Any) -> HttpResponse:
    """A practitioner develops the plan, prefilled from a condition template (cms-rules §5)."""
    patient = scoped_patient(request, uid)
    template = (
        request.POST.get("template")
        or request.GET.get("template")
        or services.suggested_template(patient)
    )
    if template not in plan_content.TEMPLATES:
        template = "hypertension"
    if request.method == "POST":
        content, errors = plan_content.from_form(request.POST)
        if not errors:
            plan = services.create_care_plan(
                patient, content=content, template=template, by=request.user
            )
            log_access(request, "create", plan, patient=patient)
            messages.success(request, "Care plan saved as version 1. It is in force once signed.")
            return redirect("careplans:detail", uid=plan.uid)
        form = {**request.POST.dict()}
    else:
        log_access(request, "view", patient)
        errors = []
        form = plan_content.to_form(
            plan_content.from_template(template, local_today(patient.practice))
        )
    return _editor(request, patient, form, errors, template=template, creating=True)


@requires("patients.view")
def detail(request: MemberRequest, uid: Any) -> HttpResponse:
    plan = scoped_plan(request, uid)
    patient = plan.patient
    log_access(request, "view", plan, patient=patient)
    versions = list(
        plan.versions.select_related("created_by", "signed_by")
        .prefetch_related("copies_given__given_by")
        .order_by("-number")
    )
    today = local_today(patient.practice)
    billing = services.billing_practitioner_of(patient)
    may_sign = (
        billing is not None
        and billing.user_id == request.user.pk
        and can(request.role, "careplans.author")
    )
    return render(
        request,
        "careplans/detail.html",
        {
            "plan": plan,
            "patient": patient,
            "versions": versions,
            "in_force": services.version_in_force(plan, today),
            "latest": versions[0],
            "billing_practitioner": billing,
            "may_sign": may_sign,
            "may_revise": can(request.role, "careplans.revise"),
            "may_edit": can(request.role, "patients.edit"),
            "copy_methods": CarePlanCopyGiven.Method.choices,
            "text_elements": plan_content.TEXT_ELEMENTS,
        },
    )


@requires("careplans.revise")
def revise(request: MemberRequest, uid: Any) -> HttpResponse:
    """A nurse or practitioner revises: a new version, the old one kept (cms-rules §5)."""
    plan = scoped_plan(request, uid)
    patient = plan.patient
    if request.method == "POST":
        content, errors = plan_content.from_form(request.POST)
        if not errors:
            version = services.revise(plan, content=content, by=request.user)
            log_access(request, "update", version, patient=patient)
            messages.success(
                request,
                f"Saved as version {version.number}; "
                "the billing practitioner signs it to put it in force.",
            )
            return redirect("careplans:detail", uid=plan.uid)
        form = {**request.POST.dict()}
    else:
        log_access(request, "view", plan, patient=patient)
        errors = []
        form = plan_content.to_form(services.latest_version(plan).content)
    return _editor(request, patient, form, errors, plan=plan, creating=False)


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
