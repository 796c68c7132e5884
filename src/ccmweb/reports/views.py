"""Report pages: each as HTML, CSV (?format=csv) and PDF (?format=pdf), for one practice or
all the user may see (?practice=<uid>), a month (?month=YYYY-MM) and the months before it.
The query string carries no patient data; pages read the monthly facts only and write
nothing (the Refresh button POSTs a job)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import BadRequest
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from ccm.csvout import SafeWriter
from ccm.periods import BillingMonth
from ccmweb.params import month_param, whole_number
from ccmweb.pdf import render_pdf
from ccmweb.tenants.decorators import requires
from ccmweb.tenants.http import MemberRequest
from ccmweb.tenants.localtime import local_today

from . import reading
from .models import PracticeMonth, ServiceContract
from .tasks import queue_refresh

WINDOWS = (6, 12, 24)


class Filters:
    """The practice(s), month and window a report covers, from the query string."""

    def __init__(self, request: MemberRequest) -> None:
        self.allowed = [p for p in request.allowed_practices if p.pk in request.practice_ids]
        if not self.allowed:
            raise Http404
        data = request.POST if request.method == "POST" else request.GET
        uid = (data.get("practice") or "").strip()
        chosen = [p for p in self.allowed if str(p.uid) == uid]
        if uid and not chosen:
            raise Http404  # another organisation's or practice's: not found
        self.practice = chosen[0] if chosen else None
        self.practices = chosen or self.allowed
        self.ids = [p.pk for p in self.practices]
        first = self.practices[0]
        self.today = local_today(first)
        self.month = month_param(data.get("month"), lambda: BillingMonth.of(self.today).previous())
        months = whole_number(data.get("months"), 24)
        self.months = months if months in WINDOWS else 12

    def query(self, **extra: Any) -> str:
        from urllib.parse import urlencode

        params = {"month": str(self.month), "months": self.months, **extra}
        if self.practice is not None:
            params["practice"] = str(self.practice.uid)
        return urlencode(params)

    @property
    def label(self) -> str:
        return self.practice.name if self.practice else f"All practices ({len(self.practices)})"


def _build(kind: str, request: MemberRequest, f: Filters) -> reading.Report:
    if kind == "program":
        target = whole_number(request.GET.get("target"), 100) or 80
        return reading.program(f.ids, f.month, f.months, target)
    if kind == "revenue":
        return reading.revenue(f.ids, f.month, f.months, f.today)
    if kind == "coordinators":
        patients = whole_number(request.GET.get("plan_patients"), 10_000_000)
        minutes = whole_number(request.GET.get("plan_minutes"), 10_000)
        plan = (patients, minutes) if patients is not None and minutes is not None else None
        return reading.coordinators(f.ids, f.month, plan)
    if kind == "outcomes":
        return reading.outcomes(f.ids, f.month, f.months)
    if kind == "company":
        return reading.company(f.practices, f.month)
    raise Http404


def _respond(
    request: MemberRequest, kind: str, template: str = "reports/report.html"
) -> HttpResponse:
    f = Filters(request)
    report = _build(kind, request, f)
    output = request.GET.get("format", "")
    name = f"{kind}-{f.practice.slug if f.practice else 'all'}-{f.month}"
    if output == "csv":
        return _csv(report, f, name)
    refreshed = (
        PracticeMonth.objects.filter(practice_id__in=f.ids, month=f.month.first)
        .order_by("refreshed_at").values_list("refreshed_at", flat=True).first()
    )  # fmt: skip
    context = {"report": report, "f": f, "windows": WINDOWS, "refreshed": refreshed, "kind": kind,
               "generated": timezone.now()}  # fmt: skip
    if output == "pdf":
        html = render_to_string(
            "reports/report_pdf.html", {**context, "reports": [report]}, request=request
        )
        return _pdf(html, name)
    if output:
        raise BadRequest("Format: csv or pdf, or none for the page.")
    return render(request, template, context)


def _csv(report: reading.Report, f: Filters, name: str) -> HttpResponse:
    out = io.StringIO()
    writer = SafeWriter(out, quoting=csv.QUOTE_MINIMAL)
    writer.writerow([report.title, f.label, str(f.month)])
    for table in report.tables:
        writer.writerow([])
        writer.writerow([table.caption])
        writer.writerow(table.columns)
        writer.writerows(table.rows)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def _pdf(html: str, name: str) -> HttpResponse:
    response = HttpResponse(render_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response


def _page(kind: str, capability: str = "reports.view") -> Callable[[MemberRequest], HttpResponse]:
    @requires(capability)
    @require_safe
    def view(request: MemberRequest) -> HttpResponse:
        return _respond(request, kind)

    view.__name__ = view.__qualname__ = kind
    view.__doc__ = f"The {kind} report: page, CSV or PDF."
    return view


program = _page("program")
revenue = _page("revenue")
coordinators = _page("coordinators")
outcomes = _page("outcomes")


@requires("reports.view")
@require_safe
def index(request: MemberRequest) -> HttpResponse:
    """The reports' front page: this month's headline figures and where to go."""
    f = Filters(request)
    if request.GET.get("format") == "pdf":
        return monthly_pdf(request, f)
    sums = reading.month_sums(f.ids, [f.month]).get(f.month.first)
    return render(request, "reports/index.html", {"f": f, "sums": sums, "windows": WINDOWS})


def monthly_report(practices: list[Any], month: BillingMonth, today: Any) -> list[reading.Report]:
    """The monthly report: every report of the month, as the 5th's e-mail sends it."""
    ids = [p.pk for p in practices]
    return [
        reading.program(ids, month, 12, 80),
        reading.revenue(ids, month, 12, today),
        reading.coordinators(ids, month, None),
        reading.outcomes(ids, month, 12),
    ]


def monthly_pdf(request: MemberRequest, f: Filters) -> HttpResponse:
    """The monthly report PDF, the one the 5th's e-mail carries, in one click."""
    reports = monthly_report(f.practices, f.month, f.today)
    html = render_to_string(
        "reports/report_pdf.html",
        {"reports": reports, "f": f, "generated": timezone.now(), "report": reports[0]},
        request=request,
    )
    return _pdf(html, f"monthly-{f.practice.slug if f.practice else 'all'}-{f.month}")


@requires("reports.refresh")
@require_POST
def refresh(request: MemberRequest) -> HttpResponse:
    """Queue a refresh of the chosen month and the months of the window for the practices."""
    f = Filters(request)
    months = reading.window(f.month, f.months)
    queued = [queue_refresh(p, months, user=request.user) for p in f.practices]
    messages.success(request, f"Refresh queued for {sum(1 for q in queued if q)} practice(s).")
    back = request.POST.get("next", "")
    target = (
        back if back in ("program", "revenue", "coordinators", "outcomes", "company") else "index"
    )
    return redirect(f"{reverse('reports:' + target)}?{f.query()}")


# --- service company ---------------------------------------------------------------------------
class ContractForm(forms.ModelForm):  # type: ignore[type-arg]  # not subscriptable at runtime without django-stubs-ext's monkeypatch
    class Meta:
        model = ServiceContract
        fields = ["model", "rate", "hourly_cost"]

    def clean_rate(self) -> Any:
        rate = self.cleaned_data["rate"]
        if rate is None or rate < 0:
            raise forms.ValidationError("Rate: a figure of 0 or more.")
        if self.cleaned_data.get("model") == ServiceContract.Model.PERCENT and rate > 100:
            raise forms.ValidationError("Rate: a percent of collections is at most 100.")
        return rate


@requires("reports.company")
@require_safe
def company(request: MemberRequest) -> HttpResponse:
    """Per client practice: the month's statement, the company's share, profitability."""
    f = Filters(request)
    if request.GET.get("format") == "invoice":
        return invoice(request, f)
    if request.GET.get("format"):
        return _respond(request, "company")
    report = reading.company(f.practices, f.month)
    contracts = {c.practice_id: c for c in ServiceContract.objects.filter(practice_id__in=f.ids)}
    forms_ = [
        (p, ContractForm(instance=contracts.get(p.pk), prefix=str(p.uid))) for p in f.practices
    ]
    return render(request, "reports/company.html", {"report": report, "f": f, "windows": WINDOWS,
                                                    "kind": "company", "forms": forms_})  # fmt: skip


@requires("reports.company")
@require_POST
def contract(request: MemberRequest) -> HttpResponse:
    """Set one client practice's contract (the company's administrator)."""
    f = Filters(request)
    if f.practice is None:
        raise BadRequest("Practice: say whose contract this is.")
    found = ServiceContract.objects.filter(practice=f.practice).first()
    form = ContractForm(request.POST, instance=found, prefix=str(f.practice.uid))
    if form.is_valid():
        row = form.save(commit=False)
        row.organization_id, row.practice = f.practice.organization_id, f.practice
        row.save()
        messages.success(request, f"Contract of {f.practice.name} saved.")
    else:
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, f"Contract of {f.practice.name} not saved: {errors}")
    return redirect(f"{reverse('reports:company')}?month={f.month}&months={f.months}")


def invoice(request: MemberRequest, f: Filters) -> HttpResponse:
    """The invoice PDF for one client practice's month, under the company's branding."""
    if f.practice is None:
        raise BadRequest("Practice: an invoice is for one client practice.")
    statement = reading.statements([f.practice], f.month)[0]
    if statement.contract is None:
        raise BadRequest("Practice: it has no contract yet: set one on the company page.")
    html = render_to_string(
        "reports/invoice_pdf.html",
        {
            "s": statement,
            "company": request.organization,
            "logo": _logo(request.organization),
            "generated": timezone.now(),
        },
        request=request,
    )
    return _pdf(html, f"invoice-{f.practice.slug}-{f.month}")


def _logo(organization: Any) -> str:
    """The company's logo as a data: URI for the invoice (the PDF fetches nothing else)."""
    import base64

    if not organization.logo or not organization.logo_type:
        return ""
    data = base64.b64encode(bytes(organization.logo)).decode()
    return f"data:{organization.logo_type};base64,{data}"
