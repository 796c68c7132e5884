"""Pages for the money after the claims: remittances (upload, reconciliation), balances by
payer and age, patient responsibility and the patient statement."""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_safe

from ccm.x12.remit835 import PLB_WORDS, RemittanceError
from ccmweb.accounts.audit import log_access, log_patients_shown
from ccmweb.patients.models import Patient
from ccmweb.tenants.decorators import requires
from ccmweb.tenants.http import MemberRequest, in_practices
from ccmweb.tenants.localtime import local_today

from .balances import by_patient, by_payer, claim_balances
from .models import Claim, ProviderAdjustment
from .models import Remittance as RemittanceRecord
from .packet import packet_pdf
from .remittance import RemittanceRefused, post_remittance
from .views import _practice, _uploaded


def _all_practices(request: MemberRequest) -> bool:
    return not request.membership.practices.exists()


def _remittances(request: MemberRequest) -> Any:
    """Remittances of the user's practices; ones naming no practice for organisation-wide users."""
    allowed = [p.pk for p in request.allowed_practices]
    shown = Q(practice_id__in=allowed)
    if _all_practices(request):
        shown |= Q(practice__isnull=True)
    return RemittanceRecord.objects.filter(shown)


@requires("billing")
def remittance(request: MemberRequest) -> HttpResponse:
    """Upload an 835; see what it posted and whether the check reconciles."""
    postings = None
    raw = _uploaded(request) if request.method == "POST" else None
    if raw is not None:
        allowed = [p.pk for p in request.allowed_practices]
        try:
            postings = post_remittance(raw, request.organization, allowed, user=request.user)
        except (RemittanceError, RemittanceRefused) as exc:
            messages.error(request, f"That file was not posted, nothing changed: {exc}")
    recent = _remittances(request).order_by("-posted_at", "-pk")[:25]
    return render(request, "billing/remittance.html", {"postings": postings, "recent": recent})


@requires("billing")
@require_safe
def remittance_detail(request: MemberRequest, uid: str) -> HttpResponse:
    """One posted 835: BPR02 = Σ CLP04 − Σ PLB, its PLB in words, each claim's outcome."""
    record = get_object_or_404(_remittances(request), uid=uid)
    lines = list(record.lines.select_related("claim__patient").order_by("segment", "pk"))
    log_patients_shown(request, [ln.claim.patient for ln in lines if ln.claim])
    plb = [
        (p, PLB_WORDS.get(p.reason, "see the X12 list"))
        for p in ProviderAdjustment.objects.filter(remittance=record).order_by("pk")
    ]
    return render(
        request,
        "billing/remittance_detail.html",
        {"r": record, "lines": lines, "plb": plb},
    )


@requires("billing")
def balances(request: MemberRequest) -> HttpResponse:
    """Open balances by payer and age, and what each patient owes."""
    practice = _practice(request)
    found = claim_balances(practice)
    patients = by_patient(found)
    log_patients_shown(request, [p.patient for p in patients])
    return render(
        request,
        "billing/balances.html",
        {
            "practice": practice,
            "practices": request.allowed_practices,
            "payers": by_payer(practice, found, local_today(practice)),
            "patients": patients,
            "claims": found,
        },
    )


def statement_context(patient: Patient) -> dict[str, Any]:
    """What the statement shows: the patient's share per month, what is due (0 for QMB)."""
    found = claim_balances(patient.practice, Claim.objects.filter(patient=patient))
    return {
        "patient": patient,
        "practice": patient.practice,
        "owes": next(iter(by_patient(found)), None),
        "today": local_today(patient.practice),
        "generated": timezone.now().astimezone(dt.UTC),
    }


@requires("billing")
@require_safe
def statement(request: MemberRequest, uid: str) -> HttpResponse:
    """A patient's statement (PDF) under the practice's name: what they owe and why; a QMB
    patient is billed nothing (cms-rules §9)."""
    patient = get_object_or_404(
        in_practices(Patient.objects, request).select_related("practice"),
        uid=uid,
    )
    log_access(request, "export", patient, patient=patient)
    context = statement_context(patient)
    html = render_to_string("billing/statement_pdf.html", context, request=request)
    response = HttpResponse(packet_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="statement-{patient.uid}.pdf"'
    return response
