"""Test helpers: put a cast patient into CCM the way the enrollment and care-plan apps do."""

import datetime as dt
from typing import Any

from django.utils import timezone
from django_scopes import scopes_disabled

from ccm.codes import USUAL_INITIATING_VISIT
from ccmweb.tenants.models import Practitioner


def enroll(
    patient: Any,
    practitioner: Practitioner,
    coordinator: Any,
    *,
    program: str = "ccm",
    days_ago: int = 40,
) -> None:
    """Initiating visit, accepted verbal consent and a signed care plan, DAYS_AGO days back."""
    from ccmweb.careplans.services import create_care_plan, sign, starting_content
    from ccmweb.enrollment.services import record_consent, record_initiating_visit

    then = timezone.now() - dt.timedelta(days=days_ago)
    with scopes_disabled():
        record_initiating_visit(
            patient,
            date=then.date() - dt.timedelta(days=1),
            code=USUAL_INITIATING_VISIT,
            practitioner=practitioner,
        )
        record_consent(
            patient,
            program=program,
            billing_practitioner=practitioner,
            decision="accepted",
            method="verbal",
            obtained_by=coordinator,
            now=then,
        )
        content = starting_content(patient, then.date())
        plan = create_care_plan(patient, content=content, template="diabetes", by=practitioner.user)
        sign(plan.versions.get(), user=practitioner.user, now=then)


def worklist_patient(t: Any, name: str, coordinator: Any, *, enrolled: bool = True) -> Any:
    """A cast practice's (north's) patient NAME (also its MRN) with two chronic conditions,
    COORDINATOR's, enrolled in CCM unless ENROLLED is False: a worklist test's row."""
    from ccmweb.patients.models import Condition, Patient

    with scopes_disabled():
        patient = Patient.objects.create(
            organization=t.org, practice=t.north, mrn=name, given_name="Pat", family_name=name,
            birth_date=dt.date(1945, 5, 5), part_b=True, coordinator=coordinator,
        )  # fmt: skip
        for code in ("E11.9", "I50.9"):
            Condition.objects.create(organization=t.org, patient=patient, icd10_code=code)
    if enrolled:
        enroll(patient, t.practitioner, t.coordinator)
    return patient


def log_call(t: Any, patient: Any, minutes: int) -> None:
    """MINUTES of a patient call by the cast's coordinator, through the time service."""
    from django_scopes import scope

    from ccmweb.patients.models import Patient

    from .services import NewTime, add_time

    with scope(organization=t.org):
        fresh = Patient.objects.select_related("practice").get(pk=patient.pk)
        add_time(t.coordinator, "coordinator", t.org, fresh, NewTime(minutes, "patient_call"))
