"""Where a new practice stands on its way to a first claim file, step by step, in words.

Each step reads what is stored (nothing is ticked by hand), so the checklist can never
disagree with the pages it links to. Steps in order: details → EMR import → gap audit
reviewed → outreach list exported or assigned → first consents → care plans signed →
first month closed → 837P validated and downloaded.
"""

from dataclasses import dataclass

from django.urls import reverse

from .models import Practice
from .validators import npi_is_valid


@dataclass(frozen=True)
class Step:
    title: str
    done: bool
    missing: str  # what is still missing, in words; empty when done
    url: str  # where to do it
    action: str  # the link's words


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def details_missing(practice: Practice) -> list[str]:
    """What the practice's details still lack for a claim: identifiers, address, practitioners."""
    from ccmweb.billing.models import PLACEHOLDER_RECEIVER, BillingSettings

    missing = []
    if not npi_is_valid(practice.billing_npi):
        missing.append("the billing NPI is not a valid NPI")
    if len(practice.tin) != 9:
        missing.append("the TIN is not 9 digits")
    if not (practice.address_line and practice.city and practice.state):
        missing.append("the address is incomplete")
    if len(practice.postal_code.replace("-", "")) != 9:
        missing.append("the ZIP code is not ZIP+4")
    practitioners = list(practice.practitioners.all())
    if not practitioners:
        missing.append("no billing practitioner is listed")
    bad = sum(not npi_is_valid(p.npi) for p in practitioners)
    if bad:
        missing.append(
            f"{_plural(bad, 'billing practitioner has', 'billing practitioners have')} no valid NPI"
        )
    settings = BillingSettings.objects.filter(practice=practice).first()
    if settings is None:
        missing.append("billing settings are not saved")
    elif settings.receiver_id == PLACEHOLDER_RECEIVER:
        missing.append("the MAC's receiver id is still the placeholder")
    return missing


def checklist(practice: Practice) -> list[Step]:
    """The eight steps with what each still misses."""
    from ccmweb.accounts.models import AccessLog
    from ccmweb.billing.models import ClaimExport, MonthClose
    from ccmweb.careplans.models import CarePlanVersion
    from ccmweb.enrollment.models import ConsentRecord
    from ccmweb.imports.models import ImportRun
    from ccmweb.patients.models import Patient

    uid = str(practice.uid)
    query = f"?practice={uid}"
    patients = Patient.objects.filter(practice=practice)
    details = details_missing(practice)
    imported = patients.exists()
    last_run = ImportRun.objects.filter(practice=practice).order_by("-started_at").first()
    logged = AccessLog.objects.filter(object_type="practice", object_uid=uid)
    reviewed = logged.filter(action="audit").exists()
    exported = logged.filter(action="export", path=reverse("imports:audit_csv")).exists()
    assigned = patients.filter(coordinator__isnull=False).exists()
    consents = ConsentRecord.objects.filter(
        patient__practice=practice, decision=ConsentRecord.Decision.ACCEPTED
    ).count()
    signed = CarePlanVersion.objects.filter(
        care_plan__patient__practice=practice, signed_at__isnull=False
    ).count()
    closed = MonthClose.objects.filter(practice=practice, status=MonthClose.Status.CLOSED)
    files = ClaimExport.objects.filter(practice=practice, file_format="837p").count()
    if imported:
        import_missing = ""
    elif last_run is not None and last_run.status == ImportRun.Status.FAILED:
        import_missing = "the last import failed: open it to see why"
    else:
        import_missing = "no patients yet: upload the EMR's export"
    return [
        Step(
            "Practice details",
            not details,
            "; ".join(details),
            reverse("tenants:practice_edit", args=[uid]),
            "Edit details",
        ),
        Step(
            "EMR data imported",
            imported,
            import_missing,
            reverse("imports:upload"),
            "Import",
        ),
        Step(
            "Gap audit reviewed",
            reviewed,
            "" if reviewed else "nobody has opened the enrollment gap audit yet",
            reverse("imports:audit") + query,
            "Open the gap audit",
        ),
        Step(
            "Outreach list exported or assigned",
            exported or assigned,
            ""
            if exported or assigned
            else "the outreach list was neither downloaded nor given to coordinators",
            reverse("imports:audit") + query,
            "Outreach list",
        ),
        Step(
            "First consents",
            consents > 0,
            "" if consents else "no patient's consent is recorded yet",
            reverse("patients:list"),
            "Patients",
        ),
        Step(
            "Care plans signed",
            signed > 0,
            "" if signed else "no care plan is signed by a billing practitioner yet",
            reverse("patients:list"),
            "Patients",
        ),
        Step(
            "First month closed",
            closed.exists(),
            "" if closed.exists() else "no month is closed yet",
            reverse("billing:close"),
            "Close a month",
        ),
        Step(
            "837P validated and downloaded",
            files > 0,
            "" if files else "no 837P claim file has been downloaded yet",
            reverse("billing:claims"),
            "Claims",
        ),
    ]
