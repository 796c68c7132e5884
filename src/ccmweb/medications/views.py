"""The patient's medicines on the patient page, and the reconciliation form."""

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render

from ccmweb.accounts.audit import log_access
from ccmweb.enrollment.views import scoped_patient
from ccmweb.params import whole_number
from ccmweb.tenants.decorators import requires
from ccmweb.tenants.http import MemberRequest
from ccmweb.tenants.roles import can

from . import services
from .events import reconciliations_of
from .models import ReconciledMedication, Reconciliation

NEW_ROWS = 3
#: A bound on typed minutes (a day's), so a number a database cannot hold never reaches it.
MINUTES_IN_A_DAY = 24 * 60


def panel_context(request: MemberRequest, patient: Any) -> dict[str, Any]:
    last = next(iter(reconciliations_of(patient)), None)
    return {
        "medications": services.current_list(patient),
        "last_reconciliation": last,
        "may_reconcile": can(request.role, "patients.edit"),
    }


def _posted(
    request: MemberRequest, count: int
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    post = request.POST
    answers = [
        {f: post.get(f"m-{n}-{f}", "") for f in ("key", "outcome", "dose", "note")}
        for n in range(count)
        if post.get(f"m-{n}-key")
    ]
    new = [
        {f: post.get(f"new-{n}-{f}", "") for f in ("display", "dose", "rxnorm")}
        for n in range(services.MAX_NEW)
        if f"new-{n}-display" in post
    ]
    return answers, new


@requires("patients.edit")
def reconcile(request: MemberRequest, uid: Any) -> HttpResponse:
    """Go through each medicine with the patient; the minutes count as medication
    reconciliation time."""
    patient = scoped_patient(request, uid)
    meds = services.current_list(patient)
    error = ""
    form: dict[str, str] = {}
    if request.method == "POST":
        form = request.POST.dict()
        answers, new = _posted(request, len(meds))
        minutes_text = request.POST.get("minutes", "").strip()
        minutes = whole_number(minutes_text, MINUTES_IN_A_DAY)
        try:
            if minutes_text and minutes is None:
                raise services.ReconciliationError(
                    f"Minutes: a whole number from 0 to {MINUTES_IN_A_DAY}."
                )
            record = services.reconcile(
                patient, answers, new, by=request.user, role=request.role,
                minutes=minutes,
                note=request.POST.get("note", ""),
            )  # fmt: skip
        except services.ReconciliationError as problem:
            error = str(problem)
        else:
            log_access(request, "create", record, patient=patient)
            found = sum(item.discrepancy for item in record.items.all())
            text = f"Medications reconciled: {found} discrepanc{'y' if found == 1 else 'ies'}."
            if record.time_entry:
                text += f" {record.time_entry.minutes} min logged as medication reconciliation."
            messages.success(request, text)
            return redirect("patients:detail", uid=patient.uid)
    else:
        log_access(request, "view", patient)
    rows = [
        {
            "n": n,
            "med": m,
            "outcome": form.get(f"m-{n}-outcome", "confirmed" if m.taking else m.outcome),
            "dose": form.get(f"m-{n}-dose", m.dose),
            "note": form.get(f"m-{n}-note", ""),
        }
        for n, m in enumerate(meds)
    ]
    new_rows = [
        {f: form.get(f"new-{n}-{f}", "") for f in ("display", "dose", "rxnorm")} | {"n": n}
        for n in range(NEW_ROWS)
    ]
    context = {
        "patient": patient,
        "rows": rows,
        "new_rows": new_rows,
        "outcomes": [c for c in ReconciledMedication.Outcome.choices if c[0] != "new"],
        "minutes": form.get("minutes", ""),
        "note": form.get("note", ""),
        "error": error,
        "history": Reconciliation.objects.filter(patient=patient)
        .select_related("reconciled_by", "time_entry")
        .prefetch_related("items")
        .order_by("-reconciled_at")[:10],
    }
    return render(request, "medications/reconcile.html", context, status=400 if error else 200)
