"""Pages: upload EMR files for a practice and watch the import; the enrollment gap audit."""

import csv
import shutil
import tempfile
import threading
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from ccm.periods import BillingMonth
from ccm.reading import InputError
from ccmweb.accounts.audit import log_access
from ccmweb.tenants.decorators import requires
from ccmweb.tenants.models import Practice

from .audit import audit_summary, cents, default_month, run_audit
from .models import ImportRun
from .services import report, run_import, run_in_background, start_run

MAX_UPLOAD_FILES = 200


def _practice(request: HttpRequest, uid: str | None) -> Practice:
    """The practice named by its opaque uid among those the user may see, else the active one."""
    allowed = [p for p in request.allowed_practices if p.pk in request.practice_ids]  # type: ignore[attr-defined]
    if uid:
        match = next((p for p in allowed if str(p.uid) == uid), None)
        if match is None:
            raise Http404("No such practice.")
        return match
    if not allowed:
        raise Http404("No practice.")
    return request.active_practice or allowed[0]  # type: ignore[attr-defined,no-any-return]


@requires("practice.admin")
def upload(request: HttpRequest) -> HttpResponse:
    """An admin uploads FHIR or CSV files; the import runs in a background thread."""
    runs = (
        ImportRun.objects.filter(practice_id__in=request.practice_ids)
        .select_related("practice")
        .order_by("-started_at")[:20]
    )  # type: ignore[attr-defined]
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
                suffix = "".join(Path(upload_file.name).suffixes[-2:])[:20]
                name = f"{number:04d}{suffix}" if fmt == "fhir" else Path(upload_file.name).name
                with (folder / name).open("wb") as out:
                    for chunk in upload_file.chunks():
                        out.write(chunk)
            _start(run, folder)
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


def _start(run: ImportRun, folder: Path) -> None:
    """Tests run the import inline; the server runs it in a thread that writes progress to the run."""

    def cleanup() -> None:
        shutil.rmtree(folder, ignore_errors=True)

    if getattr(settings, "TESTING", False):
        try:
            run_import(run, [folder])
        except InputError:
            pass  # recorded on the run row, which the page shows
        finally:
            cleanup()
        return
    thread = threading.Thread(
        target=run_in_background,
        args=(run.pk, run.organization_id, [str(folder)], cleanup),
        daemon=True,
        name=f"import-{run.pk}",
    )
    thread.start()


def _run(request: HttpRequest, uid: str) -> ImportRun:
    return get_object_or_404(
        ImportRun.objects.filter(practice_id__in=request.practice_ids).select_related("practice"),  # type: ignore[attr-defined]
        uid=uid,
    )


@requires("practice.admin")
def run_detail(request: HttpRequest, uid: str) -> HttpResponse:
    run = _run(request, uid)
    log_access(request, "view", run)
    return render(request, "imports/run.html", {"run": run, "report": report(run)})


@requires("practice.admin")
def run_progress(request: HttpRequest, uid: str) -> HttpResponse:
    """The progress fragment HTMX polls while the run is running; the full report once done."""
    run = _run(request, uid)
    template = (
        "imports/run.html#progress"
        if run.status == ImportRun.Status.RUNNING
        else "imports/run.html#result"
    )
    return render(request, template, {"run": run, "report": report(run)})


def _month(request: HttpRequest, practice: Practice) -> BillingMonth:
    text = request.GET.get("month", "")
    try:
        return BillingMonth.parse(text) if text else default_month(practice)
    except ValueError:
        raise Http404("Not a YYYY-MM month.") from None


@requires("eligibility.audit")
def audit_page(request: HttpRequest) -> HttpResponse:
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
def audit_csv(request: HttpRequest) -> HttpResponse:
    """The outreach list as CSV for authorised staff (names included; the URL carries none)."""
    practice = _practice(request, request.GET.get("practice"))
    month = _month(request, practice)
    audit = run_audit(practice, month)
    log_access(request, "export", practice)
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="outreach-{practice.slug}-{month}.csv"'
    writer = csv.writer(response)
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
