"""AllergyIntolerance and eGFR from a FHIR import reach the patient page."""

import datetime

import orjson
from django_scopes import scope

from ccmweb.imports.models import Measurement
from ccmweb.imports.services import report, run_import, start_run
from ccmweb.patients.models import Allergy

TODAY = datetime.date(2026, 7, 1)


def test_allergies_and_egfr_are_imported_refuted_ones_skipped(cast, tmp_path):
    patient = {
        "resourceType": "Patient",
        "id": "p1",
        "birthDate": "1950-01-01",
        "name": [{"family": "Allergic", "given": ["Ann"]}],
    }
    penicillin = {
        "resourceType": "AllergyIntolerance",
        "id": "a1",
        "patient": {"reference": "Patient/p1"},
        "clinicalStatus": {"coding": [{"code": "active"}]},
        "criticality": "high",
        "code": {
            "coding": [
                {"system": "http://snomed.info/sct", "code": "764146007", "display": "Penicillin"}
            ]
        },
        "reaction": [{"manifestation": [{"coding": [{"display": "Hives"}]}]}],
        "recordedDate": "2020-03-04",
    }
    refuted = {
        "resourceType": "AllergyIntolerance",
        "id": "a2",
        "patient": {"reference": "Patient/p1"},
        "verificationStatus": {"coding": [{"code": "refuted"}]},
        "code": {"text": "Latex"},
    }
    nameless = {
        "resourceType": "AllergyIntolerance",
        "id": "a3",
        "patient": {"reference": "Patient/p1"},
    }
    egfr = {
        "resourceType": "Observation",
        "id": "o1",
        "status": "final",
        "subject": {"reference": "Patient/p1"},
        "code": {"coding": [{"system": "http://loinc.org", "code": "98979-8"}]},
        "effectiveDateTime": "2026-05-01",
        "valueQuantity": {"value": 52, "unit": "mL/min/{1.73_m2}"},
    }
    entries = [{"resource": r} for r in (patient, penicillin, refuted, nameless, egfr)]
    (tmp_path / "b.json").write_bytes(orjson.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}))  # fmt: skip
    with scope(organization=cast.acme.org):
        result = report(
            run_import(start_run(cast.acme.north, "fhir"), [str(tmp_path)], today=TODAY)
        )
        allergies = list(
            Allergy.objects.values_list("substance", "reaction", "criticality", "recorded_on")
        )
        kidney = list(Measurement.objects.filter(kind="egfr").values_list("value", flat=True))
    assert allergies == [("Penicillin", "Hives", "high", datetime.date(2020, 3, 4))]
    assert kidney == [52]
    assert [r["reason"] for r in result["rejected"]] == ["AllergyIntolerance.code: missing"]  # fmt: skip
