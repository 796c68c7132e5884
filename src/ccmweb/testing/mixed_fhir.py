"""A folder of FHIR Bundles mixing versions (DSTU2 and STU3/R4 shapes), one patient each, with
the coverage cases the audit must tell apart: Part B, Medicare Advantage, Part A and D only,
QMB, deceased, under 65 without Medicare, a dog. Written by the tests (web and browser)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DIABETES, HYPERTENSION = "44054006", "38341003"
Resource = dict[str, Any]


def bundle(patient: Resource, *facts: Resource) -> Resource:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in (patient, *facts)],
    }


def person(pid: str, born: str = "1950-01-01", dstu2: bool = False, **extra: Any) -> Resource:
    family: Any = ["Doe"] if dstu2 else "Doe"
    return {
        "resourceType": "Patient",
        "id": pid,
        "identifier": [
            {"type": {"text": "SSN"}, "value": "123-45-6789"},  # shared: never the MRN
            {"type": {"text": "Medical Record Number"}, "value": f"MRN-{pid}"},
        ],
        "name": [{"family": family, "given": [pid]}],
        "birthDate": born,
        **extra,
    }


def conditions(pid: str, dstu2: bool = False) -> list[Resource]:
    who = (
        {"patient": {"reference": f"Patient/{pid}"}}
        if dstu2
        else {"subject": {"reference": f"Patient/{pid}"}}
    )
    return [
        {
            "resourceType": "Condition",
            "id": f"{pid}-{code}",
            **who,
            "code": {"coding": [{"system": "http://snomed.info/sct", "code": code}]},
            "clinicalStatus": "active",  # STU3/DSTU2 shape, common in "R4" exports too
            "verificationStatus": "confirmed",
        }
        for code in (DIABETES, HYPERTENSION)
    ]


def coverage(pid: str, words: str, **extra: Any) -> Resource:
    return {
        "resourceType": "Coverage",
        "id": f"{pid}-cov-{words}",
        "status": "active",
        "beneficiary": {"reference": f"Patient/{pid}"},
        "payor": [{"display": words}],
        **extra,
    }


def mixed_version_folder(tmp_path: Path) -> Path:
    cases: dict[str, tuple[list[Resource], dict[str, Any]]] = {
        "partb": ([coverage("partb", "Medicare Part B")], {}),
        "advantage": ([coverage("advantage", "Aetna Medicare Advantage PPO")], {}),
        "parta": ([coverage("parta", "Medicare Part A"), coverage("parta", "Part D plan")], {}),
        "qmb": ([coverage("qmb", "Medicare Part B"), coverage("qmb", "QMB")], {}),
        "dead": ([coverage("dead", "Medicare Part B")], {"deceasedDateTime": "2025-06-01"}),
        "young": ([], {"born": "1990-05-05"}),
        "dog": ([coverage("dog", "Medicare Part B")], {"animal": {"species": {"text": "dog"}}}),
    }
    for n, (pid, (cover, extra)) in enumerate(cases.items()):
        dstu2 = n % 2 == 0
        born = extra.pop("born", "1950-01-01")
        whole = bundle(person(pid, born, dstu2, **extra), *conditions(pid, dstu2), *cover)
        (tmp_path / f"{pid}.json").write_text(json.dumps(whole))
    return tmp_path
