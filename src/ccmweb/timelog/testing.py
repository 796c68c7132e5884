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
