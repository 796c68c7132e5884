"""The reports' pure rules: CMS122 and CMS165 as defined, suppression, rates, shares, capacity."""

import datetime as dt
from decimal import Decimal

import pytest

from ccm.reports import capacity, measures, rates
from ccm.reports.contract import agreed_share

PERIOD = measures.Period.ending(dt.date(2026, 3, 31))
BORN = dt.date(1960, 1, 1)
DIABETES = [("E11.9", dt.date(2015, 1, 1))]
HYPERTENSION = [("I10", dt.date(2015, 1, 1))]


def test_the_period_is_the_twelve_months_ending_with_the_month():
    assert (PERIOD.first, PERIOD.last) == (dt.date(2025, 4, 1), dt.date(2026, 3, 31))
    assert measures.Period.ending(dt.date(2026, 12, 31)).first == dt.date(2026, 1, 1)


@pytest.mark.parametrize(
    ("results", "poor"),
    [
        ([], True),  # none in the period: counted as poor control
        ([(dt.date(2026, 1, 5), Decimal("9.0"))], False),  # 9.0 is not above 9
        ([(dt.date(2026, 1, 5), Decimal("9.1"))], True),
        ([(dt.date(2025, 6, 1), Decimal("10")), (dt.date(2026, 2, 1), Decimal("7"))], False),
        ([(dt.date(2025, 3, 1), Decimal("7"))], True),  # before the period: none in it
    ],
)
def test_cms122_reads_the_most_recent_result_in_the_period(results, poor):
    assert measures.hba1c_poor_control(BORN, DIABETES, True, results, PERIOD) is poor


def test_cms122_denominator():
    assert (
        measures.hba1c_poor_control(dt.date(1950, 1, 1), DIABETES, True, [], PERIOD) is None
    )  # 76
    assert measures.hba1c_poor_control(BORN, DIABETES, False, [], PERIOD) is None  # no visit
    assert measures.hba1c_poor_control(BORN, HYPERTENSION, True, [], PERIOD) is None


@pytest.mark.parametrize(
    ("readings", "controlled"),
    [
        ([], False),
        ([(dt.date(2026, 3, 1), 139, 89)], True),
        ([(dt.date(2026, 3, 1), 140, 80)], False),
        ([(dt.date(2026, 3, 1), 150, 85), (dt.date(2026, 3, 1), 135, 95)], True),  # lowest of each
        ([(dt.date(2026, 1, 1), 120, 80), (dt.date(2026, 3, 1), 150, 95)], False),  # most recent
    ],
)
def test_cms165_reads_the_most_recent_day(readings, controlled):
    assert measures.bp_controlled(BORN, HYPERTENSION, True, readings, PERIOD) is controlled


def test_cms165_needs_hypertension_by_the_first_six_months():
    late = [("I10", dt.date(2025, 10, 1))]
    assert measures.bp_controlled(BORN, late, True, [], PERIOD) is None
    assert measures.bp_controlled(BORN, [("I10", dt.date(2025, 9, 30))], True, [], PERIOD) is False


def test_small_cells_are_suppressed_and_rates_are_per_thousand():
    assert [rates.suppressed(n) for n in (0, 1, 10, 11)] == [False, True, True, False]
    assert rates.per_thousand(3, 1200) == Decimal("2.5")
    assert rates.per_thousand(1, 0) is None
    assert rates.percent(2, 3) == Decimal("66.7")


def test_agreed_share_and_capacity():
    assert agreed_share("percent", Decimal("20"), Decimal("48.00"), 3) == Decimal("9.60")
    assert agreed_share("per_patient", Decimal("12.50"), Decimal("0"), 3) == Decimal("37.50")
    with pytest.raises(ValueError, match="contract model"):
        agreed_share("flat", Decimal("1"), Decimal("1"), 1)
    assert capacity.coordinators_needed(100, 21, 42) == 50
    assert capacity.coordinators_needed(101, 21, 42) == 51
    with pytest.raises(ValueError):
        capacity.coordinators_needed(1, 1, 0)
