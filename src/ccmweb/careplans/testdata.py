"""Objects the URL-isolation registry (ccmweb/testing/urls.py) and tests need: enrolled patients,
care plans signed or not, a consent with a scan. Callers run them with scopes disabled."""

import datetime as dt
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from ccmweb.enrollment.models import ConsentRecord
from ccmweb.enrollment.services import record_consent

from . import services
from .models import CarePlan, CarePlanVersion

SCAN_NAME = "consents/test-signed-consent.pdf"


def enrolled(tenant: Any, patient: Any = None) -> Any:
    """PATIENT (default the tenant's) in CCM since 5 January 2026, with the tenant's
    practitioner as billing practitioner."""
    patient = patient or tenant.patient
    record_consent(
        patient,
        program="ccm",
        decision="accepted",
        method="verbal",
        billing_practitioner=tenant.practitioner,
        obtained_by=tenant.coordinator,
        effective_date=dt.date(2026, 1, 5),
    )
    return patient


def care_plan(tenant: Any, patient: Any = None) -> CarePlan:
    patient = enrolled(tenant, patient)
    return services.create_care_plan(
        patient,
        content=services.starting_content(patient, dt.date(2026, 1, 10)),
        template="diabetes",
        by=tenant.practitioner.user,
    )


def unsigned_version(tenant: Any, patient: Any = None) -> CarePlanVersion:
    return services.latest_version(care_plan(tenant, patient))


def signed_version(
    tenant: Any, patient: Any = None, now: dt.datetime | None = None
) -> CarePlanVersion:
    version = unsigned_version(tenant, patient)
    return services.sign(version, user=tenant.practitioner.user, now=now)


def consent_with_scan(tenant: Any) -> ConsentRecord:
    record = enrolled(tenant).consents.order_by("-pk").first()
    if not default_storage.exists(SCAN_NAME):
        default_storage.save(SCAN_NAME, ContentFile(b"%PDF-1.4 test"))
    copy = ConsentRecord(
        **{
            f.name: getattr(record, f.name)
            for f in ConsentRecord._meta.fields
            if f.name not in ("id", "uid")
        }
    )
    copy.document.name = SCAN_NAME
    copy.save()
    return copy
