"""Properties of evaluate_month that must hold for every patient-month (hypothesis)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from ccm.periods import BillingMonth
from ccm.rules.month import evaluate_month
from ccm.types import Enrollment, MonthCase, MonthResult, Patient, Practice, TimeEntry

MONTH = BillingMonth(2026, 3)
DAYS = st.dates(dt.date(2026, 2, 20), dt.date(2026, 4, 5))
entries = st.builds(
    TimeEntry,
    date=DAYS,
    minutes=st.integers(0, 70),
    performer=st.sampled_from(["clinical_staff", "practitioner", "other"]),
    service=st.sampled_from(["ccm", "pcm", "apcm", "rpm", "bhi"]),
)
optional_day = st.one_of(st.none(), st.dates(dt.date(2024, 6, 1), dt.date(2026, 5, 1)))
cases = st.builds(
    MonthCase,
    month=st.just(MONTH),
    practice=st.builds(Practice, qualifying_apm=st.booleans()),
    patient=st.builds(
        Patient,
        medicare_part_b=st.booleans(),
        qmb=st.booleans(),
        chronic_conditions=st.lists(
            st.sampled_from(["E11.9", "I10", "J44.9", "E11.65", "N18.30", "Z99.2"]), max_size=4
        ).map(tuple),
    ),
    enrollment=st.builds(
        Enrollment,
        program=st.sampled_from(["ccm", "pcm", "apcm"]),
        consent_date=optional_day,
        consent_revoked_date=optional_day,
        initiating_visit_date=optional_day,
        care_plan_date=optional_day,
    ),
    mdm=st.sampled_from(["low", "moderate", "high"]),
    time=st.lists(entries, max_size=8).map(tuple),
)
CAPS = {"99439": 2, "99427": 2}


def _money(result: MonthResult) -> tuple[object, ...]:
    return (result.lines, result.total, result.coinsurance, result.next, result.minutes)


@settings(deadline=None)
@given(cases, entries)
def test_adding_minutes_never_lowers_the_total(case: MonthCase, extra: TimeEntry) -> None:
    more = dataclasses.replace(case, time=(*case.time, extra))
    assert evaluate_month(more).total >= evaluate_month(case).total


@settings(deadline=None)
@given(cases)
def test_caps_and_one_option(case: MonthCase) -> None:
    result = evaluate_month(case)
    codes = {line.code for line in result.lines}
    for line in result.lines:
        assert line.units >= 1
        assert line.units <= CAPS.get(line.code, 10**6)
    assert sum(line.amount for line in result.lines) == result.total
    families = [
        {"99490", "99439"},
        {"99487", "99489"},
        {"99491", "99437"},
        {"99426", "99427"},
        {"99424", "99425"},
    ]
    assert sum(1 for f in families if f & codes) <= 1
    assert len(codes & {"G0556", "G0557", "G0558"}) <= 1
    if not result.lines:
        assert result.findings


@settings(deadline=None)
@given(cases)
def test_nothing_billed_without_consent_visit_plan_and_coverage(case: MonthCase) -> None:
    result = evaluate_month(case)
    if not result.lines:
        return
    e = case.enrollment
    assert case.patient.medicare_part_b
    assert e.consent_date is not None and e.consent_date <= MONTH.last
    assert (
        e.consent_revoked_date is None
        or e.consent_revoked_date >= MONTH.first
        or e.consent_revoked_date < e.consent_date
    )
    assert e.initiating_visit_date is not None and e.initiating_visit_date <= MONTH.last
    if e.program != "apcm":
        assert e.care_plan_date is not None and e.care_plan_date <= MONTH.last


@settings(deadline=None)
@given(cases, st.lists(entries, max_size=5))
def test_minutes_for_another_service_never_change_the_result(
    case: MonthCase, noise: list[TimeEntry]
) -> None:
    program = case.enrollment.program
    other = tuple(
        dataclasses.replace(t, service="rpm" if program != "rpm" else "bhi") for t in noise
    )
    assert evaluate_month(dataclasses.replace(case, time=case.time + other)) == evaluate_month(case)


@settings(deadline=None)
@given(cases, st.randoms(use_true_random=False))
def test_result_does_not_depend_on_entry_order(case: MonthCase, rnd: object) -> None:
    shuffled = list(case.time)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert evaluate_month(dataclasses.replace(case, time=tuple(shuffled))) == evaluate_month(case)
