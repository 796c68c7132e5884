"""The pure FHIR reader and mappers: no database, dates passed in."""

import datetime
import gzip
from decimal import Decimal

import pytest

from ccm.fhir import PatientRecord, Rejected, map_resource, read_resources
from ccm.fhir.mapping import coverage_kind, parse_date, reference_id

TODAY = datetime.date(2026, 7, 1)


def test_ndjson_streams_one_line_at_a_time_and_reports_bad_lines(tmp_path):
    path = tmp_path / "Patient.ndjson.gz"
    with gzip.open(path, "wt") as out:
        out.write('{"resourceType":"Patient","id":"a"}\n\n{broken\n[1]\n')
    items = list(read_resources([tmp_path]))
    assert [(i.source, i.error is None) for i in items] == [
        ("Patient.ndjson.gz:1", True),
        ("Patient.ndjson.gz:3", False),
        ("Patient.ndjson.gz:4", False),
    ]


def test_bundle_entries_come_patients_first_with_entry_numbers(tmp_path):
    path = tmp_path / "b.json"
    path.write_text(
        '{"resourceType":"Bundle","type":"transaction","entry":['
        '{"resource":{"resourceType":"Condition","id":"c"}},'
        '{"fullUrl":"urn:uuid:p1","resource":{"resourceType":"Patient"}}]}'
    )
    items = list(read_resources([path]))
    assert [(i.source, i.resource["id"]) for i in items] == [("b.json#1", "p1"), ("b.json#0", "c")]


def test_patient_mrn_mbi_state_and_deceased():
    record = map_resource(
        {
            "resourceType": "Patient",
            "id": "p",
            "identifier": [
                {"value": "first"},
                {"type": {"coding": [{"code": "MR"}]}, "value": "M-9"},
                {"system": "http://hl7.org/fhir/sid/us-mbi", "value": "1eg4-te5-mk73"},
            ],
            "name": [{"family": "Roe", "given": ["Ann", "B"]}],
            "birthDate": "1950-02-03",
            "address": [{"state": "Massachusetts"}],
            "deceasedDateTime": "2020-01-02T10:00:00-05:00",
        },
        TODAY,
    )
    assert isinstance(record, PatientRecord)
    assert (record.mrn, record.mbi, record.state, record.given_name) == (
        "M-9",
        "1EG4TE5MK73",
        "MA",
        "Ann B",
    )
    assert record.deceased_date == datetime.date(2020, 1, 2)


def test_without_an_mrn_the_id_is_the_key_with_a_warning_and_bad_mbi_is_a_warning():
    base = {
        "resourceType": "Patient",
        "id": "p",
        "name": [{"family": "Roe"}],
        "birthDate": "1950-02-03",
    }
    assert map_resource(base, TODAY).mrn == "p"
    record = map_resource(
        {**base, "identifier": [{"system": "http://hl7.org/fhir/sid/us-mbi", "value": "BAD"}]},
        TODAY,
    )
    assert record.mrn == "p" and record.mbi == "" and "MBI" in record.warnings[0]
    assert "no medical record number" in record.warnings[1]


@pytest.mark.parametrize(
    ("resource", "reason"),
    [
        (
            {
                "resourceType": "Patient",
                "id": "p",
                "name": [{"family": "R"}],
                "birthDate": "1950-13-01",
            },
            "Patient.birthDate: '1950-13-01' is not a date",
        ),
        (
            {"resourceType": "Patient", "id": "p", "name": [{"family": "R"}], "birthDate": 1950},
            "Patient.birthDate: 1950 is not a full date",
        ),
        (
            {"resourceType": "Patient", "id": "p", "birthDate": "1950-01-01"},
            "Patient.name: missing",
        ),
        (
            {
                "resourceType": "Condition",
                "id": "c",
                "subject": {"reference": "Patient/p"},
                "code": {"coding": []},
            },
            "Condition.code: no ICD-10-CM or SNOMED CT coding",
        ),
        (
            {
                "resourceType": "Condition",
                "id": "c",
                "subject": {"reference": "Group/g"},
                "code": {"coding": [{"system": "http://snomed.info/sct", "code": "44054006"}]},
            },
            "Condition.subject: 'Group/g' is not a reference to a Patient",
        ),
        (
            {
                "resourceType": "Encounter",
                "id": "e",
                "subject": {"reference": "Patient/p"},
                "period": {"start": "2999-01-01"},
            },
            "Encounter.period.start: 2999-01-01 is in the future",
        ),
    ],
)
def test_rejections_name_the_field_and_the_reason(resource, reason):
    with pytest.raises(Rejected) as error:
        map_resource(resource, TODAY)
    assert str(error.value) == reason


def test_unkept_types_are_skipped_and_entered_in_error_conditions_too():
    assert map_resource({"resourceType": "Procedure", "id": "x"}, TODAY) is None
    assert (
        map_resource(
            {
                "resourceType": "Condition",
                "id": "c",
                "verificationStatus": {"coding": [{"code": "entered-in-error"}]},
            },
            TODAY,
        )
        is None
    )


def test_encounter_practitioner_is_the_first_participant_referenced_by_id():
    """Synthea's bulk export names the performer by a conditional reference
    (Practitioner?identifier=…|NPI), which is no id: it is passed over, as is a reference to
    something else, and the first participant referenced by id is the practitioner."""
    encounter = {
        "resourceType": "Encounter",
        "id": "e1",
        "subject": {"reference": "Patient/p1"},
        "period": {"start": "2026-03-04T10:00:00Z"},
        "participant": [
            {"individual": {"reference": "Practitioner?identifier=http://x|9999974493"}},
            {"individual": {"reference": "RelatedPerson/r1"}},
            {"individual": {"reference": "Practitioner/dr-2"}},
            {"individual": {"reference": "Practitioner/dr-3"}},
        ],
    }
    assert map_resource(encounter, TODAY).practitioner_id == "dr-2"
    only_conditional = {**encounter, "participant": encounter["participant"][:1]}
    assert map_resource(only_conditional, TODAY).practitioner_id == ""


def test_encounter_prefers_cpt_and_observation_keeps_blood_pressure():
    encounter = map_resource(
        {
            "resourceType": "Encounter",
            "id": "e",
            "subject": {"reference": "urn:uuid:p"},
            "class": {"code": "AMB"},
            "type": [
                {
                    "coding": [
                        {"system": "http://snomed.info/sct", "code": "185349003"},
                        {"system": "http://www.ama-assn.org/go/cpt", "code": "99214"},
                    ]
                }
            ],
            "period": {"start": "2026-01-02T23:30:00-05:00"},
            "participant": [{"individual": {"reference": "Practitioner/dr"}}],
        },
        TODAY,
    )
    assert (
        encounter.type_system,
        encounter.type_code,
        encounter.date,
        encounter.practitioner_id,
    ) == ("cpt", "99214", datetime.date(2026, 1, 2), "dr")
    observation = map_resource(
        {
            "resourceType": "Observation",
            "id": "o",
            "subject": {"reference": "Patient/p"},
            "code": {"coding": [{"system": "http://loinc.org", "code": "4548-4"}]},
            "effectiveDateTime": "2026-02-01",
            "valueQuantity": {"value": 7.25, "unit": "%"},
        },
        TODAY,
    )
    assert (observation.kind, observation.value) == ("hba1c", Decimal("7.25"))


def test_payer_words_and_references():
    assert [
        coverage_kind(w)
        for w in ("medicare", "Dual Eligible", "medicaid", "private", "Medicare Advantage")
    ] == ["medicare_part_b", "dual_other", "medicaid", "other", "medicare_advantage"]
    assert (
        reference_id({"reference": "https://x.org/fhir/Patient/7/_history/2"}, "f", "Patient")
        == "7"
    )
    assert parse_date("2020-05", "f") == datetime.date(2020, 5, 1)


def test_claims_keep_the_payer_and_care_management_codes_with_the_billing_npi():
    claim = {
        "resourceType": "Claim",
        "id": "c1",
        "patient": {"reference": "urn:uuid:p1"},
        "insurer": {"display": "Medicare"},
        "billablePeriod": {"start": "2026-02-03"},
        "provider": {
            "reference": "Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|1999999992"
        },
        "item": [
            {"productOrService": {"coding": [{"code": "99214"}]}},
            {"productOrService": {"coding": [{"code": "G0557"}]}, "servicedDate": "2026-02-05"},
        ],
    }
    record = map_resource(claim, TODAY)
    assert record.payer.kind == "medicare_part_b" and record.payer.from_claims
    assert [(s.code, s.date, s.provider_npi) for s in record.services] == [
        ("G0557", datetime.date(2026, 2, 5), "1999999992")
    ]
    no_payer = {**claim, "insurer": None, "item": claim["item"][:1]}
    assert map_resource(no_payer, TODAY) is None  # neither a payer nor care management: skipped


def test_unkept_ndjson_lines_are_skipped_unparsed(tmp_path):
    from ccm.fhir import KEPT_TYPES, read_file

    path = tmp_path / "mixed.ndjson"
    path.write_text(
        '{"resourceType":"Procedure","id":"x", broken json\n'
        '{"resourceType":"Patient","id":"p"}\n'
        "not json\n"
    )
    items = list(read_file(path, keep=KEPT_TYPES))
    assert [(i.skipped_type, i.resource is not None, i.error is not None) for i in items] == [
        ("Procedure", False, False),
        ("", True, False),
        ("", False, True),
    ]


def test_a_run_of_unkept_lines_is_one_item_counting_them(tmp_path):
    """An $export file of a type not kept is passed over a line prefix at a time; the run of
    lines comes back as one item that says where it starts and how many lines it holds."""
    from ccm.fhir import KEPT_TYPES, read_file

    path = tmp_path / "DocumentReference.000.ndjson"
    path.write_text(
        '{"resourceType":"DocumentReference","id":"d1"}\n'
        '{"resourceType":"DocumentReference","id":"d2"}\n'
        "\n"
        '{"resourceType":"DocumentReference","id":"d3"}\n'
        '{"resourceType":"DocumentReferenceX","id":"x"}\n'  # another type: a run of its own
        '{"resourceType":"Condition","id":"c", broken\n'
        '{"resourceType":"Procedure","id":"p1"}\n'
        '{"resourceType":"Procedure","id":"p2"}\n'
    )
    items = list(read_file(path, keep=KEPT_TYPES))
    assert [(i.source, i.skipped_type, i.count, i.error is not None) for i in items] == [
        ("DocumentReference.000.ndjson:1", "DocumentReference", 2, False),
        ("DocumentReference.000.ndjson:4", "DocumentReference", 1, False),
        ("DocumentReference.000.ndjson:5", "DocumentReferenceX", 1, False),
        ("DocumentReference.000.ndjson:6", "", 1, True),
        ("DocumentReference.000.ndjson:7", "Procedure", 2, False),
    ]


def test_synthea_bulk_sample_maps_without_unexpected_errors(shared):
    seen = 0
    for item in read_resources([shared / "data/synthea_bulk_ndjson_10_patients"]):
        if item.resource is None or "resourceType" not in item.resource:
            continue  # log.ndjson holds export log lines, not resources
        try:
            map_resource(item.resource, TODAY)
        except Rejected as error:
            assert "unexpected structure" not in str(error)
        seen += 1
    assert seen > 7000


def test_a_byte_order_mark_and_windows_line_ends_change_nothing(tmp_path):
    """Files saved by Windows tools: a UTF-8 BOM first and CRLF line ends. The NDJSON is still
    read whole and still ordered as a Patient file (Patients before what refers to them)."""
    import gzip

    from ccm.fhir import KEPT_TYPES, read_file
    from ccm.fhir.read import input_files

    patients = tmp_path / "zz-export-1.ndjson"  # named so only its first line says Patient
    patients.write_bytes(
        b'\xef\xbb\xbf{"resourceType":"Patient","id":"p1"}\r\n{"resourceType":"Patient","id":"p2"}\r\n'
    )
    conditions = tmp_path / "aa-export-2.ndjson.gz"
    conditions.write_bytes(gzip.compress(b'{"resourceType":"Condition","id":"c1"}\r\n'))
    single = tmp_path / "resource.json"
    single.write_bytes(b'\xef\xbb\xbf{"resourceType":"Patient","id":"p3"}')
    assert input_files([tmp_path]) == [single, patients, conditions]  # Patients first
    items = [i for path in input_files([tmp_path]) for i in read_file(path, keep=KEPT_TYPES)]
    assert [(i.resource or {}).get("id") for i in items] == ["p3", "p1", "p2", "c1"]
    assert all(i.error is None for i in items)


def test_a_patient_file_whose_first_line_is_broken_is_still_read_first(tmp_path):
    from ccm.fhir.read import input_files

    (tmp_path / "Condition.000.ndjson").write_text('{"resourceType":"Condition","id":"c1"}\n')
    (tmp_path / "Patient.000.ndjson").write_text(
        '{"resourceType":"Pat\n{"resourceType":"Patient"}\n'
    )
    assert [p.name for p in input_files([tmp_path])] == [
        "Patient.000.ndjson",
        "Condition.000.ndjson",
    ]


def test_a_folder_of_one_searchset_bundle_a_type_is_read_patients_first(tmp_path):
    """An EMR's API dump: Condition.json and Patient.json, each a searchset Bundle."""
    from ccm.fhir.read import input_files

    def searchset(kind: str) -> str:
        return (
            '{"resourceType": "Bundle", "type": "searchset", "entry": '
            f'[{{"resource": {{"resourceType": "{kind}", "id": "x"}}}}]}}'
        )

    (tmp_path / "Condition.json").write_text(searchset("Condition"))
    (tmp_path / "Patient.json").write_text(searchset("Patient"))
    assert [p.name for p in input_files([tmp_path])] == ["Patient.json", "Condition.json"]


def test_upper_case_names_and_json_lines_files_are_read(tmp_path):
    import gzip

    from ccm.fhir import read_resources

    (tmp_path / "PATIENT.JSON").write_text('{"resourceType":"Patient","id":"p1"}')
    (tmp_path / "conditions.jsonl").write_text(
        '{"resourceType":"Condition","id":"c1"}\n{"resourceType":"Condition","id":"c2"}\n'
    )
    (tmp_path / "more.JSONL.GZ").write_bytes(
        gzip.compress(b'{"resourceType":"Condition","id":"c3"}\n')
    )
    (tmp_path / "notes.txt").write_text("not an input")
    ids = [item.resource["id"] for item in read_resources([tmp_path]) if item.resource]
    assert ids == ["p1", "c1", "c2", "c3"]


def test_observation_lines_of_codes_not_kept_are_passed_over_unparsed(tmp_path):
    """LINE_HINTS: an Observation line without a kept code (and no escape that could spell
    one) is counted as skipped without parsing, in runs; the others are parsed and mapped."""
    from ccm.fhir import KEPT_TYPES, LINE_HINTS, read_file

    def observation(number: int, code: str, tail: str = "") -> str:
        return (
            f'{{"resourceType":"Observation","id":"o{number}","status":"final",'
            f'"code":{{"coding":[{{"system":"http://loinc.org","code":"{code}"}}]}}{tail}}}'
        )

    lines = [
        observation(1, "8302-2"),  # height: not kept
        observation(2, "8302-2", ',"broken":'),  # not JSON, but of a code not kept
        observation(3, "4548-4"),  # HbA1c: parsed
        observation(4, "8302-2", ',"note":"\\u0034548-4"'),  # an escape: parsed, then skipped
        observation(5, "8302-2"),
        '{"resourceType":"Procedure","id":"p1"}',
        observation(6, "29463-7", ',"broken":'),  # weight, broken: parsed and rejected
    ]
    path = tmp_path / "Observation.ndjson"
    path.write_text("\n".join(lines) + "\n")
    items = list(read_file(path, keep=KEPT_TYPES, hints=LINE_HINTS))
    summary = [(i.source, i.skipped_type, i.count, i.error is not None) for i in items]
    assert summary == [
        ("Observation.ndjson:1", "Observation", 2, False),
        ("Observation.ndjson:3", "", 1, False),
        ("Observation.ndjson:4", "", 1, False),
        ("Observation.ndjson:5", "Observation", 1, False),
        ("Observation.ndjson:6", "Procedure", 1, False),
        ("Observation.ndjson:7", "", 1, True),
    ]
    assert items[1].resource is not None and items[1].resource["id"] == "o3"
    assert items[2].resource is not None and items[2].resource["id"] == "o4"
    without = list(read_file(path, keep=KEPT_TYPES))  # no hints: every Observation parsed
    assert [i.error is not None for i in without if not i.skipped_type].count(True) == 2
