"""JSON ↔ dataclasses for the `ccm rules month` contract (docs/spec/month-contract.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ccm.periods import BillingMonth
from ccm.rules.fees import FeeSchedule
from ccm.rules.institutional import InstitutionalMonth, institutional_month
from ccm.rules.month import evaluate_month
from ccm.types import (
    MDM_LEVELS,
    PERFORMERS,
    PROGRAMS,
    SETTINGS,
    Enrollment,
    MonthCase,
    MonthResult,
    OtherService,
    Patient,
    Practice,
    TimeEntry,
)


def _obj(raw: Any, where: str) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: must be an object")
    return raw


def _bool(raw: dict[str, Any], key: str, where: str, default: bool | None = None) -> bool:
    found = raw.get(key, default)
    if not isinstance(found, bool):
        raise ValueError(f"{where}{key}: must be true or false")
    return found


def _choice(
    raw: dict[str, Any], key: str, where: str, allowed: tuple[str, ...], default: str | None = None
) -> str:
    found = raw.get(key, default)
    if found not in allowed:
        raise ValueError(f"{where}{key}: must be one of {', '.join(allowed)}")
    return str(found)


def _date(raw: dict[str, Any], key: str, where: str, required: bool = False) -> dt.date | None:
    found = raw.get(key)
    if found is None and not required:
        return None
    if not isinstance(found, str) or len(found) != 10:
        raise ValueError(f"{where}{key}: must be a date YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(found)
    except ValueError:
        raise ValueError(f"{where}{key}: must be a date YYYY-MM-DD") from None


def _list(raw: dict[str, Any], key: str) -> list[Any]:
    found = raw.get(key)
    if found is None:
        return []
    if not isinstance(found, list):
        raise ValueError(f"{key}: must be a list")
    return found


def case_from_json(obj: Any) -> MonthCase:
    """Read a contract case; unknown fields are ignored, a bad field is named in the error."""
    obj = _obj(obj, "case")
    month_text = obj.get("month")
    if not isinstance(month_text, str):
        raise ValueError("month: must be YYYY-MM")
    try:
        month = BillingMonth.parse(month_text)
    except ValueError:
        raise ValueError("month: must be YYYY-MM") from None

    p = _obj(obj.get("practice"), "practice")
    locality = p.get("locality")
    if locality is not None and not (
        isinstance(locality, str) and locality.isdigit() and len(locality) == 7
    ):
        raise ValueError(
            "practice.locality: must be null or MAC + locality number, 7 digits, e.g. '0111205'"
        )
    practice = Practice(
        setting=_choice(p, "setting", "practice.", SETTINGS, "office"),
        locality=locality,
        qualifying_apm=_bool(p, "qualifying_apm", "practice.", False),
    )

    pt = _obj(obj.get("patient"), "patient")
    codes = pt.get("chronic_conditions") or []
    if not isinstance(codes, list) or not all(isinstance(c, str) and c.strip() for c in codes):
        raise ValueError("patient.chronic_conditions: must be a list of ICD-10-CM codes")
    patient = Patient(
        medicare_part_b=_bool(pt, "medicare_part_b", "patient."),
        qmb=_bool(pt, "qmb", "patient.", False),
        chronic_conditions=tuple(c.strip() for c in codes),
    )

    e = _obj(obj.get("enrollment"), "enrollment")
    enrollment = Enrollment(
        program=_choice(e, "program", "enrollment.", PROGRAMS),
        consent_date=_date(e, "consent_date", "enrollment."),
        consent_revoked_date=_date(e, "consent_revoked_date", "enrollment."),
        initiating_visit_date=_date(e, "initiating_visit_date", "enrollment."),
        care_plan_date=_date(e, "care_plan_date", "enrollment."),
    )

    time = []
    for i, raw in enumerate(_list(obj, "time")):
        where = f"time[{i}]."
        t = _obj(raw, f"time[{i}]")
        minutes = t.get("minutes")
        if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes < 0:
            raise ValueError(f"{where}minutes: must be a non-negative integer")
        service = t.get("service")
        if not isinstance(service, str) or not service:
            raise ValueError(f"{where}service: must be a program name such as ccm, pcm, rpm")
        day = _date(t, "date", where, required=True)
        assert day is not None
        time.append(TimeEntry(day, minutes, _choice(t, "performer", where, PERFORMERS), service))

    others = []
    for i, raw in enumerate(_list(obj, "other_services")):
        where = f"other_services[{i}]."
        o = _obj(raw, f"other_services[{i}]")
        code = o.get("code")
        if not isinstance(code, str) or not code.strip():
            raise ValueError(f"{where}code: must be a CPT/HCPCS code")
        others.append(
            OtherService(
                code.strip().upper(),
                _date(o, "date", where),
                _bool(o, "same_practitioner", where, True),
            )
        )

    return MonthCase(
        month=month,
        practice=practice,
        patient=patient,
        enrollment=enrollment,
        mdm=_choice(obj, "mdm", "", MDM_LEVELS, "low"),
        time=tuple(time),
        other_services=tuple(others),
    )


def result_to_json(result: MonthResult) -> dict[str, Any]:
    """Write a result in the contract's shape: amounts as 2-place strings, lines sorted by code."""
    return {
        "month": str(result.month),
        "billable": result.billable,
        "lines": [
            {
                "code": line.code,
                "units": line.units,
                "service_date": line.service_date.isoformat(),
                "amount": f"{line.amount:.2f}",
            }
            for line in sorted(result.lines, key=lambda line: line.code)
        ],
        "total": f"{result.total:.2f}",
        "coinsurance": f"{result.coinsurance:.2f}",
        "minutes": {
            "clinical_staff": result.minutes.clinical_staff,
            "practitioner": result.minutes.practitioner,
            "counted": result.minutes.counted,
        },
        "next": None
        if result.next is None
        else {"code": result.next.code, "minutes_needed": result.next.minutes_needed},
        "findings": [{"rule": f.rule.cite, "text": f.text} for f in result.findings],
    }


def institutional_to_json(month: InstitutionalMonth | None) -> dict[str, Any] | None:
    """The optional `institutional` field: an RHC/FQHC month as its 837I bills it (cms-rules §13)."""
    if month is None:
        return None
    return {
        "type_of_bill": month.type_of_bill(),
        "lines": [
            {
                "revenue_code": line.revenue_code,
                "code": line.code,
                "units": line.units,
                "service_date": line.service_date.isoformat(),
                "amount": f"{line.amount:.2f}",
            }
            for line in sorted(month.lines, key=lambda line: line.code)
        ],
        "total": f"{month.total:.2f}",
        "coinsurance": f"{month.coinsurance:.2f}",
        "deductible_applies": month.deductible_applies,
        "findings": [{"rule": f.rule.cite, "text": f.text} for f in month.findings],
    }


def month_to_json(case: MonthCase, fees: FeeSchedule) -> dict[str, Any]:
    """`ccm rules month`'s whole answer: the contract's fields, plus `institutional` (null
    unless the practice is an RHC or FQHC), an extra field the contract allows."""
    result = evaluate_month(case, fees)
    doc = result_to_json(result)
    doc["institutional"] = institutional_to_json(institutional_month(case, result, fees))
    return doc
