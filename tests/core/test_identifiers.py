"""Which identifier is the MRN (issue 12): Epic's type.text, MR codings, the practice's system,
never a Social Security number."""

from ccm.identifiers import Identifier, choose, is_ssn

SSN = Identifier("123-45-6789", "http://hl7.org/fhir/sid/us-ssn", ("SS",), "Social Security Number")


def test_the_mr_coding_wins():
    found = choose([SSN, Identifier("E123", "urn:oid:9.9", ("MR",))], "Patient.identifier")
    assert (found.mrn, found.how, found.warnings) == ("E123", "type MR", ())


def test_epic_labels_the_mrn_with_type_text_only():
    epic = [
        Identifier("Z7731", "urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.0", (), "EPI"),
        Identifier("123456789", "urn:oid:2.16.840.1.113883.4.1", (), "SSN"),
        Identifier("4410023", "urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.14", (), "MRN"),
    ]
    assert choose(epic, "Patient.identifier").mrn == "4410023"
    assert choose(epic[:2], "Patient.identifier").mrn == ""


def test_medical_record_number_in_any_case():
    found = choose([Identifier("77", type_text="medical record number")], "x")
    assert found.mrn == "77"


def test_the_practices_configured_system():
    ids = [SSN, Identifier("A-1", "urn:oid:1.2.3.4"), Identifier("B-2", "urn:oid:5.6.7")]
    assert choose(ids, "x", "1.2.3.4").mrn == "A-1"
    assert choose(ids, "x", "urn:oid:5.6.7").mrn == "B-2"


def test_never_a_social_security_number_however_labelled():
    for ssn in (
        SSN,
        Identifier("123456789", "urn:oid:2.16.840.1.113883.4.1"),
        Identifier("123456789", type_codes=("SB",)),
        Identifier("123456789", type_text="SSN"),
    ):
        assert is_ssn(ssn)
        found = choose([ssn], "Patient.identifier", ssn.system)
        assert found.mrn == ""
        assert "Social Security number is never used" in found.warnings[0]


def test_no_mrn_is_a_warning_naming_the_path():
    found = choose(
        [Identifier("x1", "https://github.com/synthetichealth/synthea")], "Patient.identifier"
    )
    assert found.mrn == ""
    assert found.warnings[0].startswith("Patient.identifier: no medical record number")


def test_mbi_by_system_or_type_and_format():
    good = Identifier("1eg4-te5-mk73", "http://hl7.org/fhir/sid/us-mbi")
    assert choose([good], "x").mbi == "1EG4TE5MK73"
    assert choose([Identifier("1EG4TE5MK73", type_codes=("MC",))], "x").mbi == "1EG4TE5MK73"
    bad = choose([Identifier("123", "http://hl7.org/fhir/sid/us-mbi")], "x")
    assert bad.mbi == "" and "MBI" in bad.warnings[0]


def test_an_untyped_identifier_in_the_mbi_format_is_the_mbi_not_the_mrn():
    found = choose(
        [Identifier("1EG4TE5MK73", "urn:oid:1.2.3"), Identifier("9", type_codes=("MR",))], "x"
    )
    assert (found.mbi, found.mrn) == ("1EG4TE5MK73", "9")
