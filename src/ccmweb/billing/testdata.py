"""Billable patient-months for tests and the URL registry: consent, signed plan, time in a month.

Callers run these with scopes disabled (or inside the tenant's scope).
"""

import datetime as dt
from typing import Any

from ccm.periods import BillingMonth
from ccmweb.careplans.testdata import signed_version
from ccmweb.timelog.models import TimeEntry

MONTH = BillingMonth(2026, 3)


def enrolled(tenant: Any, patient: Any = None) -> Any:
    """PATIENT (default the tenant's) in CCM since January 2026, with a signed care plan."""
    patient = patient or tenant.patient
    if not patient.address_line:
        type(patient).objects.filter(pk=patient.pk).update(
            address_line="12 Elm St", city="Springfield", state="IL", postal_code="62704"
        )
        patient.refresh_from_db()
    signed_version(tenant, patient, now=dt.datetime(2026, 1, 10, 15, 0, tzinfo=dt.UTC))
    return patient


def log_time(
    tenant: Any,
    patient: Any,
    day: dt.date,
    minutes: int,
    amends: Any = None,
    note: str = "Called patient; reviewed medications",
) -> TimeEntry:
    """One clinical-staff CCM entry starting 14:00 UTC on DAY."""
    start = dt.datetime.combine(day, dt.time(14, 0), tzinfo=dt.UTC)
    return TimeEntry.objects.create(
        organization=patient.organization,
        patient=patient,
        user=tenant.coordinator,
        performer="clinical_staff",
        program="ccm",
        activity="patient_call",
        started_at=start,
        ended_at=start + dt.timedelta(minutes=minutes),
        minutes=minutes,
        note=note,
        amends=amends,
    )


def billable_month(tenant: Any, minutes: int = 25, patient: Any = None) -> Any:
    """The tenant's patient enrolled with MINUTES of staff time on 4 March 2026."""
    patient = enrolled(tenant, patient)
    log_time(tenant, patient, dt.date(2026, 3, 4), minutes)
    return patient


def billable_patients(tenant: Any, count: int, family: str = "Sample") -> list[Any]:
    """COUNT more patients of the tenant's north practice, each with the tenant patient's
    conditions and visits and a billable month of 25 minutes (MBIs 1EG4TE5MK00, 01, …)."""
    from ccmweb.patients.models import Patient

    made = []
    for i in range(count):
        patient = Patient.objects.create(
            organization=tenant.org, practice=tenant.north, mrn=f"{family[0]}{i}",
            given_name="Sam", family_name=f"{family}{i}", birth_date=dt.date(1950, 1, 1),
            mbi=f"1EG4TE5MK{i:02d}", part_b=True,
        )  # fmt: skip
        for fact in (*tenant.patient.conditions.all(), *tenant.patient.encounters.all()):
            fact.pk, fact.patient = None, patient
            fact.save()
        made.append(billable_month(tenant, patient=patient))
    return made
