"""`ccm demo` hook: a signed care plan from the matching template for every enrolled patient."""

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from ccmweb.enrollment.models import Enrollment

from . import services
from .models import CarePlan


def seed(context: Any) -> None:
    practice = context.practice
    tz = ZoneInfo(practice.time_zone)
    with_plan = set(CarePlan.objects.values_list("patient_id", flat=True))
    made = 0
    rows = (
        Enrollment.objects.filter(patient__in=context.patients, status="enrolled")
        .select_related("consent", "billing_practitioner__user", "patient__practice")
        .order_by("patient_id")
    )
    for enrollment in rows:
        patient = enrollment.patient
        practitioner = enrollment.billing_practitioner
        if patient.pk in with_plan or practitioner is None or practitioner.user is None:
            continue
        day = min(enrollment.consent.effective_date + dt.timedelta(days=3), context.today)
        author = practitioner.user
        content = services.starting_content(patient, day)
        if not content["problems"]:
            continue
        template = services.suggested_template(patient)
        plan = services.create_care_plan(patient, content=content, template=template, by=author)
        services.sign(
            services.latest_version(plan),
            user=author,
            now=dt.datetime.combine(day, dt.time(14), tzinfo=tz),
        )
        made += 1
    context.stdout.write(f"care plans: {made} created and signed")
