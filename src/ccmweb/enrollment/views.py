"""Consent, revocation and the initiating visit, from the patient page's enrollment panel."""

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from ccm.periods import BillingMonth
from ccmweb.accounts.audit import log_access
from ccmweb.patients.models import Patient
from ccmweb.tenants.decorators import requires
from ccmweb.tenants.http import MemberRequest, in_practices
from ccmweb.tenants.localtime import local_today
from ccmweb.tenants.models import Practitioner
from ccmweb.tenants.roles import can

from . import services
from .forms import ConsentForm, InitiatingVisitForm
from .models import ConsentRecord, Enrollment, Program


def scoped_patient(request: MemberRequest, uid: Any) -> Patient:
    """A patient of the practices this user may see; anything else is a 404."""
    patients = in_practices(Patient.objects, request)
    return get_object_or_404(patients.select_related("practice"), uid=uid)


def practitioners_for(patient: Patient) -> Any:
    return Practitioner.objects.filter(practice=patient.practice).order_by("family_name", "pk")


def panel_context(request: MemberRequest, patient: Patient) -> dict[str, Any]:
    """What the enrollment panel on the patient page shows (read already logged by the page)."""
    today = local_today(patient.practice)
    facts = services.enrollment_facts(patient, BillingMonth.of(today))
    enrollment = (
        Enrollment.objects.filter(patient=patient)
        .select_related("billing_practitioner", "consent")
        .first()
    )
    consents = services.latest_consents(patient)[:10]
    revocation_end = None
    if enrollment and enrollment.status == Enrollment.Status.REVOKED:
        revocation_end = services.effective_end(enrollment.consent)
    return {
        "enrollment": enrollment,
        "enrollment_facts": facts,
        "consents": consents,
        "revocation_end": revocation_end,
        "visit_state": services.initiating_visit_state(patient, facts, today),
        "visit_form": InitiatingVisitForm(practitioners=practitioners_for(patient)),
        "may_edit_enrollment": can(request.role, "patients.edit"),
    }


@requires("patients.edit")
def consent(request: MemberRequest, uid: Any) -> HttpResponse:
    """The consent form with the disclosure script; POST appends a consent record."""
    patient = scoped_patient(request, uid)
    current = Enrollment.objects.filter(patient=patient).first()
    program = (
        request.POST.get("program")
        or request.GET.get("program")
        or (current.program if current else Program.CCM)
    )
    if program not in Program.values:
        program = Program.CCM
    practitioners = practitioners_for(patient)
    today = local_today(patient.practice)
    bounds = {"practitioners": practitioners, "today": today, "program": program}
    if request.method == "POST":
        form = ConsentForm(request.POST, request.FILES, **bounds)
        if form.is_valid():
            data = form.cleaned_data
            try:
                record = services.record_consent(
                    patient,
                    program=data["program"],
                    decision=data["decision"],
                    billing_practitioner=data["billing_practitioner"],
                    method=data["method"],
                    obtained_by=request.user,
                    decline_reason=data["decline_reason"],
                    document=data.get("document"),
                    effective_date=data["consent_date"],
                )
            except ValueError as problem:
                form.add_error(None, str(problem))
            else:
                log_access(request, "create", record, patient=patient)
                messages.success(request, f"Consent recorded: {record.get_decision_display()}.")
                return redirect("patients:detail", uid=patient.uid)
    else:
        initial: dict[str, object] = {"program": program}
        if current and current.billing_practitioner_id:
            initial["billing_practitioner"] = current.billing_practitioner_id
        elif practitioners.count() == 1:
            initial["billing_practitioner"] = practitioners.first().pk
        form = ConsentForm(initial=initial, **bounds)
    log_access(request, "view", patient)
    scripts = []
    for key, label in Program.choices:
        coinsurance = services.expected_monthly_coinsurance(patient, key, today)
        scripts.append(
            {
                "program": key,
                "label": label,
                "coinsurance": coinsurance,
                "text": services.disclosure_script(patient.practice, key, coinsurance, today),
            }
        )
    template = "enrollment/consent_form.html" if request.htmx else "enrollment/consent.html"
    return render(
        request,
        template,
        {"patient": patient, "form": form, "scripts": scripts, "program": program},
    )


@requires("patients.edit")
@require_POST
def revoke(request: MemberRequest, uid: Any) -> HttpResponse:
    """The patient stops: effective at the end of this month (cms-rules §3)."""
    patient = scoped_patient(request, uid)
    try:
        record = services.revoke_consent(patient, obtained_by=request.user)
    except ValueError:
        messages.error(request, "There is no consent to revoke.")
    else:
        log_access(request, "create", record, patient=patient)
        end = services.effective_end(record)
        messages.success(
            request, f"Consent revoked, effective at the end of the month ({end.isoformat()})."
        )
    return redirect("patients:detail", uid=patient.uid)


@requires("patients.edit")
@require_POST
def initiating_visit(request: MemberRequest, uid: Any) -> HttpResponse:
    """Enter a qualifying visit the EMR import did not bring (it becomes an Encounter)."""
    patient = scoped_patient(request, uid)
    form = InitiatingVisitForm(request.POST, practitioners=practitioners_for(patient))
    if form.is_valid() and form.cleaned_data["date"] <= local_today(patient.practice):
        data = form.cleaned_data
        visit = services.record_initiating_visit(
            patient, date=data["date"], code=data["code"], practitioner=data["practitioner"]
        )
        log_access(request, "create", visit, patient=patient)
        messages.success(request, "Initiating visit recorded.")
    else:
        messages.error(
            request,
            "The visit was not recorded: give a past date, a qualifying "
            "visit code and the practitioner.",
        )
    return redirect("patients:detail", uid=patient.uid)


@requires("patients.view")
@require_safe
def consent_document(request: MemberRequest, uid: Any) -> FileResponse:
    """The signed consent form or scan, for staff and for an ADR (cms-rules §3)."""
    record = get_object_or_404(
        in_practices(ConsentRecord.objects, request, "patient__practice"),
        uid=uid,
    )
    if not record.document:
        raise Http404("no document")
    log_access(request, "export", record, patient=record.patient)
    name = f"consent-{record.uid}.{(record.document.name or '').rsplit('.', 1)[-1][:5]}"
    return FileResponse(record.document.open("rb"), as_attachment=True, filename=name)
