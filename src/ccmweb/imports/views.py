"""Pages: upload EMR files for a practice and watch the import; the enrollment gap audit."""

import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from ccm.csvout import SafeWriter
from ccm.periods import BillingMonth
from ccmweb.accounts.audit import log_access
from ccmweb.jobs.models import Job
from ccmweb.jobs.tasks import start
from ccmweb.params import month_param
from ccmweb.tenants.decorators import requires
from ccmweb.tenants.http import MemberRequest, in_practices
from ccmweb.tenants.models import Practice

from .audit import audit_summary, cents, default_month, run_audit
from .models import ImportRun
from .services import report, start_run
from .tasks import import_files

MAX_UPLOAD_FILES = 200


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
    """An admin uploads FHIR or CSV files; the import is queued as a background task."""
    runs = (
        in_practices(ImportRun.objects, request)
        .select_related("practice")
        .order_by("-started_at")[:20]
    )
    error = ""
    if request.method == "POST":
        files = request.FILES.getlist("files")
        fmt = request.POST.get("format", "fhir")
        if not files:
            error = "Choose one or more files."
        elif len(files) > MAX_UPLOAD_FILES or fmt not in ImportRun.Format.values:
            error = f"Upload at most {MAX_UPLOAD_FILES} files as FHIR or CSV."
        else:
            practice = _practice(request, request.POST.get("practice"))
            run = start_run(practice, fmt, request.user)
            log_access(request, "import", run)
            folder = Path(tempfile.mkdtemp(prefix="import-", dir=_upload_dir()))
            for number, upload_file in enumerate(files):
                # our own file names: the uploaded names may carry patient data
                uploaded = Path(upload_file.name or "")
                suffix = "".join(uploaded.suffixes[-2:])[:20]
                name = f"{number:04d}{suffix}" if fmt == "fhir" else uploaded.name
                with (folder / name).open("wb") as out:
                    for chunk in upload_file.chunks():
                        out.write(chunk)
            _start(run, folder, request)
            return redirect("imports:run", uid=run.uid)
    return render(
        request,
        "imports/upload.html",
        {"runs": runs, "error": error, "formats": ImportRun.Format.choices},
    )


def _upload_dir() -> Path:
    path = Path(settings.DATA_DIR) / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _start(run: ImportRun, folder: Path, request: MemberRequest) -> None:
    """Queue the import of FOLDER into RUN; the worker runs it and writes progress to the run."""
    start(
        import_files,
        run.practice,
        str(run.uid),
        request.user,
        run=run.pk,
        paths=[str(folder)],
        uploaded=True,
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


@requires("eligibility.audit")
def audit_page(request: MemberRequest) -> HttpResponse:
    """Funnel, revenue gap and the ranked outreach list for one practice and month."""
    practice = _practice(request, request.GET.get("practice"))
    month = _month(request, practice)
    audit = run_audit(practice, month)
    log_access(request, "audit", practice)
    doc = audit_summary(audit)  # counts and revenue: the page lists patients apart
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
    return render(
        request,
        "imports/audit.html",
        {
            "practice": practice,
            "month": month,
            "doc": doc,
            "funnel": funnel,
            "opportunities": audit.opportunities[:200],
            "unverified": audit.unverified[:200],
            "uncaptured": cents(audit.uncaptured_cents),
            "cents": cents,
        },
    )


@requires("eligibility.audit")
def audit_csv(request: MemberRequest) -> HttpResponse:
    """The outreach list as CSV for authorised staff (names included; the URL carries none)."""
    practice = _practice(request, request.GET.get("practice"))
    month = _month(request, practice)
    audit = run_audit(practice, month)
    log_access(request, "export", practice)
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="outreach-{practice.slug}-{month}.csv"'
    writer = SafeWriter(response)  # a name like =HYPERLINK(…) stays a name in a spreadsheet
    writer.writerow(
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
    rows = audit.opportunities + audit.unverified
    for rank, gap in enumerate(rows, start=1):
        writer.writerow(
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
    return response
