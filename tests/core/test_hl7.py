"""The HL7v2 reader: ccm's ADT and ORU fixtures (plain and MLLP-framed), framing and line
endings, identities by ccm.identifiers, and bad messages refused one by one with the file,
line and field named."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from ccm.facts import Fact
from ccm.fhir.records import EncounterRecord, ObservationRecord, PatientRecord
from ccm.hl7 import Messages, read_message, split_messages
from ccm.hl7.messages import Raw, ack_for
from ccm.reading import InputError, Limits

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hl7"
TODAY = datetime.date(2026, 7, 1)
ADT = (
    "MSH|^~\\&|EPIC|MERCY|CCM|NORTH|20260301120000||ADT^A01^ADT_A01|C1|P|2.5.1\r"
    "PID|1||70009^^^MERCY^MR||Example^Ann||19500101|F\r"
    "PV1|1|I|||||||||||||||||V9^^^MERCY^VN|||||||||||||||||||||||||20260301110000\r"
)


def read(path: Path) -> list[Fact]:
    return Messages().read(path, TODAY)


def records(facts: list[Fact], kind: type) -> list:  # type: ignore[type-arg]
    return [f.record for f in facts if isinstance(f.record, kind)]


def test_adt_feed_newest_patient_and_one_encounter_a_visit():
    facts = read(FIXTURES / "adt_feed.hl7")
    (patient,) = records(facts, PatientRecord)
    # the A08's new address is the newest version; an SSN in PID-3 is never the MRN
    assert (patient.mrn, patient.address_line, patient.mbi) == (
        "70001",
        "40 Oak Avenue",
        "1EG4TE5MK73",
    )
    encounters = {e.source_id.rsplit("/", 1)[1]: e for e in records(facts, EncounterRecord)}
    assert set(encounters) == {"ED0001", "IP0002"}  # admit, update and discharge: one stay
    assert (encounters["ED0001"].encounter_class, encounters["ED0001"].date) == (
        "EMER",
        datetime.date(2026, 2, 10),
    )
    assert (encounters["IP0002"].encounter_class, encounters["IP0002"].date) == (
        "IMP",
        datetime.date(2026, 2, 11),  # the admission date, whichever message says it
    )
    errors = {f.source: f.error for f in facts if f.error}
    assert errors == {
        "adt_feed.hl7:21": "PID-3: no identifier other than a Social Security number or MBI",
        "adt_feed.hl7:25": "MSH-9: SIU^S12 is not a message ccm reads (ADT A01, A03, A04, A08; ORU^R01)",
    }
    skipped = {f.resource_type: f.count for f in facts if not f.record and not f.error}
    assert skipped == {"Patient": 3, "Encounter": 2}  # the older versions


def test_oru_results_framed_by_mllp():
    facts = read(FIXTURES / "oru_results.hl7")
    assert records(facts, PatientRecord) == []  # results join a patient ccm has
    measures = {o.kind: o for o in records(facts, ObservationRecord)}
    assert (measures["hba1c"].value, measures["hba1c"].date) == (
        Decimal("8.10"),
        datetime.date(2026, 2, 19),
    )
    assert (measures["blood_pressure"].value, measures["blood_pressure"].value2) == (
        Decimal("152.00"),
        Decimal("94.00"),
    )
    assert measures["blood_pressure"].date == datetime.date(2026, 2, 19)  # from OBR-7
    assert measures["weight"].unit == "kg"
    (bad,) = [f for f in facts if f.error]
    assert bad.source == "oru_results.hl7:12"
    assert bad.error == "OBX-5 (set 1): '1E+9999999' is not a decimal number (digits and a point)"
    # glucose (not kept), a BMI that could not be obtained (X), a preliminary HbA1c (P)
    assert sum(f.count for f in facts if not f.record and not f.error) == 3


@pytest.mark.parametrize("ending", [b"\r", b"\n", b"\r\n"])
def test_plain_files_with_any_line_ending(ending):
    data = (ADT + ADT.replace("C1", "C2")).replace("\r", ending.decode()).encode()
    raws = split_messages(data, "f.hl7")
    assert [r.data[:3] for r in raws] == [b"MSH", b"MSH"]
    read_ = read_message(raws[1], "f.hl7", TODAY)
    assert [f.resource_type for f in read_.facts] == ["Patient", "Encounter"]


def test_mllp_frames_and_a_missing_trailer():
    data = b"\x0b" + ADT.encode() + b"\x1c\r" + b"\x0b" + ADT.replace("C1", "C2").encode()
    assert len(split_messages(data, "f.hl7")) == 2


def test_a_file_without_a_message_is_an_input_error():
    with pytest.raises(InputError, match="no HL7v2 message"):
        split_messages(b"hello\nworld\n", "notes.txt")


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (ADT.replace("19500101", "1950"), "PID-7: '1950' is not a full date"),
        (ADT.replace("19500101", "20991231"), "PID-7: 2099-12-31 is in the future"),
        (ADT.replace("Example^Ann", ""), "PID-5: has neither family nor given name"),
        (ADT.replace("PID|", "XXX|"), "PID: missing"),
        (ADT.replace("ADT^A01", "ADT^A31"), "MSH-9: ADT^A31 is not a message ccm reads"),
        (ADT.replace("Example", "Ex\x00ample"), "message: holds a NUL byte"),
        ("MSH", "MSH: the message does not start with an MSH segment"),
        (ADT.replace("MSH|^~\\&|", "MSH|||||"), "MSH-1/MSH-2: the field separator and encoding"),
        (ADT.replace("MSH|^~\\&|", "MSH|^^\\&|"), "MSH-1/MSH-2: the field separator and encoding"),
    ],
)
def test_a_bad_message_is_one_rejection_naming_the_field(message, reason):
    result = read_message(Raw(7, message.encode()), "f.hl7", TODAY)
    (fact,) = result.facts
    assert fact.source == "f.hl7:7" and fact.record is None
    assert fact.error is not None and fact.error.startswith(reason)


def test_segment_length_and_count_are_bounded():
    long = ADT.replace("Example", "E" * 2000)
    (fact,) = read_message(Raw(1, long.encode()), "f.hl7", TODAY, Limits(line_bytes=1000)).facts
    assert fact.error == "message: a segment longer than 1,000 bytes"
    many = ADT + "NTE|1\r" * 50
    (fact,) = read_message(Raw(1, many.encode()), "f.hl7", TODAY, Limits(entries=20)).facts
    assert fact.error == "message: more than 20 segments"


def test_windows_1252_names_are_read():
    data = ADT.replace("Example", "Muñoz").encode("cp1252")
    (patient, _visit) = [f.record for f in read_message(Raw(1, data), "f.hl7", TODAY).facts]
    assert isinstance(patient, PatientRecord) and patient.family_name == "Muñoz"


def test_configured_assigning_authority_gives_the_mrn():
    message = ADT.replace("70009^^^MERCY^MR", "555^^^SSA^SS~A-77^^^MERCYEHR~70009^^^OTHER")
    facts = read_message(Raw(1, message.encode()), "f.hl7", TODAY, configured_system="MERCYEHR")
    patient = facts.facts[0].record
    assert isinstance(patient, PatientRecord) and patient.mrn == "A-77"
    assert patient.warnings == ()


def test_acks():
    accepted = ack_for(ADT.encode(), "AA")
    assert accepted.startswith(b"MSH|^~\\&|CCM|NORTH|EPIC|MERCY|")
    assert b"\rMSA|AA|C1" in accepted
    error = ack_for(ADT.encode(), "AE", "PID-7: bad|date^x")
    assert b"MSA|AE|C1|PID-7: bad date x" in error
    refused = ack_for(b"garbage", "AR", "not HL7")
    assert b"\rMSA|AR||not HL7" in refused
