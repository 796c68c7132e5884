"""Give a screening instrument during a call; see a patient's scores over time."""

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from ccm.instruments import INSTRUMENTS
from ccm.instruments.base import AnswerError
from ccmweb.accounts.audit import log_access
from ccmweb.enrollment.views import scoped_patient
from ccmweb.tenants.decorators import requires
from ccmweb.tenants.http import MemberRequest
from ccmweb.tenants.roles import can

from . import services
from .events import assessments_of
from .models import Assessment


def panel_context(request: MemberRequest, patient: Any) -> dict[str, Any]:
    latest: dict[str, Assessment] = {}
    for a in assessments_of(patient):
        latest[a.instrument] = a
    return {
        "assessments_latest": [latest[k] for k in INSTRUMENTS if k in latest],
        "instruments": list(INSTRUMENTS.values()),
        "may_assess": can(request.role, "patients.edit"),
    }


@requires("patients.edit")
def take(request: MemberRequest, uid: Any, key: str) -> HttpResponse:
    """The instrument's questions; answers in the POST body, scored in the core."""
    patient = scoped_patient(request, uid)
    tool = INSTRUMENTS.get(key)
    if tool is None:
        raise Http404("No such instrument.")
    answers: dict[str, Any] = {}
    error = ""
    if request.method == "POST":
        answers = {
            item.key: (
                request.POST.getlist(item.key) if item.multiple else request.POST.get(item.key, "")
            )
            for item in tool.items
        }
        try:
            assessment = services.record(patient, key, answers, by=request.user)
        except AnswerError as problem:
            error = str(problem)
        else:
            log_access(request, "create", assessment, patient=patient)
            text = f"{tool.name}: {assessment.score} ({assessment.band})."
            if assessment.positive:
                text += " Over the cut-off: a task was made for the practitioner."
            messages.success(request, text)
            if assessment.positive and tool.follow_up:
                return redirect("assessments:take", uid=patient.uid, key=tool.follow_up)
            return redirect("assessments:history", uid=patient.uid)
    else:
        log_access(request, "view", patient)
    checked = {
        f"{k}={v}"
        for k, given in answers.items()
        for v in (given if isinstance(given, list) else [given])
    }
    context = {"patient": patient, "tool": tool, "checked": checked, "error": error}
    return render(request, "assessments/take.html", context, status=400 if error else 200)


@requires("patients.view")
@require_safe
def history(request: MemberRequest, uid: Any) -> HttpResponse:
    patient = scoped_patient(request, uid)
    log_access(request, "view", patient)
    context = {
        "patient": patient,
        "history": services.history(patient),
        "instruments": list(INSTRUMENTS.values()),
        "may_assess": can(request.role, "patients.edit"),
    }
    return render(request, "assessments/history.html", context)
