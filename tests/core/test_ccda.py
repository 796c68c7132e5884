"""The C-CDA reader: HL7's own examples (whole documents and section examples), ccm's fixtures
of what vendors vary (nullFlavor, translations, missing and narrative-only sections, ids), and
hostile XML (entities, DOCTYPE, depth) refused with the file and line named."""

from __future__ import annotations

import datetime
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from ccm.ccda import map_document, read_ccda
from ccm.facts import Fact
from ccm.fhir.records import (
    ConditionRecord,
    CoverageRecord,
    EncounterRecord,
    MedicationRecord,
    ObservationRecord,
    PatientRecord,
)
from ccm.reading import InputError, Limits

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ccda"
TODAY = datetime.date(2026, 7, 1)
EXAMPLES = "data/ccda_hl7_examples"


def kept(facts: list[Fact], kind: type) -> list:  # type: ignore[type-arg]
    return [f.record for f in facts if isinstance(f.record, kind)]


def rejected(facts: list[Fact]) -> list[Fact]:
    return [f for f in facts if f.error]


# -- HL7's examples ------------------------------------------------------------------------
def _documents(shared: Path) -> list[Path]:
    folder = shared / EXAMPLES / "Documents"
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() == ".xml")


def test_every_hl7_example_document_is_read(shared):
    documents = _documents(shared)
    assert len(documents) == 12
    totals: Counter[str] = Counter()
    for path in documents:
        facts = read_ccda(path, today=TODAY)
        assert isinstance(facts[0].record, PatientRecord), path.name
        for fact in facts:
            totals[fact.resource_type] += 1 if fact.record else 0
        # the only rejections are the examples' own defects, named with file and line
        for fact in rejected(facts):
            assert re.fullmatch(rf"{re.escape(path.name)}:\d+", fact.source)
            assert (
                "'200130212' is not a date" in fact.error  # Transfer Summary: a typo'd date
                or "no diastolic 8462-4" in fact.error  # H&P: a systolic without its pair
            ), fact.error
    assert totals == {
        "Patient": 12,
        "Condition": 23,
        "MedicationRequest": 11,
        "Observation": 27,
        "Encounter": 8,
        "Coverage": 2,
    }


def test_hl7_ccd_facts_are_read_as_written(shared):
    path = shared / EXAMPLES / "Documents/CCD/CCD 1/CCD.XML"
    facts = read_ccda(path, today=TODAY)
    patient = facts[0].record
    assert isinstance(patient, PatientRecord)
    # its only id is a Social Security number: never the MRN, the patient is keyed apart
    assert "444222222" not in patient.mrn and patient.mrn.startswith("CCDA-")
    assert any("Social Security number" in w for w in patient.warnings)
    assert (patient.family_name, patient.birth_date, patient.sex) == (
        "Betterhalf",  # the legal name's (use L) first family name, the spouse's
        datetime.date(1975, 5, 1),
        "female",
    )
    assert (patient.city, patient.state) == ("Beaverton", "OR")
    problems = {(c.snomed_code, c.clinical_status) for c in kept(facts, ConditionRecord)}
    assert problems == {
        ("233604007", "resolved"),  # pneumonia twice, each with an end date
        ("29857009", "active"),  # chest pain
        ("194828000", "active"),  # angina
    }
    pressures = [o for o in kept(facts, ObservationRecord) if o.kind == "blood_pressure"]
    assert {(o.date, o.value, o.value2) for o in pressures} >= {
        (datetime.date(2012, 9, 10), Decimal("132.00"), Decimal("88.00"))
    }
    drugs = {m.rxnorm_code for m in kept(facts, MedicationRecord)}
    assert "197380" in drugs  # atenolol
    (coverage,) = kept(facts, CoverageRecord)
    # SOPT 81, self-pay (the SOPT 111 "Medicare HMO" of HL7's plans is planned coverage,
    # moodCode INT, in a plan section: not read)
    assert (coverage.kind, coverage.payer_name) == ("other", "Good Health Insurance")


def test_the_same_document_gives_the_same_ids(shared):
    path = shared / EXAMPLES / "Documents/Referral Note/Referral_Note.xml"
    first = [(f.resource_type, f.source_id) for f in read_ccda(path, today=TODAY)]
    second = [(f.resource_type, f.source_id) for f in read_ccda(path, today=TODAY)]
    assert first == second
    ids = [pair for pair in first if pair[1]]
    assert len(ids) == len(set(ids)), "a reused entry id must get a distinct suffix"


HEADER = """<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:sdtc="urn:hl7-org:sdtc"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:pharm="urn:hl7-org:pharm">{target}
<component><structuredBody>{body}</structuredBody></component></ClinicalDocument>"""
TARGET = """<recordTarget><patientRole><id root="1.2.3" extension="MRN-1"/><patient>
<name><given>Ann</given><family>Example</family></name>
<administrativeGenderCode code="F"/><birthTime value="19500101"/></patient></patientRole>
</recordTarget>"""


def wrap(fragment: str) -> bytes:
    """A section example inside a document of ccm's own header: HL7's section examples are
    fragments (no namespace declarations, no patient)."""
    fragment = re.sub(r"<\?xml[^>]*\?>", "", fragment)
    fragment = re.sub(r"\sxmlns(:\w+)?=\"[^\"]*\"", "", fragment)
    if "<recordTarget" in fragment:
        return HEADER.format(target=fragment, body="").encode()
    body = (
        fragment
        if fragment.lstrip().startswith("<component")
        else f"<component>{fragment}</component>"
    )
    if re.search(r"<section[\s>]", fragment) is None:
        return HEADER.format(target=TARGET, body="").encode()
    return HEADER.format(target=TARGET, body=body).encode()


SECTION_FOLDERS = ["Problems", "Medications", "Vital Signs", "Results", "Encounters", "Header"]


def _section_examples(shared: Path) -> list[Path]:
    found = []
    for folder in SECTION_FOLDERS:
        found += sorted((shared / EXAMPLES / folder).rglob("*.xml"))
    return found


#: Why a section example's entry is not kept: problems coded in ICD-9-CM only (no ICD-10-CM
#: or SNOMED CT to stand behind), and header examples that leave out the birth date or the
#: patient (fragments showing names or addresses).
EXPLAINED = (
    "(ICD-9-CM): neither ICD-10-CM nor SNOMED CT",
    "patient/birthTime: missing",
    "recordTarget/patientRole: missing",
)


def test_hl7_section_examples_read_with_every_rejection_explained(shared):
    examples = _section_examples(shared)
    assert len(examples) >= 50
    made: Counter[str] = Counter()
    for path in examples:
        data = wrap(path.read_text(encoding="utf-8"))
        facts = map_document(data, path.name, TODAY)
        for fact in facts:
            if fact.record:
                made[fact.resource_type] += 1
            elif fact.error:
                assert any(reason in fact.error for reason in EXPLAINED), (path.name, fact.error)
    assert made == {
        "Patient": 51,
        "MedicationRequest": 12,
        "Condition": 9,
        "Observation": 9,
        "Encounter": 5,
    }


def test_hl7_problem_examples_negation_and_translation(shared):
    folder = shared / EXAMPLES / "Problems"
    negated = next(folder.glob("Patient Does Not Have Diabetes/*.xml"))
    facts = map_document(wrap(negated.read_text()), negated.name, TODAY)
    assert kept(facts, ConditionRecord) == []  # "does not have diabetes" is no diabetes
    resolved = next(folder.glob("Complete or Resolved Problem/*.xml"))
    (condition,) = kept(map_document(wrap(resolved.read_text()), "r.xml", TODAY), ConditionRecord)
    assert condition.clinical_status == "resolved"


def test_hl7_deceased_header_example(shared):
    path = next((shared / EXAMPLES / "Header/Patient Deceased").glob("*.xml"))
    patient = map_document(wrap(path.read_text()), path.name, TODAY)[0].record
    assert isinstance(patient, PatientRecord) and patient.deceased_date is not None


# -- ccm's fixtures: what vendors vary ------------------------------------------------------
def test_vendor_variations():
    facts = read_ccda(FIXTURES / "vendor_ccd.xml", today=TODAY, configured_system="1.2.3.4.5.6.7.8")
    patient = facts[0].record
    assert isinstance(patient, PatientRecord)
    # the configured system gives the MRN; the SSN listed first is never taken; the MBI is found
    assert (patient.mrn, patient.mbi, patient.warnings) == ("MRN-70001", "1EG4TE5MK73", ())
    assert (patient.given_name, patient.address_line, patient.state) == (
        "Beatrice Ann",  # the legal name; a call-me given name is left out
        "12 Elm Street Apt 3",  # the home address, not the work one
        "IL",
    )
    conditions = {c.source_id.rsplit("^", 1)[1]: c for c in kept(facts, ConditionRecord)}
    assert conditions["OBS-1"].icd10_code == "E11.9"  # from the translation of a local code
    assert conditions["OBS-2"].snomed_code == "42343007"  # nullFlavor value, coded translation
    assert conditions["OBS-2"].onset_date == datetime.date(2019, 1, 1)  # a year only
    assert "OBS-3" not in conditions  # negated
    assert conditions["OBS-4"].clinical_status == "resolved"
    assert conditions["DX-1"].category == "encounter-diagnosis"
    (narrative,) = [f for f in rejected(facts) if f.resource_type == "Condition"]
    assert narrative.source == "vendor_ccd.xml:112"
    assert "nullFlavor UNK and no ICD-10-CM or SNOMED CT translation" in narrative.error
    medications = {m.source_id.rsplit("^", 1)[1]: m for m in kept(facts, MedicationRecord)}
    assert medications["MED-1"].rxnorm_code == "861007"
    assert (medications["MED-2"].display, medications["MED-2"].status) == (
        "Herbal tea blend",
        "completed",
    )
    assert "MED-3" not in medications  # refused
    measures = {o.kind: o for o in kept(facts, ObservationRecord)}
    assert (measures["blood_pressure"].value, measures["blood_pressure"].value2) == (
        Decimal("148.00"),
        Decimal("92.00"),
    )
    assert (measures["weight"].value, measures["weight"].unit) == (Decimal("81.60"), "kg")
    assert measures["hba1c"].value == Decimal("8.10")
    encounters = {e.encounter_class: e for e in kept(facts, EncounterRecord)}
    assert encounters["AMB"].type_code == "99214" and encounters["AMB"].type_system == "cpt"
    assert encounters["EMER"].date == datetime.date(2026, 1, 20)
    coverages = {c.member_id: c for c in kept(facts, CoverageRecord)}
    assert coverages["SSH-55501"].kind == "medicare_advantage"
    assert coverages["1EG4TE5MK73"].kind == "medicare_part_b"
    assert coverages["1EG4TE5MK73"].end_date == datetime.date(2025, 12, 31)
    skipped = {f.resource_type: f.count for f in facts if not f.record and not f.error}
    # the negated problem, the refused drug, the heart rate and the pending HbA1c
    assert skipped == {"Condition": 1, "MedicationRequest": 1, "Observation": 2}


def test_without_the_configured_system_the_first_own_id_is_the_key_with_a_warning():
    patient = read_ccda(FIXTURES / "vendor_ccd.xml", today=TODAY)[0].record
    assert isinstance(patient, PatientRecord)
    assert patient.mrn == "MRN-70001"
    assert any("no medical record number" in w for w in patient.warnings)


def test_narrative_only_and_missing_sections_warn_and_deceased_without_a_date():
    facts = read_ccda(FIXTURES / "narrative_only.xml", today=TODAY)
    assert len(facts) == 1
    patient = facts[0].record
    assert isinstance(patient, PatientRecord)
    assert patient.deceased_date == patient.birth_date
    assert any("Medications section" in w and "narrative text only" in w for w in patient.warnings)
    assert not any("Problems" in w for w in patient.warnings)  # nullFlavor NI: said so itself


def _document(target: str = TARGET, body: str = "") -> bytes:
    return HEADER.format(target=target, body=body).encode()


@pytest.mark.parametrize(
    ("birth", "reason"),
    [
        ('<birthTime nullFlavor="UNK"/>', "patient/birthTime: missing (nullFlavor UNK)"),
        ('<birthTime value="1950"/>', "patient/birthTime: '1950' is not a full date"),
        ('<birthTime value="19501301"/>', "patient/birthTime: '19501301' is not a date"),
        ('<birthTime value="20990101"/>', "patient/birthTime: 2099-01-01 is in the future"),
    ],
)
def test_a_patient_without_a_birth_date_is_rejected_with_its_facts(birth, reason):
    target = TARGET.replace('<birthTime value="19500101"/>', birth)
    body = (
        '<component><section><code code="11450-4" codeSystem="2.16.840.1.113883.6.1"/>'
        '<entry><observation><value code="I10" codeSystem="2.16.840.1.113883.6.90"/>'
        "</observation></entry></section></component>"
    )
    facts = map_document(_document(target, body), "p.xml", TODAY)
    assert [(f.resource_type, f.error) for f in facts] == [
        ("Patient", reason),
        ("Condition", "its document's patient (recordTarget) was rejected"),
    ]


# -- hostile XML ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "data",
    [
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b'<ClinicalDocument xmlns="urn:hl7-org:v3">&b;</ClinicalDocument>',
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<ClinicalDocument xmlns="urn:hl7-org:v3">&x;</ClinicalDocument>',
        b'<!DOCTYPE ClinicalDocument SYSTEM "http://example.invalid/cda.dtd">'
        b'<ClinicalDocument xmlns="urn:hl7-org:v3"/>',
    ],
)
def test_entities_and_doctypes_are_refused(data):
    with pytest.raises(InputError, match="document type declaration"):
        map_document(data, "evil.xml", TODAY)


def test_utf16_doctype_is_refused_too():
    data = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><ClinicalDocument xmlns="urn:hl7-org:v3">&x;</ClinicalDocument>'
    with pytest.raises(InputError, match="document type declaration"):
        map_document(data.encode("utf-16"), "evil.xml", TODAY)


def test_depth_and_element_count_are_bounded():
    deep = b"<a>" * 100 + b"</a>" * 100
    data = b'<ClinicalDocument xmlns="urn:hl7-org:v3">' + deep + b"</ClinicalDocument>"
    with pytest.raises(InputError, match=r"evil.xml:1: XML nested deeper than 64"):
        map_document(data, "evil.xml", TODAY)
    many = b'<ClinicalDocument xmlns="urn:hl7-org:v3">' + b"<a/>" * 50 + b"</ClinicalDocument>"
    with pytest.raises(InputError, match="more than 20 XML elements"):
        map_document(many, "evil.xml", TODAY, Limits(entries=20))


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"<ClinicalDocument><unclosed></ClinicalDocument>", "bad.xml:1: not well-formed XML"),
        (
            b'<Bundle xmlns="http://hl7.org/fhir"/>',
            "not a C-CDA document: the root element is 'Bundle'",
        ),
        (b"<ClinicalDocument/>", "not a C-CDA document"),
        (b"", "not well-formed XML (Document is empty)"),
    ],
)
def test_not_a_ccda_document_is_a_clear_error(data, reason):
    with pytest.raises(InputError) as caught:
        map_document(data, "bad.xml", TODAY)
    assert reason in str(caught.value)


def test_a_value_with_an_exponent_is_rejected_not_read():
    body = (
        '<component><section><code code="8716-3" codeSystem="2.16.840.1.113883.6.1"/>'
        '<entry><organizer><effectiveTime value="20260101"/><component><observation>'
        '<id root="9.9" extension="W"/><code code="29463-7" codeSystem="2.16.840.1.113883.6.1"/>'
        '<value xsi:type="PQ" value="1E+9999999" unit="kg"/></observation></component>'
        "</organizer></entry></section></component>"
    )
    facts = map_document(_document(body=body), "v.xml", TODAY)
    (bad,) = rejected(facts)
    assert bad.source == "v.xml:6" and "is not a decimal number" in bad.error


@pytest.mark.parametrize(
    ("code", "display", "kind"),
    [
        ("14", "Dual Eligibility Medicare/Medicaid Organization", "dual_other"),
        ("122", "Medicare drug benefit", "medicare_part_d"),
        ("123", "Medicare Medical Savings Account", "medicare_advantage"),
        ("121", "Medicare FFS", "medicare_part_b"),
    ],
)
def test_a_ccda_payer_is_read_by_the_same_payment_typology_as_fhir(tmp_path, code, display, kind):
    """A dual plan is not QMB (only QMB spares the patient coinsurance) and Part D is not
    Part B: the C-CDA reader asks fhir.payers' one SOPT table."""
    text = (FIXTURES / "vendor_ccd.xml").read_text(encoding="utf-8")
    fee_for_service = (
        '<code code="121" codeSystem="2.16.840.1.113883.3.221.5" displayName="Medicare FFS"/>'
    )
    assert fee_for_service in text
    changed = tmp_path / "vendor_ccd.xml"
    changed.write_text(
        text.replace(
            fee_for_service,
            f'<code code="{code}" codeSystem="2.16.840.1.113883.3.221.5" displayName="{display}"/>',
        ),
        encoding="utf-8",
    )
    coverages = {c.member_id: c for c in kept(read_ccda(changed, today=TODAY), CoverageRecord)}
    assert coverages["1EG4TE5MK73"].kind == kind
