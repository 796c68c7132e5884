"""The CSV layout of docs/import-csv.md, read without a database."""

import datetime
import gc
import gzip
import sys

import pytest

from ccm.csvio import LAYOUT, read_csv
from ccm.csvio.layout import UNKNOWN_NAME
from ccm.csvio.rows import read_rows
from ccm.fhir import ConditionRecord, CoverageRecord, EncounterRecord, PatientRecord
from ccm.reading import InputError, Limits

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


HEADER = "id,mrn,given_name,family_name,birth_date\n"


def _patients(count: int, bad: dict[int, str] | None = None) -> str:
    """COUNT patient rows; BAD replaces the family name of some (1-based row numbers)."""
    rows = [HEADER]
    for i in range(1, count + 1):
        family = (bad or {}).get(i, "Roe")
        rows.append(f"p{i},M{i},Ann,{family},1950-01-02\n")
    return "".join(rows)


def test_windows_1252_is_found_and_read(tmp_path):
    (tmp_path / "patients.csv").write_bytes(
        (HEADER + "p1,M1,Ann,Roe,1950-01-02\n" * 3 + "p2,M2,Zoë,Müller-Peña,1950-01-02\n").encode(
            "cp1252"
        )
    )
    items = list(read_csv([tmp_path], TODAY))
    assert [i.error for i in items] == [None] * 4
    assert (items[3].record.given_name, items[3].record.family_name) == ("Zoë", "Müller-Peña")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"])
def test_utf16_and_utf8_with_a_mark_are_read(tmp_path, encoding):
    text = HEADER + "p1,M1,Zoë,Müller,1950-01-02\r\np2,M2,Ann,Roe,1950-01-02\r\n"
    (tmp_path / "patients.csv").write_bytes(text.encode(encoding))
    items = list(read_csv([tmp_path], TODAY))
    assert [(i.source, i.error) for i in items] == [
        ("patients.csv:2", None),
        ("patients.csv:3", None),
    ]
    assert items[0].record.family_name == "Müller"


def test_a_declared_encoding_is_used_and_bytes_it_cannot_read_name_the_record_and_column(tmp_path):
    (tmp_path / "patients.csv").write_bytes(
        (HEADER + "p1,M1,Zoë,Roe,1950-01-02\n").encode() + b"p2,M2,Ann,R\xf6e,1950-01-02\n"
    )
    items = list(read_csv([tmp_path], TODAY))  # UTF-8 proven by line 2: line 3 is refused
    assert items[0].record.given_name == "Zoë"
    assert (items[1].source, items[1].error) == (
        "patients.csv:3",
        "family_name: bytes that are not text in the file's encoding (declare it: --encoding)",
    )
    declared = list(read_csv([tmp_path], TODAY, encoding="latin-1"))
    assert [i.record.family_name for i in declared] == ["Roe", "Röe"]
    assert declared[0].record.given_name == "ZoÃ«"  # what the operator declared, taken as said


def test_a_field_over_the_limit_refuses_that_row_with_its_line_and_the_rest_are_read(tmp_path):
    (tmp_path / "patients.csv").write_text(_patients(5000, {4000: "x" * 200_000}))
    items = list(read_csv([tmp_path], TODAY))
    refused = [(i.source, i.error) for i in items if i.error]
    assert refused == [("patients.csv:4001", "family_name: longer than 65,536 characters")]
    assert sum(1 for i in items if i.record) == 4999


def test_an_overlong_line_is_refused_and_the_next_line_read(tmp_path):
    (tmp_path / "patients.csv").write_text(_patients(3, {2: "x" * 3000}))
    items = list(read_csv([tmp_path], TODAY, limits=Limits(line_bytes=2000)))
    assert [(i.source, i.error) for i in items] == [
        ("patients.csv:2", None),
        ("patients.csv:3", "line longer than 2,000 bytes, the limit for one line"),
        ("patients.csv:4", None),
    ]


def test_an_unclosed_quote_is_refused_at_the_line_its_record_begins(tmp_path):
    body = HEADER + 'p1,M1,Ann,"Roe\n' + ("x" * 50 + "\n") * 100
    (tmp_path / "patients.csv").write_text(body)
    items = list(read_csv([tmp_path], TODAY, limits=Limits(line_bytes=2000)))
    assert (items[0].source, items[0].error) == (
        "patients.csv:2",
        "line longer than 2,000 bytes, the limit for one line",
    )
    assert all(i.error for i in items)  # what follows is not read as patients


def test_a_multi_line_record_is_named_by_the_line_it_begins_on(tmp_path):
    (tmp_path / "patients.csv").write_text(
        HEADER + 'p1,M1,Ann,"Roe\nJr",1950-01-02\np2,M2,Bo,Roe,1950-02-30\n'
    )
    items = list(read_csv([tmp_path], TODAY))
    assert [(i.source, i.error) for i in items] == [
        ("patients.csv:2", None),
        ("patients.csv:4", "birth_date: '1950-02-30' is not a date"),
    ]


def test_a_nul_byte_refuses_its_record_only(tmp_path):
    (tmp_path / "patients.csv").write_text(_patients(3, {2: "Ro\x00e"}))
    items = list(read_csv([tmp_path], TODAY))
    assert [(i.source, i.error) for i in items] == [
        ("patients.csv:2", None),
        ("patients.csv:3", "family_name: contains a NUL byte, which cannot be stored"),
        ("patients.csv:4", None),
    ]


def test_a_file_with_an_unknown_name_is_reported_not_passed_over(tmp_path):
    (tmp_path / "patients.csv").write_text(_patients(1))
    (tmp_path / "patient_list.csv").write_text(_patients(1))  # "patients" would be known
    (tmp_path / "allergies.csv").write_text("id\n1\n")
    (tmp_path / ".DS_Store").write_bytes(b"\0\0")
    items = list(read_csv([tmp_path], TODAY))
    assert [(i.source, i.error) for i in items] == [
        ("patients.csv:2", None),
        ("allergies.csv", UNKNOWN_NAME),
        ("patient_list.csv", UNKNOWN_NAME),
    ]


def test_a_gzip_csv_that_is_corrupt_is_the_readers_own_error(tmp_path):
    (tmp_path / "patients.csv.gz").write_bytes(gzip.compress(_patients(500).encode())[:-40])
    with pytest.raises(InputError, match=r"^patients.csv.gz(:\d+)?: not a readable gzip file"):
        list(read_csv([tmp_path], TODAY))


@pytest.fixture
def unraisable(monkeypatch):  # type: ignore[no-untyped-def]
    """What Python reported as "Exception ignored in …" (an error while a generator or file was
    being finalised, which no caller sees), collected."""
    seen = []
    monkeypatch.setattr(sys, "unraisablehook", seen.append)
    yield seen
    gc.collect()


def test_a_utf16_file_left_unread_is_closed_with_nothing_raised_while_finalising(
    tmp_path, unraisable
):
    """A file with a column missing is rejected after its header: what reads its lines is
    closed before the file under it (found by the CSV fuzz suite: "Exception ignored in
    <generator object text_lines>", a UTF-16 reader flushing into a closed file)."""
    (tmp_path / "patients.csv").write_bytes("id,mrn\r\np1,M1\r\n".encode("utf-16"))
    items = list(read_csv([tmp_path], TODAY))
    assert [i.error for i in items] == ["missing column(s): given_name, family_name, birth_date"]
    gc.collect()
    assert [(u.exc_type, str(u.exc_value), u.object) for u in unraisable] == []


def test_rows_of_a_utf16_file_closed_part_way_close_the_file_quietly(tmp_path, unraisable):
    path = tmp_path / "patients.csv"
    path.write_bytes("id,mrn\r\np1,M1\r\np2,M2\r\n".encode("utf-16"))
    rows = read_rows(path)
    assert next(rows).line == 1
    rows.close()
    gc.collect()
    assert [(u.exc_type, str(u.exc_value), u.object) for u in unraisable] == []
