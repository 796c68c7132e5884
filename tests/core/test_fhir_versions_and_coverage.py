"""The reading policy (docs/import.md): every FHIR version's shapes, the MRN/MBI policy wired
into the FHIR reader, coverage kinds from payer data and what the states mean."""

from __future__ import annotations

import datetime

import pytest

from ccm.fhir import Rejected, map_resource
from ccm.fhir.payers import coverage_kind
from ccm.rules import coverage

TODAY = datetime.date(2026, 3, 1)
REF = {"reference": "Patient/p1"}


def _patient(**extra):
    return {
        "resourceType": "Patient",
        "id": "p1",
        "name": [{"family": "Roe", "given": ["Ann"]}],
        "birthDate": "1950-02-03",
        **extra,
    }


def test_epic_style_identifiers_mrn_from_type_text_never_the_ssn():
    record = map_resource(
        _patient(
            identifier=[
                {"type": {"text": "SSN"}, "value": "123-45-6789"},
                {"type": {"text": "EPI"}, "system": "urn:oid:1.2.840.114350", "value": "E1"},
                {"type": {"text": "MRN"}, "system": "urn:oid:1.2.3", "value": "M-77"},
                {"system": "http://hl7.org/fhir/sid/us-mbi", "value": "1EG4-TE5-MK73"},
            ]
        ),
        TODAY,
    )
    assert (record.mrn, record.mbi, record.warnings) == ("M-77", "1EG4TE5MK73", ())


def test_only_an_ssn_gives_no_mrn_the_id_is_the_key_and_a_warning_says_so():
    record = map_resource(
        _patient(identifier=[{"system": "http://hl7.org/fhir/sid/us-ssn", "value": "999-34-7518"}]),
        TODAY,
    )
    assert record.mrn == "p1"
    assert "Social Security number is never used" in record.warnings[0]


def test_the_practices_configured_system_names_the_mrn():
    resource = _patient(identifier=[{"system": "urn:oid:1.2.3.4", "value": "K9"}])
    assert map_resource(resource, TODAY).mrn == "p1"
    assert map_resource(resource, TODAY, mrn_system="1.2.3.4").mrn == "K9"


def test_dstu2_patient_shapes_are_read_with_warnings():
    record = map_resource(
        _patient(name=[{"family": ["Abbott", "Smith"], "given": ["Buena"]}]), TODAY
    )
    assert record.family_name == "Abbott Smith"
    assert any("Patient.name.family" in w and "DSTU2" in w for w in record.warnings)


@pytest.mark.parametrize(
    "animal",
    [
        {"animal": {"species": {"text": "Canine"}}},
        {
            "extension": [
                {
                    "url": "http://hl7.org/fhir/StructureDefinition/patient-animal",
                    "extension": [{"url": "species", "valueCodeableConcept": {"text": "dog"}}],
                }
            ]
        },
    ],
)
def test_non_human_patients_are_kept_marked_animal(animal):
    record = map_resource(_patient(**animal), TODAY)
    assert record.animal and any("Patient.animal" in w for w in record.warnings)
    assert not map_resource(_patient(), TODAY).animal


def _condition(**extra):
    return {
        "resourceType": "Condition",
        "id": "c1",
        "code": {"coding": [{"system": "http://snomed.info/sct", "code": "44054006"}]},
        **extra,
    }


@pytest.mark.parametrize(
    ("shape", "status"),
    [
        ({"subject": REF, "clinicalStatus": "active", "verificationStatus": "confirmed"}, "active"),
        ({"patient": REF, "clinicalStatus": "resolved"}, "resolved"),  # DSTU2
        (
            {
                "subject": REF,
                "clinicalStatus": {"coding": [{"code": "remission"}]},
                "category": {"coding": [{"code": "problem-list-item"}]},
            },
            "remission",
        ),
    ],
)
def test_condition_status_in_every_versions_shape_is_read_never_rejected(shape, status):
    record = map_resource(_condition(**shape), TODAY)
    assert record.clinical_status == status and record.patient.source_id == "p1"


def test_refuted_as_a_string_is_still_skipped_and_an_uncoded_condition_still_rejected():
    assert map_resource(_condition(subject=REF, verificationStatus="refuted"), TODAY) is None
    with pytest.raises(Rejected, match="Condition.code"):
        map_resource({"resourceType": "Condition", "id": "c", "subject": REF}, TODAY)


@pytest.mark.parametrize(
    ("klass", "expected"),
    [
        ("outpatient", "AMB"),  # DSTU2 string
        ({"code": "EMER"}, "EMER"),  # STU3/R4 Coding
        ([{"coding": [{"code": "IMP"}]}], "IMP"),  # R5 list of CodeableConcept
        (17, "AMB"),  # nonsense: ignored with a warning
    ],
)
def test_encounter_class_and_subject_of_every_version(klass, expected):
    record = map_resource(
        {
            "resourceType": "Encounter",
            "id": "e",
            "patient": REF,
            "class": klass,
            "actualPeriod": {"start": "2025-05-01"},  # R5
            "participant": [{"actor": {"reference": "Practitioner/d"}}],  # R5
        },
        TODAY,
    )
    assert (record.encounter_class, record.practitioner_id) == (expected, "d")
    assert any("Encounter.patient" in w for w in record.warnings)


def test_medication_order_dstu2_and_r5_medication_are_read():
    order = map_resource(
        {
            "resourceType": "MedicationOrder",
            "id": "m",
            "patient": REF,
            "status": "active",
            "dateWritten": "2020-01-02",
            "medicationCodeableConcept": {"text": "Naproxen"},
        },
        TODAY,
    )
    assert (order.display, order.authored_on) == ("Naproxen", datetime.date(2020, 1, 2))
    r5 = map_resource(
        {
            "resourceType": "MedicationRequest",
            "id": "m5",
            "subject": REF,
            "status": "active",
            "medication": {"concept": {"coding": [{"code": "849727"}], "text": "Aleve"}},
        },
        TODAY,
    )
    assert r5.display == "Aleve"


@pytest.mark.parametrize(
    ("words", "kind"),
    [
        (("Medicare Part A",), "medicare_part_a"),
        (("Medicare", "Part B"), "medicare_part_b"),
        (("Medicare Parts A and B",), "medicare_part_b"),
        (("Part C",), "medicare_advantage"),
        (("Humana Medicare Advantage HMO",), "medicare_advantage"),
        (("Medicare Part D",), "medicare_part_d"),
        (("AARP Medicare Supplement Plan G",), "medigap"),
        (("Medicaid",), "medicaid"),
        (("QMB",), "qmb"),
        (("SLMB",), "slmb"),
        (("Qualifying Individual",), "qi"),
        (("Full-benefit dual eligible",), "dual_full"),
        (("Medicare", "Medicaid"), "dual_other"),
        (("Blue Cross PPO",), "other"),
        (("Coverage/part-a--100",), "medicare_part_a"),  # Blue Button reference, dashes as words
    ],
)
def test_coverage_kinds_from_payer_words(words, kind):
    assert coverage_kind(*(w.replace("-", " ") for w in words)) == kind


def _coverage(**extra):
    return {"resourceType": "Coverage", "id": "v", "beneficiary": REF, "status": "active", **extra}


def test_blue_button_coverage_parts_and_dual_status():
    part_a = _coverage(
        type={"coding": [{"code": "MEDICARE"}]},
        **{"class": [{"type": {"coding": [{"code": "plan"}]}, "value": "Part A"}]},
    )
    assert map_resource(part_a, TODAY).kind == "medicare_part_a"
    part_b_qmb = _coverage(
        grouping={"subGroup": "Medicare", "subPlan": "Part B"},  # STU3 Blue Button v1
        extension=[
            {
                "url": "https://bluebutton.cms.gov/resources/variables/dual_01",
                "valueCoding": {"code": "03"},
            },
            {
                "url": "https://bluebutton.cms.gov/resources/variables/dual_02",
                "valueCoding": {"code": "02"},
            },
        ],
    )
    assert map_resource(part_b_qmb, TODAY).kind == "qmb"  # the latest month's status
    sopt_hmo = _coverage(type={"coding": [{"system": "https://nahdo.org/sopt", "code": "111"}]})
    assert map_resource(sopt_hmo, TODAY).kind == "medicare_advantage"


@pytest.mark.parametrize(
    ("kinds", "state", "qmb"),
    [
        ((), "unverified", False),
        (("medicare_part_b",), "part_b", False),
        (("medicare_part_b", "medicare_advantage"), "medicare_advantage", False),
        (("medicare_part_a", "medicare_part_d"), "no_part_b", False),
        (("medicare_part_a", "qmb"), "part_b", True),
        (("slmb",), "part_b", False),
        (("medigap",), "part_b", False),
        (("medicaid",), "none", False),
        (("other",), "none", False),
    ],
)
def test_coverage_states(kinds, state, qmb):
    found = coverage.standing(kinds)
    assert (found.state, found.qmb) == (state, qmb)
    assert found.state in coverage.STATES


def test_only_qmb_is_never_billed_cost_sharing():
    assert not coverage.patient_owes_cost_sharing("qmb")
    assert all(coverage.patient_owes_cost_sharing(d) for d in ("slmb", "qi", "dual_full"))
    assert "bill the plan" in coverage.standing(["medicare_advantage"]).words
