"""Named rule cases from tests/cases/*.yaml: facts in, lines, money, next unit and rule ids out."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from ccm.rules import fees
from ccm.rules.contract import case_from_json, month_to_json
from ccm.rules.month import evaluate_month

CASES_DIR = Path(__file__).resolve().parents[1] / "cases"

BASE: dict[str, Any] = {
    "month": "2026-03",
    "practice": {"setting": "office", "locality": None, "qualifying_apm": False},
    "patient": {"medicare_part_b": True, "qmb": False, "chronic_conditions": ["E11.9", "I10"]},
    "enrollment": {
        "program": "ccm",
        "consent_date": "2026-01-05",
        "consent_revoked_date": None,
        "initiating_visit_date": "2025-11-20",
        "care_plan_date": "2026-01-10",
    },
    "mdm": "low",
    "time": [],
    "other_services": [],
}


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _time(entry: str) -> dict[str, Any]:
    day, minutes, performer, service = entry.split()
    return {"date": day, "minutes": int(minutes), "performer": performer, "service": service}


def _line(text: str) -> dict[str, Any]:
    code, units, day, amount = text.split()
    return {"code": code, "units": int(units.lstrip("x")), "service_date": day, "amount": amount}


def _institutional_line(text: str) -> dict[str, Any]:
    revenue_code, rest = text.split(" ", 1)
    return {"revenue_code": revenue_code, **_line(rest)}


def fees_of_the_cases() -> fees.FeeSchedule:
    """The built-in fee schedule, the one `evaluate_month` uses by default."""
    return fees.default_fees()


def _load() -> list[Any]:
    params = []
    for path in sorted(CASES_DIR.glob("*.yaml")):
        for item in yaml.safe_load(path.read_text(encoding="utf-8")):
            params.append(pytest.param(item, id=f"{path.stem}: {item['name']}"))
    return params


CASES = _load()


def test_at_least_sixty_named_cases() -> None:
    assert len(CASES) >= 60
    names = [p.values[0]["name"] for p in CASES]
    assert len(names) == len(set(names)), "case names must be unique"


def raw_case(item: dict[str, Any]) -> dict[str, Any]:
    """A YAML case's input in the contract's JSON shape (BASE with the case's changes)."""
    raw = _merge(BASE, item.get("case") or {})
    raw["time"] = [_time(t) if isinstance(t, str) else t for t in raw["time"]]
    for key in ("consent_date", "consent_revoked_date", "initiating_visit_date", "care_plan_date"):
        value = raw["enrollment"].get(key)
        raw["enrollment"][key] = None if value is None else str(value)
    for other in raw["other_services"]:
        other["code"] = str(other["code"])
        other["date"] = None if other.get("date") is None else str(other["date"])
    raw["patient"]["chronic_conditions"] = [str(c) for c in raw["patient"]["chronic_conditions"]]
    return raw


@pytest.mark.parametrize("item", CASES)
def test_case(item: dict[str, Any]) -> None:
    expect = item["expect"]
    case = case_from_json(raw_case(item))
    if "error" in expect:
        with pytest.raises(getattr(fees, expect["error"]), match=expect["message"]):
            evaluate_month(case)
        return
    got = month_to_json(case, fees_of_the_cases())
    assert got["lines"] == [_line(t) for t in expect["lines"]]
    assert got["total"] == expect["total"]
    assert got["coinsurance"] == expect["coinsurance"]
    assert got["billable"] == bool(expect["lines"])
    nxt = expect["next"]
    assert got["next"] == (None if nxt is None else {"code": str(nxt[0]), "minutes_needed": nxt[1]})
    if "institutional" in expect:  # the optional RHC/FQHC field (cms-rules §13)
        want = expect["institutional"]
        if want is not None:
            want = {**want, "lines": [_institutional_line(t) for t in want["lines"]]}
        have = got["institutional"]
        if have is not None:
            have = {k: v for k, v in have.items() if k != "findings"}
            assert all(
                f["rule"].startswith("cms-rules §") for f in got["institutional"]["findings"]
            )
        assert have == want
    rules = {f["rule"] for f in got["findings"]}
    for rule in expect.get("rules", []):
        assert rule in rules, f"no {rule} finding in {got['findings']}"
    if not got["lines"]:
        assert got["findings"], "a month with no lines says why"
