"""The CSV layout of docs/import-csv.md, read without a database."""

import datetime

from ccm.csvio import LAYOUT, read_csv
from ccm.fhir import ConditionRecord, CoverageRecord, EncounterRecord, PatientRecord

TODAY = datetime.date(2026, 7, 1)


def test_rows_become_records_patients_first(tmp_path):
    (tmp_path / "visits.csv").write_text(
        "id,patient_id,date,code_system,code\nv1,p1,2026-01-05,cpt,99214\n"
    )
    (tmp_path / "patients.csv").write_text(
        "id,mrn,given_name,family_name,birth_date,state\np1,M1,Ann,Roe,1950-01-02,Ohio\n"
    )
    (tmp_path / "conditions.csv").write_text(
        "id,patient_id,code_system,code\nk1,p1,icd10,e119\nk2,p1,snomed,44054006\n"
    )
    (tmp_path / "coverage.csv").write_text("id,patient_id,kind\ng1,p1,Medicare\n")
    items = list(read_csv([tmp_path], TODAY))
    assert [type(i.record) for i in items] == [
        PatientRecord,
        ConditionRecord,
        ConditionRecord,
        EncounterRecord,
        CoverageRecord,
    ]
    assert items[0].record.state == "OH" and items[1].record.icd10_code == "E11.9"
    assert items[4].record.kind == "medicare_part_b"


def test_bad_rows_are_rejected_with_line_and_column(tmp_path):
    (tmp_path / "patients.csv").write_text(
        "id,mrn,given_name,family_name,birth_date,sex\n"
        ",M0,A,B,1950-01-01,female\n"
        "p1,M1,Ann,Roe,1950-02-30,female\n"
        "p2,M2,Bo,Roe,1950-02-03,robot\n"
        "p3,M3,Cy,Roe,2999-01-01,male\n"
    )
    (tmp_path / "conditions.csv").write_text(
        "id,patient_id,code_system,code\nk1,p1,icd10,XX\nk2,p1,loinc,1\n"
    )
    (tmp_path / "coverage.csv").write_text("id,patient_id\ng1,p1\n")
    errors = [(i.source, i.error) for i in read_csv([tmp_path], TODAY)]
    assert errors == [
        ("patients.csv:2", "id: missing"),
        ("patients.csv:3", "birth_date: '1950-02-30' is not a date"),
        ("patients.csv:4", "sex: 'robot' is not female, male, other or unknown"),
        ("patients.csv:5", "birth_date: 2999-01-01 is in the future"),
        ("conditions.csv:2", "code: 'XX' is not an ICD-10-CM code"),
        ("conditions.csv:3", "code_system: 'loinc' is not icd10 or snomed"),
        ("coverage.csv", "missing column(s): kind"),
    ]


def test_layout_documents_every_kind():
    assert set(LAYOUT) == {"patients", "conditions", "visits", "coverage"}
