"""Pages: upload EMR files for a practice and watch the import; the enrollment gap audit."""

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect
from django_scopes import scope

from ccm.csvio.layout import DATE_FORMATS
from ccm.csvout import SafeWriter
from ccm.periods import BillingMonth
from ccm.rules.coverage import MEDICARE_STATUS_UNKNOWN, coverage_in_words
from ccmweb.accounts.audit import log_access
from ccmweb.jobs.models import Job
from ccmweb.jobs.tasks import start
from ccmweb.params import month_param, whole_number
from ccmweb.tenants.decorators import requires
from ccmweb.tenants.http import MemberRequest, in_practices
from ccmweb.tenants.models import Practice

from .audit import cents, default_month, gaps
from .gap_results import audit_summary, latest, listed_count, pages, stream
from .models import ImportRun
from .services import reason_group, report, start_run
from .tasks import import_files, refresh_audit

MAX_UPLOAD_FILES = 200
PAGE = 100  # patients a page of the audit's lists
_DOCUMENT_SUFFIXES: dict[str, str] = {ImportRun.Format.CCDA: ".xml", ImportRun.Format.HL7: ".hl7"}


def _practice(request: MemberRequest, uid: str | None) -> Practice:
    """The practice named by its opaque uid among those the user may see, else the active one."""
    allowed = [p for p in request.allowed_practices if p.pk in request.practice_ids]
    if uid:
        match = next((p for p in allowed if str(p.uid) == uid), None)
        if match is None:
            raise Http404("No such practice.")
        return match
    if not allowed:
        raise Http404("No practice.")
    return request.active_practice or allowed[0]


@requires("practice.admin")
def upload(request: MemberRequest) -> HttpResponse:
    """An admin uploads FHIR, CSV, C-CDA or HL7v2 files; the import is queued as a background task."""
    runs = (
        in_practices(ImportRun.objects, request)
        .select_related("practice")
        .order_by("-started_at")[:20]
    )
    error = ""
    if request.method == "POST":
        files = request.FILES.getlist("files")
        fmt = request.POST.get("format", "fhir")
        date_format = DATE_FORMATS.get(request.POST.get("date_format", "iso"))
        if not files:
            error = "Choose one or more files."
        elif len(files) > MAX_UPLOAD_FILES or fmt not in ImportRun.Format.values:
            error = f"Upload at most {MAX_UPLOAD_FILES} files in one of the formats listed."
        elif date_format is None:
            error = "Date format: choose one of the listed formats."
        else:
            practice = _practice(request, request.POST.get("practice"))
            run = start_run(practice, fmt, request.user)
            log_access(request, "import", run)
            folder = Path(tempfile.mkdtemp(prefix="import-", dir=_upload_dir()))
            for number, upload_file in enumerate(files):
                # our own file names: the uploaded names may carry patient data
                uploaded = Path(upload_file.name or "")
                suffix = "".join(uploaded.suffixes[-2:])[:20]
                # every file of a C-CDA or HL7v2 upload is read as one, whatever its name says:
                # one that is not is rejected by name, never passed over
                suffix = _DOCUMENT_SUFFIXES.get(fmt, suffix)
                name = f"{number:04d}{suffix}" if fmt != "csv" else uploaded.name
                with (folder / name).open("wb") as out:
                    for chunk in upload_file.chunks():
                        out.write(chunk)
            us = fmt == "csv" and date_format != DATE_FORMATS["iso"]  # ISO: the default reading
            _start(run, folder, request, date_format if us else None)
            return redirect("imports:run", uid=run.uid)
    return render(
        request,
        "imports/upload.html",
        {
            "runs": runs,
            "error": error,
            "formats": ImportRun.Format.choices,
            "date_formats": [
                ("iso", "2026-03-15 (ISO)"),
                ("us", "03/15/2026 (US)"),
                ("dmy", "15/03/2026"),
            ],
        },
    )


def _upload_dir() -> Path:
    path = Path(settings.DATA_DIR) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _start(
    run: ImportRun, folder: Path, request: MemberRequest, date_format: str | None = None
) -> None:
    """Queue the import of FOLDER into RUN; the worker runs it and writes progress to the run."""
    start(
        import_files,
        run.practice,
        str(run.uid),
        request.user,
        run=run.pk,
        paths=[str(folder)],
        uploaded=True,
        date_format=date_format,
    )


def _job(run: ImportRun) -> Job | None:
    return Job.objects.filter(kind=Job.Kind.IMPORT, subject=str(run.uid)).order_by("-pk").first()


def _state(run: ImportRun) -> tuple[str, Job | None]:
    """running, done or failed as a person should read it: a run whose process died (its job
    gone or interrupted) is failed, never running forever (the worker records it too)."""
    job = _job(run)
    if run.status == ImportRun.Status.RUNNING and (job is None or not job.active):
        return "interrupted", job
    return run.status, job


def _run(request: MemberRequest, uid: str) -> ImportRun:
    return get_object_or_404(
        in_practices(ImportRun.objects, request).select_related("practice"),
        uid=uid,
    )


@requires("practice.admin")
@require_safe
def run_detail(request: MemberRequest, uid: str) -> HttpResponse:
    run = _run(request, uid)
    log_access(request, "view", run)
    return render(request, "imports/run.html", _context(run))


def _context(run: ImportRun) -> dict[str, object]:
    state, job = _state(run)
    resumable = state in ("failed", "interrupted") and bool(_upload_paths(job))
    return {"run": run, "report": report(run), "state": state, "resumable": resumable}


def _upload_paths(job: Job | None) -> list[str]:
    """The uploaded folder a failed run read, while it is still kept."""
    if job is None or not job.arguments.get("uploaded"):
        return []
    paths = [str(p) for p in job.arguments.get("paths", [])]
    return paths if paths and all(Path(p).is_dir() for p in paths) else []


@requires("practice.admin")
@require_safe
def problems_csv(request: MemberRequest, uid: str) -> HttpResponse:
    """Every rejection and warning of a run as CSV (through SafeWriter: a value such as
    =HYPERLINK(…) stays text in a spreadsheet); the page shows them grouped by reason."""
    run = _run(request, uid)
    log_access(request, "export", run)
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="import-{run.uid}-problems.csv"'
    writer = SafeWriter(response)
    writer.writerow(["kind", "reason_group", "source", "resource_type", "resource_id", "reason"])
    for problem in run.problems.order_by("pk").iterator():
        writer.writerow(
            [
                "warning" if problem.warning else "rejected",
                reason_group(problem.reason),
                problem.source,
                problem.resource_type,
                problem.resource_id,
                problem.reason,
            ]
        )
    return response


@requires("practice.admin")
@require_safe
def run_progress(request: MemberRequest, uid: str) -> HttpResponse:
    """The progress fragment HTMX polls while the run is running; the full report once done."""
    run = _run(request, uid)
    context = _context(run)
    running = context["state"] == ImportRun.Status.RUNNING
    template = "imports/run.html#progress" if running else "imports/run.html#result"
    return render(request, template, context)


@require_POST
@requires("practice.admin")
def resume(request: MemberRequest, uid: str) -> HttpResponse:
    """Import a failed or interrupted run's uploaded files again, as a new run: what the first
    one wrote is unchanged in the second (the ledger), the rest is loaded."""
    old = _run(request, uid)
    state, job = _state(old)
    paths = _upload_paths(job) if state in ("failed", "interrupted") else []
    if not paths:
        messages.warning(request, "This import cannot be resumed: upload the files again.")
        return redirect("imports:run", uid=old.uid)
    if state == "interrupted":  # the worker may not have recorded it yet
        ImportRun.objects.filter(pk=old.pk, status=ImportRun.Status.RUNNING).update(
            status=ImportRun.Status.FAILED, failure="Interrupted; resumed as a new run."
        )
    run = start_run(old.practice, old.format, request.user)
    log_access(request, "import", run)
    start(import_files, run.practice, str(run.uid), request.user, run=run.pk, paths=paths,
          uploaded=True)  # fmt: skip
    return redirect("imports:run", uid=run.uid)


def _month(request: MemberRequest, practice: Practice) -> BillingMonth:
    return month_param(request.GET.get("month"), lambda: default_month(practice))


def _audit_url(practice: Practice, month: BillingMonth) -> str:
    return f"{reverse('imports:audit')}?{urlencode({'practice': practice.uid, 'month': month})}"


def _audit_job(practice: Practice, month: BillingMonth) -> Job | None:
    """The month's latest audit job while it is queued or runs, or when it did not end well."""
    job = (
        Job.objects.filter(practice=practice, kind=Job.Kind.AUDIT, subject=str(month))
        .order_by("-enqueued_at", "-pk")
        .first()
    )
    return None if job is None or job.status == Job.Status.DONE else job


@requires("eligibility.audit")
@require_safe
def audit_page(request: MemberRequest) -> HttpResponse:
    """Funnel, revenue gap and the ranked outreach list for one practice and month, as the
    audit task last computed them (imports/tasks.py): the page never runs the audit."""
    practice = _practice(request, request.GET.get("practice"))
    month = _month(request, practice)
    job = _audit_job(practice, month)
    if request.GET.get("progress"):  # the fragment the page polls while the audit runs
        if job is None or not job.active:
            return HttpResponseClientRedirect(_audit_url(practice, month))
        progress = {"practice": practice, "month": month, "job": job}
        return render(request, "imports/audit.html#progress", progress)
    result = latest(practice, month)
    log_access(request, "audit", practice)
    context: dict[str, Any] = {"practice": practice, "month": month, "job": job, "result": result}
    if result is not None:
        doc = audit_summary(result)  # counts and revenue: the page lists patients apart
        counts = doc["counts"]
        eligible = max(counts["eligible"].values()) if counts["patients"] else 0
        steps = [
            ("Eligible", eligible),
            ("Consented", counts["enrolled"]),
            ("Billed", counts["billed"]),
        ]
        top = max([n for _label, n in steps] + [1])
        funnel = [
            {"label": label, "count": n, "width": round(600 * n / top), "y": 10 + 44 * i}
            for i, (label, n) in enumerate(steps)
        ]
        lists, numbers = {}, {}
        for listed, param, total in (
            ("opportunities", "page", counts["opportunities"]),
            ("unverified", "upage", counts["coverage_unverified"]),
            ("advantage", "apage", listed_count(result, "advantage")),
            ("status_unknown", "spage", listed_count(result, "status_unknown")),
        ):
            last = max(1, -(-total // PAGE))
            number = numbers[listed] = min(whole_number(request.GET.get(param), 10**9) or 1, last)
            lists[listed] = {
                "number": number,
                "pages": last,
                "param": param,
                "first": (number - 1) * PAGE,
                "total": total,
            }
        for listed, shown in pages(result, numbers, PAGE).items():  # four lists, read together
            lists[listed]["gaps"] = shown
        context |= {
            "doc": doc,
            "funnel": funnel,
            "lists": lists,
            "advantage_words": coverage_in_words(["medicare_advantage"], None, False),
            "status_unknown_words": MEDICARE_STATUS_UNKNOWN,
        }
    return render(request, "imports/audit.html", context)


@requires("eligibility.audit")
@require_POST
def audit_recompute(request: MemberRequest) -> HttpResponse:
    """Queue the audit of the month again (the worker computes it; the page shows progress)."""
    practice = _practice(request, request.POST.get("practice"))
    month = month_param(request.POST.get("month"), lambda: default_month(practice))
    refresh_audit(practice, month, request.user)
    log_access(request, "audit", practice)
    return redirect(_audit_url(practice, month))


class _Echo:
    """A file-like whose write returns the line: csv.writer's rows, streamed."""

    def write(self, text: str) -> str:
        return text


@requires("eligibility.audit")
def audit_csv(request: MemberRequest) -> StreamingHttpResponse:
    """The outreach list of the stored result as CSV for authorised staff (names included; the
    URL carries none), streamed: it may hold most of a million patients."""
    practice = _practice(request, request.GET.get("practice"))
    month = _month(request, practice)
    result = latest(practice, month)
    if result is None:
        raise Http404("No audit of this month yet: compute it on the audit page.")
    log_access(request, "export", practice)
    writer = SafeWriter(_Echo())  # a name like =HYPERLINK(…) stays a name in a spreadsheet

    def lines() -> Iterator[str]:
        """Rows as the response is sent, after the view returned: in the scope again."""
        with scope(organization=practice.organization):
            yield writer.writerow(
                [
                    "rank",
                    "mrn",
                    "name",
                    "eligible",
                    "coverage",
                    "expected_monthly",
                    "initiating_visit_needed",
                    "reasons",
                ]
            )
            rank = 0
            for listed in ("opportunities", "unverified"):
                for rows in stream(result, listed, chunk=5000):
                    for gap in gaps(rows):
                        rank += 1
                        yield writer.writerow(
                            [
                                rank,
                                gap.mrn,
                                gap.name,
                                " ".join(gap.eligible),
                                gap.coverage,
                                cents(gap.expected_cents),
                                "yes" if gap.initiating_visit_needed else "no",
                                "; ".join(gap.reasons),
                            ]
                        )

    response = StreamingHttpResponse(lines(), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="outreach-{practice.slug}-{month}.csv"'
    return response
