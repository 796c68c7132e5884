"""The demo's second practice: a Federally Qualified Health Center (cms-rules §13).

It bills on the 837I, and its patients consented before the G0511 transition and have time in
the last G0511 month and the first month of the individual codes, as well as in the months the
main demo fills, so a reviewer closes one of each and sees both claim types beside the
physician practice's 837P. Its people are drawn with their own seed (other names, other MBIs)
and MRNs starting with F; there is one of them for every ten patients of the main practice.
"""

from __future__ import annotations

import dataclasses
import math

from django.contrib.auth.models import User

from ccm.periods import BillingMonth
from ccm.population import GeneratedPatient
from ccm.rules.institutional import g0511_last_day

from .models import Organization, Practice, Practitioner

SLUG = "demo-fqhc"
SEED_OFFSET = 100_003  # its own people: names and MBIs apart from the main practice's


def patient_count(main_practice_patients: int) -> int:
    """One FQHC patient for every ten of the main practice (none when it has none)."""
    return math.ceil(main_practice_patients / 10)


def as_fqhc_patient(generated: GeneratedPatient) -> GeneratedPatient:
    """The generator's patient with the FQHC's own MRN and EMR id."""
    return dataclasses.replace(
        generated,
        mrn="F" + generated.mrn[1:],
        source_id=f"demo-fqhc-{generated.index + 1}",
    )


def transition_months() -> tuple[BillingMonth, BillingMonth]:
    """The last month billed as G0511 and the first of the individual codes (cms-rules §13)."""
    last = BillingMonth.of(g0511_last_day())
    return last, last.next()


def fqhc_practice(org: Organization, doctor_user: User) -> tuple[Practice, list[Practitioner]]:
    """The FQHC (its billing address with ZIP+4, as the 837I needs) and its practitioner: the
    demo's `practitioner` user also practises here, so care plans are signed by a user."""
    practice, _ = Practice.objects.get_or_create(
        organization=org,
        slug=SLUG,
        defaults={
            "name": "Demo Community Health Center",
            "tin": "271234568",
            "billing_npi": "1234567893",
            "setting": Practice.Setting.FQHC,
            "locality": "",
            "time_zone": "America/New_York",
            "address_line": "40 Ridge Ave",
            "city": "Harrisburg",
            "state": "PA",
            "postal_code": "17102-1234",
            "branding_phone": "(717) 555-0140",
        },
    )
    practitioner, _ = Practitioner.objects.get_or_create(
        organization=org,
        practice=practice,
        npi="1888888801",
        defaults={
            "given_name": "Maya",
            "family_name": "Patel",
            "credential": Practitioner.Credential.MD,
            "user": doctor_user,
        },
    )
    return practice, [practitioner]
