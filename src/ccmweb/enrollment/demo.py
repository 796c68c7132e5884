"""`ccm demo` hook: consents and initiating visits for the demo practice (see tenants/demo_context.py).

Every planned CCM patient of `coordinator` is enrolled (the browser check bills one of them);
of `coordinator2`'s PCM and APCM patients one in four is left eligible but not enrolled (the
enrollment gap), two of those with a declined consent.
"""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from ccm.codes import USUAL_INITIATING_VISIT
from ccm.periods import BillingMonth
from ccm.rules import month_policy
from ccmweb.patients.models import Encounter

from .facts import choose_initiating_visit, is_initiating_visit
from .models import ConsentRecord
from .services import record_consent, record_initiating_visit

DECLINE_REASONS = ["Does not want a monthly coinsurance", "Already followed by a specialist"]


def seed(context: Any) -> None:
    practice, practitioner = context.practice, context.practitioners[0]
    tz = ZoneInfo(practice.time_zone)
    patients = context.patients.filter(pk__in=context.programs).order_by("pk")
    already = set(
        ConsentRecord.objects.filter(patient__in=patients).values_list("patient_id", flat=True)
    )
    enrolled = gap = 0
    declined = ConsentRecord.objects.filter(patient__in=patients, decision="declined").count()
    for index, patient in enumerate(patients):
        program = context.programs[patient.pk]
        days_back = context.rng.randrange(300)
        consent_day = (
            context.consent_before - dt.timedelta(days=1 + days_back // 3)
            if context.consent_before
            else context.today - dt.timedelta(days=60 + days_back)
        )
        visit_gap = 1 + context.rng.randrange(20)
        if patient.pk in already:
            continue
        by = context.users["coordinator" if program == "ccm" else "coordinator2"]
        when = dt.datetime.combine(consent_day, dt.time(10, 30), tzinfo=tz)
        if program != "ccm" and index % 4 == 3:
            gap += 1
            if declined < len(DECLINE_REASONS):
                record_consent(
                    patient,
                    program=program,
                    billing_practitioner=practitioner,
                    decision="declined",
                    method="verbal",
                    obtained_by=by,
                    now=when,
                    effective_date=consent_day,
                    decline_reason=DECLINE_REASONS[declined],
                )
                declined += 1
            continue
        visits = [
            (d, p)
            for d, code, klass, p in Encounter.objects.filter(patient=patient).values_list(
                "date", "type_code", "encounter_class", "practitioner_id"
            )
            if is_initiating_visit(code, klass)
        ]
        visit = choose_initiating_visit(visits, program, practitioner.pk, consent_day, consent_day)
        earliest = month_policy(BillingMonth.of(consent_day)).earliest_visit(program, consent_day)
        if visit is None or visit < earliest:
            record_initiating_visit(
                patient,
                date=consent_day - dt.timedelta(days=visit_gap),
                code=USUAL_INITIATING_VISIT,
                practitioner=practitioner,
            )
        record_consent(
            patient,
            program=program,
            billing_practitioner=practitioner,
            decision="accepted",
            method="verbal",
            obtained_by=by,
            now=when,
            effective_date=consent_day,
        )
        enrolled += 1
    context.stdout.write(
        f"enrollment: {enrolled} enrolled, {gap} left in the enrollment gap ({declined} declined)"
    )
