"""The JSON contract: unknown fields ignored, bad fields named, output in the contract's shape."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from ccm.rules.contract import case_from_json, result_to_json
from ccm.rules.month import evaluate_month

CASE: dict[str, Any] = {
    "month": "2026-03",
    "practice": {"setting": "office", "locality": None, "qualifying_apm": False, "npi": "ignored"},
    "patient": {"medicare_part_b": True, "qmb": False, "chronic_conditions": ["E11.9", "I10"]},
    "enrollment": {
        "program": "ccm",
        "consent_date": "2026-01-05",
        "consent_revoked_date": None,
        "initiating_visit_date": "2025-11-20",
        "care_plan_date": "2026-01-10",
    },
    "mdm": "moderate",
    "time": [
        {
            "date": "2026-03-04",
            "minutes": 22,
            "performer": "clinical_staff",
            "service": "ccm",
            "note": "x",
        }
    ],
    "other_services": [{"code": "99495", "date": "2026-03-10", "same_practitioner": True}],
    "extra": {"anything": 1},
}


def test_contract_sample_round_trip() -> None:
    got = result_to_json(evaluate_month(case_from_json(CASE)))
    assert got["lines"] == [
        {"code": "99490", "units": 1, "service_date": "2026-03-04", "amount": "66.13"}
    ]
    assert got["minutes"] == {"clinical_staff": 22, "practitioner": 0, "counted": 22}
    assert got["next"] == {"code": "99439", "minutes_needed": 18}
    assert got["total"] == "66.13" and got["coinsurance"] == "13.23" and got["billable"] is True


@pytest.mark.parametrize(
    ("path", "bad", "message"),
    [
        (("month",), "2026-3", "month: must be YYYY-MM"),
        (("time", 0, "minutes"), -1, r"time\[0\].minutes: must be a non-negative integer"),
        (("time", 0, "minutes"), 2.5, r"time\[0\].minutes"),
        (("time", 0, "date"), "2026-02-30", r"time\[0\].date: must be a date"),
        (("time", 0, "performer"), "nurse", r"time\[0\].performer: must be one of"),
        (("enrollment", "program"), "bhi", "enrollment.program: must be one of"),
        (("enrollment", "consent_date"), "05/01/2026", "enrollment.consent_date"),
        (("patient", "medicare_part_b"), "yes", "patient.medicare_part_b"),
        (("practice", "locality"), "SF", "practice.locality"),
        (("mdm",), "extreme", "mdm: must be one of"),
        (("other_services", 0, "code"), "", r"other_services\[0\].code"),
    ],
)
def test_bad_field_is_named(path: tuple[Any, ...], bad: object, message: str) -> None:
    raw = copy.deepcopy(CASE)
    target: Any = raw
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = bad
    with pytest.raises(ValueError, match=message):
        case_from_json(raw)
