from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from ccmweb.accounts.audit import log_access, log_patients_shown
from ccmweb.params import search_param
from ccmweb.tenants.decorators import requires
from ccmweb.tenants.http import MemberRequest, in_practices

from .models import Patient

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


@requires("patients.view")
def patient_list(request: MemberRequest) -> HttpResponse:
    """Search travels in the POST body, never the URL (names and MRNs are patient data)."""
    query = search_param(request.POST.get("q")) if request.method == "POST" else ""
    patients = (
        visible_patients(request)
        .select_related("practice")
        .order_by("family_name", "given_name", "pk")
    )
    patients = name_search(patients, query)
    page = Paginator(patients, PAGE_SIZE).get_page(
        request.POST.get("page") or request.GET.get("page")
    )
    page.object_list = list(page.object_list)
    log_patients_shown(request, page.object_list)
    return render(request, "patients/list.html", {"page": page, "query": query})


@requires("patients.view")
def patient_detail(request: MemberRequest, uid: str) -> HttpResponse:
    patient = get_object_or_404(visible_patients(request).select_related("practice"), uid=uid)
    log_access(request, "view", patient)
    panels: list[str] = []
    context = {
        "patient": patient,
        "conditions": patient.conditions.order_by("-onset_date"),
        "encounters": patient.encounters.select_related("practitioner").order_by("-date")[:20],
        "coverages": patient.coverages.order_by("-start_date"),
        "patient_panels": panels,
    }
    from .panels import PANELS

    for template_name, context_fn in PANELS:
        context.update(context_fn(request, patient))
        panels.append(template_name)
    return render(request, "patients/detail.html", context)
