from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F, Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from ccmweb.accounts.audit import log_access, log_patients_shown
from ccmweb.enrollment.models import Enrollment, Program
from ccmweb.params import search_param
from ccmweb.tenants.decorators import requires
from ccmweb.tenants.http import MemberRequest, coordinators_in_practices, in_practices
from ccmweb.tenants.localtime import local_today
from ccmweb.tenants.roles import can

from . import picture
from .forms import CareTeamForm
from .models import CareTeamMember, Patient

PAGE_SIZE = 50


def visible_patients(request: MemberRequest) -> QuerySet[Patient]:
    """The patients of the practices this user may see, inside the organisation's scope."""
    return in_practices(Patient.objects, request)


def name_search(patients: QuerySet[Patient], query: str) -> QuerySet[Patient]:
    """PATIENTS whose name starts with, or MRN is, each word of QUERY (all of them)."""
    for term in query.split():
        patients = patients.filter(
            Q(family_name__istartswith=term) | Q(given_name__istartswith=term) | Q(mrn__iexact=term)
        )
    return patients


#: The filter value for "no enrollment yet" (state) and "no coordinator" (coordinator).
NONE = "none"


def _filters(request: MemberRequest, coordinators: list[Any]) -> dict[str, str]:
    """The list's filters from the query string: enum values and ids only, each kept only if
    it is one the page offers (a name never goes in a URL: the search is in the POST body)."""
    offered = {
        "state": {*Enrollment.Status.values, NONE},
        "program": set(Program.values),
        "coordinator": {str(c.pk) for c in coordinators} | {NONE},
    }
    return {
        name: value if (value := request.GET.get(name, "")) in allowed else ""
        for name, allowed in offered.items()
    }


def filtered(patients: QuerySet[Patient], chosen: dict[str, str]) -> QuerySet[Patient]:
    """PATIENTS in the enrollment state, program and with the coordinator CHOSEN."""
    if chosen["state"] == NONE:
        patients = patients.filter(enrollments__isnull=True)
    elif chosen["state"]:
        patients = patients.filter(enrollments__status=chosen["state"])
    if chosen["program"]:
        patients = patients.filter(enrollments__program=chosen["program"])
    if chosen["coordinator"] == NONE:
        patients = patients.filter(coordinator__isnull=True)
    elif chosen["coordinator"]:
        patients = patients.filter(coordinator_id=int(chosen["coordinator"]))
    return patients


@requires("patients.view")
def patient_list(request: MemberRequest) -> HttpResponse:
    """Every patient of the member's practices with enrollment, program and coordinator,
    filtered by link (GET) and searched in the POST body, never the URL (names and MRNs are
    patient data); 50 a page."""
    query = search_param(request.POST.get("q")) if request.method == "POST" else ""
    coordinators = coordinators_in_practices(request)
    chosen = _filters(request, coordinators)
    patients = filtered(visible_patients(request), chosen)
    patients = (
        name_search(patients, query)
        .select_related("practice", "coordinator")
        .annotate(
            enrollment_state=F("enrollments__status"),
            enrollment_program=F("enrollments__program"),
        )
        .order_by("family_name", "given_name", "pk")
    )
    page = Paginator(patients, PAGE_SIZE).get_page(
        request.POST.get("page") or request.GET.get("page")
    )
    page.object_list = list(page.object_list)
    log_patients_shown(request, page.object_list)
    states, programs = dict(Enrollment.Status.choices), dict(Program.choices)
    for patient in page.object_list:
        patient.state_label = states.get(patient.enrollment_state, "Not enrolled")  # type: ignore[attr-defined]  # a label for the list's template
        patient.program_label = programs.get(patient.enrollment_program, "")  # type: ignore[attr-defined]  # a label for the list's template
    context = {
        "page": page,
        "query": query,
        "chosen": chosen,
        "coordinators": coordinators,
        "states": states,
        "programs": programs,
        "none": NONE,
    }
    return render(request, "patients/list.html", context)


@requires("patients.view")
def patient_detail(request: MemberRequest, uid: str) -> HttpResponse:
    """The whole picture on one page: header, clinical context, care team, timeline, panels."""
    patient = get_object_or_404(
        visible_patients(request).select_related("practice", "coordinator"), uid=uid
    )
    log_access(request, "view", patient)
    today = local_today(patient.practice)
    coverages = list(patient.coverages.order_by("-start_date"))
    panels: list[str] = []
    context = {
        "patient": patient,
        "age": picture.age_on(patient.birth_date, today),
        "enrollment": None,  # the enrollment panel's context gives the header its enrollment
        "coverage_words": picture.coverage_words(patient, today, coverages),
        "coverages": coverages,
        "care_team": patient.care_team.select_related("added_by").order_by("role", "name"),
        "care_team_roles": CareTeamMember.Role.choices,
        "care_team_form": getattr(request, "care_team_form", None),
        "may_edit": can(request.role, "patients.edit"),
        "timeline": picture.timeline(patient),
        **picture.clinical_context(patient),
        "patient_panels": panels,
    }
    from .panels import PANELS

    for template_name, context_fn in PANELS:
        context.update(context_fn(request, patient))
        panels.append(template_name)
    return render(request, "patients/detail.html", context)


@requires("patients.edit")
def care_team_add(request: MemberRequest, uid: str) -> HttpResponse:
    """Add a care team member; a form with errors is shown again with what was typed."""
    patient = get_object_or_404(visible_patients(request).select_related("practice"), uid=uid)
    if request.method != "POST":
        return redirect("patients:detail", uid=patient.uid)
    form = CareTeamForm(request.POST)
    if not form.is_valid():
        request.care_team_form = form  # type: ignore[attr-defined]  # the invalid form, for patient_detail to show again
        response = patient_detail(request, uid)
        response.status_code = 400
        return response
    member = form.save(commit=False)
    member.organization = patient.organization
    member.patient = patient
    member.added_by = request.user
    member.save()
    log_access(request, "create", member, patient)
    messages.success(request, f"{member.get_role_display()} added to the care team.")
    return redirect("patients:detail", uid=patient.uid)


@requires("patients.edit")
def care_team_remove(request: MemberRequest, uid: str) -> HttpResponse:
    """Take someone off the care team (POST only; the page's button asks first)."""
    member = get_object_or_404(
        in_practices(CareTeamMember.objects, request, "patient__practice").select_related(
            "patient"
        ),
        uid=uid,
    )
    patient = member.patient
    if request.method == "POST":
        log_access(request, "delete", member, patient)
        member.delete()
        messages.success(request, "Removed from the care team.")
    return redirect("patients:detail", uid=patient.uid)
