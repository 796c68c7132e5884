"""Care-plan services: create, revise, sign, find the version in force, render the patient copy."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone

from ccmweb.enrollment.models import Enrollment
from ccmweb.pdf import render_pdf
from ccmweb.tenants.localtime import local_today

from .models import CarePlan, CarePlanCopyGiven, CarePlanVersion

# WeasyPrint reports each rendering step at INFO; keep production logs to what matters.
logging.getLogger("weasyprint").setLevel(logging.WARNING)


class NotAllowed(Exception):
    """The rule that forbids the action, said in the practice's words (no patient data)."""


@transaction.atomic
def create_care_plan(patient: Any, *, content: dict[str, Any], template: str, by: Any) -> CarePlan:
    """A new plan with its first version; only a practitioner develops a plan (cms-rules §5)."""
    plan = CarePlan.objects.create(
        organization=patient.organization, patient=patient, template=template
    )
    CarePlanVersion.objects.create(
        organization=patient.organization, care_plan=plan, number=1, content=content, created_by=by
    )
    return plan


@transaction.atomic
def revise(plan: CarePlan, *, content: dict[str, Any], by: Any) -> CarePlanVersion:
    """Every revision is a new version; the earlier ones stay as they were (cms-rules §5)."""
    CarePlan.objects.select_for_update().filter(pk=plan.pk).first()
    number = (plan.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    return CarePlanVersion.objects.create(
        organization=plan.organization,
        care_plan=plan,
        number=number,
        content=content,
        created_by=by,
    )


def suggested_template(patient: Any) -> str:
    """The template of the patient's first matching condition group (diabetes first)."""
    from ccm.codes import condition_groups

    from .content import TEMPLATE_FOR_GROUP

    groups: set[str] = set()
    for code in patient.conditions.values_list("icd10_code", flat=True):
        if code:
            groups |= condition_groups(code)
    return next((t for g, t in TEMPLATE_FOR_GROUP.items() if g in groups), "hypertension")


def billing_practitioner_of(patient: Any) -> Any:
    enrollment = (
        Enrollment.objects.filter(patient=patient).select_related("billing_practitioner").first()
    )
    return enrollment.billing_practitioner if enrollment else None


def sign(version: CarePlanVersion, *, user: Any, now: dt.datetime | None = None) -> CarePlanVersion:
    """Only the patient's billing practitioner signs and dates the plan (cms-rules §5, NOR-QA A2)."""
    if version.is_signed:
        raise NotAllowed("This version is already signed.")
    patient = version.care_plan.patient
    practitioner = billing_practitioner_of(patient)
    if practitioner is None:
        raise NotAllowed("Record consent with a billing practitioner before signing.")
    if practitioner.user_id != user.pk:
        raise NotAllowed("Only the patient's billing practitioner can sign the care plan.")
    now = now or timezone.now()
    version.signed_by = practitioner
    version.signed_at = now
    version.effective_from = local_today(patient.practice, now)
    version.save(update_fields=["signed_by", "signed_at", "effective_from"])
    return version


def version_in_force(plan: CarePlan, on: dt.date) -> CarePlanVersion | None:
    """The signed version in force on a date: the latest signed on or before it."""
    return (
        plan.versions.filter(effective_from__lte=on)
        .order_by("-effective_from", "-signed_at", "-number")
        .first()
    )


def latest_version(plan: CarePlan) -> CarePlanVersion:
    return plan.versions.order_by("-number").first()  # type: ignore[return-value]


def record_copy_given(
    version: CarePlanVersion, *, method: str, by: Any, given_at: dt.datetime | None = None
) -> CarePlanCopyGiven:
    """The patient or caregiver got a copy of this version (cms-rules §5, NGS-CCM)."""
    if method not in CarePlanCopyGiven.Method.values:
        raise ValueError("unknown method")
    return CarePlanCopyGiven.objects.create(
        organization=version.organization,
        version=version,
        method=method,
        given_by=by,
        given_at=given_at or timezone.now(),
    )


def patient_copy_pdf(version: CarePlanVersion) -> bytes:
    """The plan as a PDF in the practice's branding: the copy given to the patient."""
    plan = version.care_plan
    patient = plan.patient
    html = render_to_string(
        "careplans/patient_copy.html",
        {
            "version": version,
            "plan": plan,
            "patient": patient,
            "practice": patient.practice,
            "content": version.content,
        },
    )
    return render_pdf(html)
