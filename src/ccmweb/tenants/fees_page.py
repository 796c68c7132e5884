"""The fee schedule page: what is loaded for each year, and loading CMS's files for a year
with the very code `ccm fees load` runs (ccm.rules.fees.load_cms_files)."""

import tempfile
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from ccm.rules.fees import FeeSchedule, FeeScheduleError, load_cms_files, loaded_years
from ccm.rules.parameters import PARAMETER_DIR
from ccmweb.accounts.audit import log_access

from .decorators import requires
from .forms import fee_dir
from .http import MemberRequest
from .views import organisation_wide

MAX_FILE_BYTES = 20_000_000  # CMS's full PPRRVU file is about 4 MB


class FeeLoad:
    """What the access log names: a fee schedule year (no patient, no practice)."""

    def __init__(self, year: int) -> None:
        self.uid = f"fees-{year}"


@requires("practice.admin")
def fee_schedules(request: MemberRequest) -> HttpResponse:
    """Loaded years for every admin; loading is for the installation's operator (is_staff):
    the tables price every organisation's claims on this installation."""
    organisation_wide(request)
    may_load = request.user.is_staff
    if request.method == "POST":
        if not may_load:
            raise PermissionDenied("Only the installation's operator loads fee schedules.")
        error = _load(request)
        if error:
            messages.error(request, error)
        return redirect("tenants:fees")
    built_in = loaded_years(PARAMETER_DIR)
    loaded = loaded_years(fee_dir())
    schedule = FeeSchedule.load(fee_dir())
    years = [
        {
            "year": year,
            "built_in": built_in.get(year, []),
            "loaded": loaded.get(year, []),
            "factor": schedule.conversion_factors.get(year),
        }
        for year in sorted(set(built_in) | set(loaded), reverse=True)
    ]
    this_year = timezone.localdate().year
    context = {
        "years": years,
        "may_load": may_load,
        "choices": range(this_year + 1, this_year - 4, -1),
        "sources": sorted(schedule.sources.items()),
    }
    return render(request, "tenants/fees.html", context)


def _load(request: MemberRequest) -> str:
    """Load the uploaded files for the chosen year; an error in words, or '' when loaded."""
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        return "Choose the year the files are for."
    uploads = {name: request.FILES.get(name) for name in ("rvu", "gpci", "counties")}
    if uploads["rvu"] is None or uploads["gpci"] is None:
        return "Choose CMS's PPRRVU file and its GPCI file (the counties file is optional)."
    if any(f is not None and (f.size or 0) > MAX_FILE_BYTES for f in uploads.values()):
        return "A file is larger than 20 MB: is it CMS's CSV file?"
    with tempfile.TemporaryDirectory(prefix="fees-") as folder:
        paths: dict[str, Path | None] = {}
        for name, upload in uploads.items():
            if upload is None:
                paths[name] = None
                continue
            path = Path(folder) / Path(upload.name or name).name
            path.write_bytes(upload.read())
            paths[name] = path
        try:
            assert paths["rvu"] is not None
            written = load_cms_files(
                year, paths["rvu"], paths["gpci"], fee_dir(), paths["counties"]
            )
        except (FeeScheduleError, ValueError, UnicodeDecodeError) as exc:
            return f"Nothing was loaded: {exc}"
    log_access(request, "update", FeeLoad(year))
    messages.success(request, f"Loaded {year}: {', '.join(p.name for p in written)}.")
    return ""
