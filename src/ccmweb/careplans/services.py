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

from . import content as plan_content
from .models import CarePlan, CarePlanCopyGiven, CarePlanVersion, GoalProgress

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


ACTIVE = ("active", "recurrence", "relapse")


def problem_list(patient: Any) -> list[dict[str, Any]]:
    """The patient's active conditions, one per code, chronic ones first (the choices for a
    plan's problems: chosen from the problem list, never typed)."""
    seen: dict[str, dict[str, Any]] = {}
    rows = patient.conditions.filter(clinical_status__in=ACTIVE).order_by("onset_date", "pk")
    for icd10, snomed, display in rows.values_list("icd10_code", "snomed_code", "display"):
        code = icd10 or snomed
        if code and code not in seen:
            chronic = bool(plan_content.condition_groups_of(code))
            label = plan_content.problem_label(code, display)
            seen[code] = {"code": code, "display": label, "chronic": chronic}
    return sorted(seen.values(), key=lambda c: not c["chronic"])


def starting_content(patient: Any, today: dt.date) -> dict[str, Any]:
    """A new plan: every chronic condition a problem, each prefilled from its template."""
    chronic = [(c["code"], c["display"]) for c in problem_list(patient) if c["chronic"]]
    return plan_content.combine(None, chronic, today)


def suggested_template(patient: Any) -> str:
    """The template key of the patient's first chronic condition that has one ("" if none)."""
    for c in problem_list(patient):
        key = plan_content.template_for(c["code"])
        if key:
            return key
    return ""


def billing_practitioner_of(patient: Any) -> Any:
    enrollment = (
        Enrollment.objects.filter(patient=patient).select_related("billing_practitioner").first()
    )
    return enrollment.billing_practitioner if enrollment else None


@transaction.atomic
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
    from ccmweb.care_tasks.services import for_care_plan

    for_care_plan(version.care_plan, version.content, by=user)  # its due dates become tasks
    return version


def versions_of(patient: Any) -> list[CarePlanVersion]:
    """Every version of the patient's plans with its plan and authors, in version_in_force's
    order (newest in force first), read once for the patient page: its timeline's care-plan
    events, the care-plan panel and the enrollment facts' care-plan date all list them, and a
    query each was most of what those three cost."""
    from ccmweb.patients.picture import kept

    return kept(
        patient,
        "care_plan_versions",
        lambda: list(
            CarePlanVersion.objects.filter(care_plan__patient=patient)
            .select_related("care_plan", "created_by", "signed_by__user")
            .order_by("-effective_from", "-signed_at", "-number")
        ),
    )


def version_in_force(plan: CarePlan, on: dt.date) -> CarePlanVersion | None:
    """The signed version in force on a date: the latest signed on or before it."""
    return (
        plan.versions.filter(effective_from__lte=on)
        .order_by("-effective_from", "-signed_at", "-number")
        .first()
    )


def latest_version(plan: CarePlan) -> CarePlanVersion:
    return plan.versions.latest("number")  # every plan is made with its first version


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


#: Goal statuses as the patient's copy says them.
PLAIN_STATUS = {
    "not_started": "Not started yet",
    "in_progress": "Working on it",
    "met": "Reached",
    "not_met": "Not reached yet",
}


def patient_copy_pdf(version: CarePlanVersion) -> bytes:
    """The plan as a PDF in the practice's branding: the copy given to the patient."""
    from ccm.rules.care_plan import ELEMENTS

    plan = version.care_plan
    patient = plan.patient
    content = plan_content.for_display(version.content, goal_statuses(plan))
    for p in content["problems"]:
        for g in p["goals"]:
            g["plain_status"] = PLAIN_STATUS.get(g["current_status"], g["status_label"])
    html = render_to_string(
        "careplans/patient_copy.html",
        {
            "version": version,
            "plan": plan,
            "patient": patient,
            "practice": patient.practice,
            "content": content,
            "labels": {e.key: e.plain_label for e in ELEMENTS},
        },
    )
    return render_pdf(html)


def goal_statuses(plan: CarePlan) -> dict[str, GoalProgress]:
    """Each goal's latest progress (by goal id): what the plan shows beside the goal."""
    latest: dict[str, GoalProgress] = {}
    for row in plan.progress.select_related("recorded_by").order_by("recorded_at", "pk"):
        latest[row.goal_id] = row
    return latest


def record_progress(
    plan: CarePlan,
    *,
    goal_id: str,
    status: str,
    note: str,
    by: Any,
    now: dt.datetime | None = None,
) -> GoalProgress:
    """Progress on a goal of the plan's latest version, recorded during a call."""
    if status not in plan_content.STATUS_VALUES:
        raise ValueError("Status: choose not started, in progress, met or not met.")
    goals = {g["id"] for g in plan_content.all_goals(latest_version(plan).content)}
    if goal_id not in goals:
        raise ValueError("Goal: not a goal of this care plan.")
    return GoalProgress.objects.create(
        organization=plan.organization,
        care_plan=plan,
        goal_id=goal_id,
        status=status,
        note=note.strip()[: plan_content.MAX_TEXT],
        recorded_by=by,
        recorded_at=now or timezone.now(),
    )
