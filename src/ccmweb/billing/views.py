"""Pages for billers (close, claims, remittance, denials, ledger), practitioners (sign-off) and
auditors (the packet). Views stay thin: the work is in services, claims, remittance, packet."""

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import orjson
from django.contrib import messages
from django.core.exceptions import BadRequest, PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Max, Min
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect

from ccm.periods import BillingMonth
from ccm.x12.ack999 import AckError
from ccmweb.accounts.audit import log_access, log_patients_shown
from ccmweb.jobs.models import Job
from ccmweb.jobs.tasks import AlreadyRunning, start
from ccmweb.params import month_param, uuid_param
from ccmweb.tenants.decorators import requires
from ccmweb.tenants.http import MemberRequest, in_practices
from ccmweb.tenants.models import Practice
from ccmweb.tenants.roles import can

from .acks import import_ack
from .export import FORMATS, ExportRefused, export_claims, readiness
from .guards import reopen_blocker, reopen_month
from .models import Claim, ClaimAck, ClaimExport, Denial, MonthClose, PatientMonth
from .packet import packet, packet_pdf
from .services import month_not_over, settings_to_read
from .tasks import close_month_job

PAGE_SIZE = 100


def _page(request: MemberRequest, rows: Any, patient_of: Callable[[Any], Any]) -> Page[Any]:
    """One page of ROWS, and a view row in the access log for each patient it names: a
    month of a large practice holds thousands of claims, and list pages show names."""
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    log_patients_shown(request, [patient_of(row) for row in page.object_list])
    return page


def _month(request: MemberRequest) -> BillingMonth:
    """The month asked for; a page without one shows last month, but a POST (a close, an
    export) must name its month, and one that does not parse is a 400, never another month."""
    text = request.POST.get("month") or request.GET.get("month")
    if request.method == "POST" and not text:
        raise BadRequest("Month: say which month (YYYY-MM).")
    return month_param(text, lambda: BillingMonth.of(timezone.localdate()).previous())


def _practice(request: MemberRequest) -> Practice:
    uid = request.POST.get("practice") or request.GET.get("practice")
    allowed = request.allowed_practices
    chosen = [p for p in allowed if str(p.uid) == uid and p.pk in request.practice_ids]
    if uid and not chosen:
        raise Http404
    return chosen[0] if chosen else (request.active_practice or allowed[0])


@requires("billing")
def month_close(request: MemberRequest) -> HttpResponse:
    """Choose a month, close it, see billable / held / nothing with the held reasons."""
    practice, month = _practice(request), _month(request)
    if request.method == "POST" and request.POST.get("reopen"):
        return _reopen(request, practice, month)
    not_over = month_not_over(practice, month, timezone.now())
    early = bool(request.POST.get("early"))
    if request.method == "POST" and not_over and not early:
        messages.error(request, not_over)
        return redirect(_close_url(practice, month))
    if request.method == "POST":
        try:
            job = start(
                close_month_job, practice, str(month), request.user, month=str(month),
                early=bool(not_over and early),
            )  # fmt: skip
        except AlreadyRunning:
            messages.warning(request, f"A close of {month} is already running; see below.")
        else:
            if job.status == Job.Status.DONE:  # the worker was quick (or tasks run at once)
                messages.success(
                    request,
                    f"{month} billed early for {practice.name}: the month stays open."
                    if not_over
                    else f"{month} closed for {practice.name}.",
                )
        return redirect(_close_url(practice, month))
    close = MonthClose.objects.filter(practice=practice, month=month.first).first()
    held = _page(
        request,
        PatientMonth.objects.filter(practice=practice, month=month.first, status="held")
        .select_related("patient")
        .order_by("patient__family_name", "pk"),
        lambda pm: pm.patient,
    )
    return render(
        request,
        "billing/close.html",
        {
            "practice": practice,
            "month": month,
            "close": close,
            "job": _close_job(practice, month),
            "not_over": not_over,
            "reopenable": reopen_blocker(practice, month) is None,
            "held": held,
            "practices": request.allowed_practices,
        },
    )


def _close_job(practice: Any, month: BillingMonth) -> Job | None:
    """The month's latest close job, while it runs or when it did not end well."""
    job = (
        Job.objects.filter(practice=practice, kind=Job.Kind.CLOSE, subject=str(month))
        .order_by("-enqueued_at", "-pk")
        .first()
    )
    return None if job is None or job.status == Job.Status.DONE else job


def _reopen(request: MemberRequest, practice: Any, month: BillingMonth) -> HttpResponse:
    """An administrator reopens a closed month nothing of which was sent, saying why."""
    if not can(request.role, "practice.admin"):
        raise PermissionDenied("Only an administrator reopens a month.")
    try:
        reopen_month(practice, month, request.POST.get("reason", ""), request.user)
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        log_access(request, "update", practice)
        messages.success(
            request, f"{month} is open again for {practice.name}; close it when ready."
        )
    return redirect(_close_url(practice, month))


def _close_url(practice: Any, month: BillingMonth) -> str:
    return f"{reverse('billing:close')}?{urlencode({'practice': practice.uid, 'month': month})}"


@requires("billing")
def close_progress(request: MemberRequest) -> HttpResponse:
    """The fragment the close page polls while a close is queued or runs; once it has ended,
    HTMX reloads the page, which then shows the result (or the failure)."""
    practice, month = _practice(request), _month(request)
    job = _close_job(practice, month)
    if job is None or not job.active:
        return HttpResponseClientRedirect(_close_url(practice, month))
    context = {"practice": practice, "month": month, "job": job}
    return render(request, "billing/close.html#progress", context)


@requires("billing.signoff")
def signoff(request: MemberRequest) -> HttpResponse:
    """The billing practitioner's queue of draft claims; approve one or all."""
    drafts = (
        in_practices(Claim.objects, request)
        .filter(status=Claim.Status.DRAFT, current=True)
        .exclude(returns__task__status="open")  # returned to the coordinator (care_tasks)
        .select_related("patient", "practice")
        .prefetch_related("lines")
        .order_by("month", "pk")
    )
    if request.method == "POST":
        # Only what the page showed (its claims travel with the form), unless all was asked.
        claims = [uid for uid in map(uuid_param, request.POST.getlist("claim")) if uid]
        chosen = drafts if request.POST.get("all") else drafts.filter(uid__in=claims)
        now = timezone.now()
        for claim in chosen:
            log_access(request, "update", claim, patient=claim.patient)
        approved = Claim.objects.filter(pk__in=[c.pk for c in chosen]).update(
            status=Claim.Status.APPROVED, approved_by=request.user, approved_at=now
        )
        messages.success(request, f"{approved} claim(s) approved.")
        return redirect(
            "care_tasks:queue" if request.POST.get("back") == "queue" else "billing:signoff"
        )
    page = _page(request, drafts, lambda claim: claim.patient)
    months = drafts.aggregate(first=Min("month"), last=Max("month"))
    context = {"drafts": page, "first_month": months["first"], "last_month": months["last"]}
    return render(request, "billing/signoff.html", context)


@requires("billing")
def claims(request: MemberRequest) -> HttpResponse:
    practice, month = _practice(request), _month(request)
    rows = _page(
        request,
        Claim.objects.filter(practice=practice, month=month.first)
        .select_related("patient")
        .prefetch_related("lines")
        .order_by("-current", "pk"),
        lambda claim: claim.patient,
    )
    settings = settings_to_read(practice)
    return render(
        request,
        "billing/claims.html",
        {
            "practice": practice,
            "month": month,
            "claims": rows,
            "practices": request.allowed_practices,
            "production": settings.production,
            "problems": readiness(practice, settings),
            "exports": ClaimExport.objects.filter(practice=practice, month=month.first).order_by(
                "-created_at"
            )[:20],
        },
    )


@requires("billing")
@require_POST
def export(request: MemberRequest) -> HttpResponse:
    """Write the month's unsent claims; the file downloads, and stays on the claims page."""
    practice, month = _practice(request), _month(request)
    wanted = request.POST.get("format")
    file_format = wanted if wanted in FORMATS else practice.claim_form
    try:
        done = export_claims(practice, month, file_format, user=request.user)
    except ExportRefused as exc:
        messages.error(request, f"Nothing was exported: {exc}")
        return redirect(_claims_url(practice, month))
    log_access(request, "export", practice)
    for claim_id, reason in done.held:
        messages.warning(request, f"Claim {claim_id} was held out of the file: {reason}")
    for finding in done.findings:
        messages.warning(request, finding)
    if done.record is None:
        messages.info(request, f"No claims of {month} are left to send: no file was written.")
        return redirect(_claims_url(practice, month))
    return _download(done.record)


def _claims_url(practice: Any, month: BillingMonth) -> str:
    return f"{reverse('billing:claims')}?{urlencode({'practice': practice.uid, 'month': month})}"


def _download(record: ClaimExport) -> HttpResponse:
    extension = {"csv": "csv", "fhir": "json"}.get(record.file_format, "837")
    kind = {"csv": "text/csv", "fhir": "application/json"}.get(record.file_format, "text/plain")
    response = HttpResponse(record.content, content_type=kind)
    name = f"{record.practice.slug}-{record.month:%Y-%m}-{record.interchange_number}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@requires("billing")
@require_safe
def export_file(request: MemberRequest, uid: str) -> HttpResponse:
    """An export written earlier, downloaded again (nothing is marked twice)."""
    record = get_object_or_404(
        in_practices(ClaimExport.objects, request).select_related("practice"),
        uid=uid,
    )
    log_access(request, "export", record.practice)
    return _download(record)


def _uploaded(request: MemberRequest) -> str | None:
    """The uploaded file's text (X12 is ASCII; anything else shows as replacement marks)."""
    upload = request.FILES.get("file")
    return upload.read().decode("ascii", errors="replace") if upload else None


@requires("billing")
def acknowledgments(request: MemberRequest) -> HttpResponse:
    """Upload a 999 or 277CA; work the claims they rejected (the fix to make, then re-close)."""
    report = None
    raw = _uploaded(request) if request.method == "POST" else None
    if raw is not None:
        try:
            report = import_ack(
                raw,
                request.organization,
                request.practice_ids,
                user=request.user,
            )
        except AckError as exc:
            messages.error(request, f"That file could not be read, nothing changed: {exc}")
    elif request.method == "POST" and request.POST.get("resolve"):
        item = get_object_or_404(_rejections(request), uid=request.POST["resolve"])
        ClaimAck.objects.filter(pk=item.pk).update(
            status=ClaimAck.Status.RESOLVED, resolved_by=request.user, resolved_at=timezone.now()
        )
        log_access(request, "update", item.claim, patient=item.claim.patient)
        return redirect("billing:acks")
    queue = _page(request, _rejections(request), lambda item: item.claim.patient)
    return render(request, "billing/acks.html", {"report": report, "queue": queue})


def _rejections(request: MemberRequest) -> Any:
    return (
        in_practices(ClaimAck.objects, request, "claim__practice")
        .filter(status=ClaimAck.Status.OPEN)
        .select_related("claim__patient")
        .order_by("-pk")
    )


@requires("billing")
def denials(request: MemberRequest) -> HttpResponse:
    queue = (
        in_practices(Denial.objects, request, "claim__practice")
        .select_related("claim__patient")
        .order_by("status", "-pk")
    )
    if request.method == "POST":
        denial = get_object_or_404(queue, uid=uuid_param(request.POST.get("denial")))
        Denial.objects.filter(pk=denial.pk).update(
            status="resolved", resolved_by=request.user, resolved_at=timezone.now()
        )
        log_access(request, "update", denial, patient=denial.claim.patient)
        return redirect("billing:denials")
    page = _page(request, queue, lambda denial: denial.claim.patient)
    return render(request, "billing/denials.html", {"denials": page})


@requires("billing")
@require_safe
def ledger(request: MemberRequest, uid: str) -> HttpResponse:
    claim = get_object_or_404(
        in_practices(Claim.objects, request).select_related("patient"),
        uid=uid,
    )
    log_access(request, "view", claim, patient=claim.patient)
    entries = claim.ledger.order_by("at", "pk")
    paid = sum((e.amount for e in entries if e.kind == "paid"), start=0)
    return render(
        request, "billing/ledger.html", {"claim": claim, "entries": entries, "paid": paid}
    )


def _patient_month(request: MemberRequest, uid: str) -> PatientMonth:
    return get_object_or_404(
        in_practices(PatientMonth.objects, request).select_related("patient", "practice"),
        uid=uid,
    )


@requires("audit.read")
@require_safe
def packet_view(request: MemberRequest, uid: str, fmt: str = "html") -> HttpResponse:
    """The audit packet: read-only for everyone, an auditor included; JSON and PDF siblings."""
    pm = _patient_month(request, uid)
    log_access(request, "view" if fmt == "html" else "export", pm, patient=pm.patient)
    data = packet(pm)
    if fmt == "json":
        return HttpResponse(
            orjson.dumps(data, option=orjson.OPT_INDENT_2), content_type="application/json"
        )
    context = {"p": data, "pm": pm, "generated": dt.datetime.now(dt.UTC)}
    if fmt == "pdf":
        html = render_to_string("billing/packet_pdf.html", context, request=request)
        response = HttpResponse(packet_pdf(html), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="packet-{pm.uid}.pdf"'
        return response
    return render(request, "billing/packet.html", context)


@requires("audit.read")
def packets(request: MemberRequest) -> HttpResponse:
    """Patient-months of a month to open packets from (billable and held first)."""
    practice, month = _practice(request), _month(request)
    rows = _page(
        request,
        PatientMonth.objects.filter(practice=practice, month=month.first)
        .exclude(status="nothing")
        .select_related("patient")
        .order_by("status", "pk"),
        lambda pm: pm.patient,
    )
    return render(
        request,
        "billing/packets.html",
        {
            "practice": practice,
            "month": month,
            "rows": rows,
            "practices": request.allowed_practices,
        },
    )
