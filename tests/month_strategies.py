"""Hypothesis strategies for generated patient-months, shared by the core and web properties.

Months span 2025–2026 (both fee years, with and without APCM); dates fall around the month so
that every gate passes or fails; other services include every exclusion and note family.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from ccm.periods import BillingMonth
from ccm.types import (
    Enrollment,
    MonthCase,
    OtherService,
    Patient,
    Practice,
    TimeEntry,
)

CONDITIONS = ["E11.9", "I10", "J44.9", "E11.65", "N18.30", "Z99.2", "I13.0", "F32.9", "XX9.9"]
OTHER_CODES = ["99495", "99424", "99426", "99490", "99487", "G0181", "90960", "G0557", "G2250",
               "99447", "99214", "99457"]  # fmt: skip


@st.composite
def month_cases(
    draw: st.DrawFn, settings: tuple[str, ...] = ("office", "fqhc", "rhc")
) -> MonthCase:
    """One patient-month priced without a locality (every fee year loaded prices it)."""
    month = BillingMonth(draw(st.sampled_from([2025, 2026])), draw(st.integers(1, 12)))
    around = st.dates(month.first - dt.timedelta(days=1200), month.last + dt.timedelta(days=20))
    maybe_day = st.one_of(st.none(), around)
    program = draw(st.sampled_from(["ccm", "pcm", "apcm"]))
    near_month = st.dates(month.first - dt.timedelta(days=4), month.last + dt.timedelta(days=4))
    entry = st.builds(
        TimeEntry,
        date=near_month,
        minutes=st.integers(0, 75),
        performer=st.sampled_from(["clinical_staff", "practitioner", "other"]),
        service=st.sampled_from([program, program, program, "ccm", "pcm", "rpm"]),
    )
    return MonthCase(
        month=month,
        practice=Practice(draw(st.sampled_from(settings)), None, draw(st.booleans())),
        patient=Patient(
            medicare_part_b=draw(st.booleans()),
            qmb=draw(st.booleans()),
            chronic_conditions=tuple(draw(st.lists(st.sampled_from(CONDITIONS), max_size=4))),
        ),
        enrollment=Enrollment(
            program=program,
            consent_date=draw(maybe_day),
            consent_revoked_date=draw(st.one_of(st.none(), st.none(), around)),
            initiating_visit_date=draw(maybe_day),
            care_plan_date=draw(maybe_day),
        ),
        mdm=draw(st.sampled_from(["low", "moderate", "high"])),
        time=tuple(draw(st.lists(entry, max_size=8))),
        other_services=tuple(
            draw(
                st.lists(
                    st.builds(
                        OtherService,
                        code=st.sampled_from(OTHER_CODES),
                        date=st.none(),
                        same_practitioner=st.booleans(),
                    ),
                    max_size=2,
                )
            )
        ),
    )
