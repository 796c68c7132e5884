"""The fast evaluator gives the reference's answer, field for field, on every kind of month.

`month.evaluate_month` is the reading an auditor checks; `month_fast.evaluate_month_fast` is
what the close runs. Equal results (frozen dataclasses compared whole: lines, money, minutes,
next unit, every finding's rule and text) on generated months, the YAML rule cases, the
acceptance cases and the spec's examples, errors included.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_acceptance_reading import CASES as ACCEPTANCE
from test_cases import CASES as YAML_CASES
from test_cases import raw_case
from test_examples import EXAMPLES

from ccm.rules.contract import case_from_json
from ccm.rules.fees import FeeScheduleError
from ccm.rules.month import evaluate_month
from ccm.rules.month_fast import evaluate_month_fast
from ccm.types import MonthCase, Practice
from month_strategies import month_cases


def _answer(evaluate: Any, case: MonthCase) -> Any:
    try:
        return evaluate(case)
    except FeeScheduleError as error:  # an unpriceable month is an error on both paths
        return (type(error), str(error))


def assert_same(case: MonthCase) -> None:
    assert _answer(evaluate_month_fast, case) == _answer(evaluate_month, case)


localities = st.sampled_from([None, "0111205", "1011200", "9999999"])


@settings(deadline=None)
@given(month_cases(), localities)
def test_fast_equals_reference_on_generated_months(case: MonthCase, locality: str | None) -> None:
    practice = Practice(case.practice.setting, locality, case.practice.qualifying_apm)
    case = MonthCase(
        case.month, practice, case.patient, case.enrollment, case.mdm, case.time,
        case.other_services,
    )  # fmt: skip
    assert_same(case)


@settings(deadline=None)
@given(month_cases())
def test_fast_equals_reference_whatever_was_asked_before(case: MonthCase) -> None:
    """The fast path's caches never leak one month's answer into another's: asked twice, in
    any order after other months, it still answers as the reference."""
    first = evaluate_month_fast(case)
    assert evaluate_month_fast(case) == first == evaluate_month(case)


@pytest.mark.parametrize("item", YAML_CASES)
def test_fast_equals_reference_on_the_yaml_cases(item: dict[str, Any]) -> None:
    assert_same(case_from_json(raw_case(item)))


@pytest.mark.parametrize("item", [c for c in ACCEPTANCE if "error_field" not in c["expect"]])
def test_fast_equals_reference_on_the_acceptance_cases(item: dict[str, Any]) -> None:
    assert_same(case_from_json(item["case"]))


@pytest.mark.skipif(not EXAMPLES, reason="no spec examples")
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_fast_equals_reference_on_the_spec_examples(path: Path) -> None:
    assert_same(case_from_json(json.loads(path.read_text(encoding="utf-8"))["case"]))
