"""The worklist and the month close read one verdict: their answers never disagree (issue 17).

The worklist once said "On track" for a patient whose initiating visit was too old and who had
one chronic condition, while the rules said the month could not bill (§4, §2).
"""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from ccm.periods import BillingMonth
from ccm.rules import Status, evaluate_month, month_verdict
from ccm.types import Enrollment, MonthCase, Patient, Practice, TimeEntry
from ccmweb.timelog.worklist import AT_RISK, BLOCKED, DONE, ON_TRACK, Row, classify
from month_strategies import month_cases


def _row(case: MonthCase, day: int) -> Row:
    today = min(case.month.first + dt.timedelta(days=day), case.month.last)
    row = Row(patient=None, case=case, result=evaluate_month(case), today=today)
    classify(row)
    return row


@settings(deadline=None)
@given(month_cases(), st.integers(0, 30))
def test_worklist_state_agrees_with_the_month_verdict(case: MonthCase, day: int) -> None:
    row = _row(case, day)
    verdict = month_verdict(case, row.result)
    assert (row.status == DONE) == (verdict.status is Status.BILLABLE)
    assert (row.status == BLOCKED) == (
        verdict.status is not Status.BILLABLE and bool(verdict.blockers)
    )
    if row.status in (ON_TRACK, AT_RISK):
        assert verdict.status is Status.NOTHING and not verdict.blockers
    assert row.missing == list(dict.fromkeys(b.label for b in verdict.blockers))


def test_a_too_old_visit_and_one_condition_is_blocked_not_on_track() -> None:
    month = BillingMonth(2026, 3)
    case = MonthCase(
        month,
        Practice(),
        Patient(True, False, ("E11.9",)),
        Enrollment("ccm", dt.date(2026, 1, 5), None, dt.date(2024, 6, 1), dt.date(2026, 1, 10)),
        time=(TimeEntry(dt.date(2026, 3, 2), 5, "clinical_staff", "ccm"),),
    )
    row = _row(case, 3)
    assert not row.result.billable
    assert row.status == BLOCKED
    assert row.missing == ["Initiating visit too old", "Too few chronic conditions"]
