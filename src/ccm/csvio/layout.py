"""Read patients, conditions, visits and coverage from CSV files into ccm's records.

One file per kind, named by its kind (``patients.csv``, ``conditions.csv``, ``visits.csv``,
``coverage.csv``, optionally gzip), in a folder or given one by one; a file named otherwise
is reported, never passed over in silence.  Rows stream one at a time, bounded and decoded by
`rows.read_rows`; each bad row is rejected with ``file:line`` (the line it begins on) and the
column at fault (docs/import-csv.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from ccm.codes import is_valid_icd10cm, normalize_icd10
from ccm.coverage_kinds import KINDS
from ccm.csvio.rows import read_rows
from ccm.fhir.mapping import coverage_kind, parse_date
from ccm.fhir.records import (
    ConditionRecord,
    CoverageRecord,
    EncounterRecord,
    PatientRecord,
    PatientRef,
    Record,
    Rejected,
)
from ccm.fhir.states import state_code
from ccm.identifiers import Identifier, is_ssn, normal_mbi
from ccm.reading import DEFAULT_LIMITS, Limits

#: kind → (required columns, optional columns), in the order docs/import-csv.md lists them.
LAYOUT: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "patients": (
        ("id", "mrn", "given_name", "family_name", "birth_date"),
        ("sex", "phone", "address_line", "city", "state", "postal_code", "mbi", "deceased_date"),
    ),
    "conditions": (
        ("id", "patient_id", "code_system", "code"),
        ("display", "onset_date", "abatement_date", "status"),
    ),
    "visits": (
        ("id", "patient_id", "date", "code_system", "code"),
        ("display", "class", "practitioner_id"),
    ),
    "coverage": (
        ("id", "patient_id", "kind"),
        ("payer_name", "member_id", "start_date", "end_date"),
    ),
}
_ORDER = list(LAYOUT)
_KINDS = tuple(KINDS)


@dataclass(frozen=True, slots=True)
class CsvItem:
    """One row's record, or the reason it was rejected, and where it came from."""

    source: str
    resource_type: str
    source_id: str
    record: Record | None
    error: str | None = None


def _kind_of(path: Path) -> str | None:
    stem = path.name.lower().removesuffix(".gz").removesuffix(".csv")
    return next(
        (k for k in LAYOUT if stem == k or stem.endswith("_" + k) or stem.startswith(k)), None
    )


UNKNOWN_NAME = (
    "not a layout file: name it patients.csv, conditions.csv, visits.csv or coverage.csv "
    "(docs/import-csv.md)"
)


def layout_files(paths: Iterable[str | Path]) -> list[tuple[str | None, Path]]:
    """(kind, file) in the layout's order, patients first; files named for no kind last, with
    kind None (hidden files, such as .DS_Store, are left out)."""
    found: list[tuple[str | None, Path]] = []
    for raw in paths:
        path = Path(raw)
        candidates = sorted(path.iterdir()) if path.is_dir() else [path]
        for candidate in candidates:
            if candidate.is_file() and not candidate.name.startswith("."):
                found.append((_kind_of(candidate), candidate))
    return sorted(
        found,
        key=lambda pair: (_ORDER.index(pair[0]) if pair[0] else len(_ORDER), str(pair[1])),
    )


#: `--date-format` names: the US month/day/year most EMRs' CSV writes, and ISO (the default).
DATE_FORMATS = {"iso": "%Y-%m-%d", "us": "%m/%d/%Y", "mdy": "%m/%d/%Y", "dmy": "%d/%m/%Y"}


def date_format_of(name: str) -> str:
    """A `--date-format` value as a strptime format: a name of DATE_FORMATS or a format with %."""
    fmt = DATE_FORMATS.get(name.strip().lower(), name)
    if "%" not in fmt:
        raise ValueError(
            f"--date-format: {name!r} is not one of {', '.join(DATE_FORMATS)} or a strptime format"
        )
    return fmt


def _iso_dates(row: dict[str, str], fmt: str) -> dict[str, str]:
    """The row with its date columns (`date`, `*_date`) in the declared format rewritten as ISO;
    a value that does not fit is rejected naming the column and the format."""
    out = dict(row)
    for name, value in row.items():
        if name and (name == "date" or name.endswith("_date")) and value and value.strip():
            try:
                out[name] = datetime.strptime(value.strip(), fmt).date().isoformat()
            except ValueError:
                raise Rejected(
                    f"{name}: {value.strip()!r} is not a date in the format {fmt}"
                ) from None
    return out


def _col(row: dict[str, str], name: str, file: str) -> str:
    return (row.get(name) or "").strip()


def _date(row: dict[str, str], name: str, today: date | None, *, full: bool = False) -> date | None:
    value = (row.get(name) or "").strip()
    return parse_date(value, f"{name}", today=today, full=full) if value else None


def _patient(row: dict[str, str], today: date) -> PatientRecord:
    birth = _date(row, "birth_date", today, full=True)
    if birth is None:
        raise Rejected("birth_date: missing")
    sex = _col(row, "sex", "").lower() or "unknown"
    if sex not in ("female", "male", "other", "unknown"):
        raise Rejected(f"sex: {sex!r} is not female, male, other or unknown")
    raw_mbi, warnings = _col(row, "mbi", ""), []
    mbi = normal_mbi(raw_mbi)
    if raw_mbi and not mbi:
        warnings.append("mbi: not in the CMS MBI format; field left empty")
    mrn = _col(row, "mrn", "")
    if not mrn:  # never the row id: a key the practice does not know merges nobody's record
        raise Rejected("mrn: missing (required: the practice's medical record number)")
    if len(mrn) > 64:
        raise Rejected("mrn: longer than 64 characters")
    ssn = _col(row, "ssn", "")
    if ssn and is_ssn(Identifier(ssn, type_text="SSN")) and mrn == ssn:
        raise Rejected(
            "mrn: the same number as the ssn column; a Social Security number is never the MRN"
        )
    if not _col(row, "family_name", "") and not _col(row, "given_name", ""):
        raise Rejected("family_name: missing")
    return PatientRecord(
        source_id=_col(row, "id", ""),
        mrn=mrn,
        given_name=_col(row, "given_name", "")[:100],
        family_name=_col(row, "family_name", "")[:100],
        birth_date=birth,
        sex=sex,
        phone=_col(row, "phone", "")[:30],
        address_line=_col(row, "address_line", "")[:200],
        city=_col(row, "city", "")[:100],
        state=state_code(_col(row, "state", "")),
        postal_code=_col(row, "postal_code", "")[:10],
        mbi=mbi,
        deceased_date=_date(row, "deceased_date", today),
        warnings=tuple(warnings),
    )


def _condition(row: dict[str, str], today: date) -> ConditionRecord:
    system, code = _col(row, "code_system", "").lower(), _col(row, "code", "")
    icd10 = snomed = ""
    if system in ("icd10", "icd-10-cm", "icd10cm"):
        normal = normalize_icd10(code)
        if not is_valid_icd10cm(normal):
            raise Rejected(f"code: {code!r} is not an ICD-10-CM code")
        icd10 = normal[:3] + "." + normal[3:] if len(normal) > 3 else normal
    elif system in ("snomed", "sct"):
        if not code.isdigit():
            raise Rejected(f"code: {code!r} is not a SNOMED CT code")
        snomed = code
    else:
        raise Rejected(f"code_system: {system!r} is not icd10 or snomed")
    status = _col(row, "status", "").lower() or "active"
    if status not in ("active", "recurrence", "relapse", "inactive", "remission", "resolved"):
        raise Rejected(f"status: {status!r} is not a FHIR clinical status")
    return ConditionRecord(
        source_id=_col(row, "id", ""),
        patient=PatientRef(source_id=_col(row, "patient_id", "")),
        icd10_code=icd10,
        snomed_code=snomed,
        display=_col(row, "display", "")[:300],
        onset_date=_date(row, "onset_date", today),
        abatement_date=_date(row, "abatement_date", today),
        clinical_status=status,
    )


def _visit(row: dict[str, str], today: date) -> EncounterRecord:
    day = _date(row, "date", today, full=True)
    if day is None:
        raise Rejected("date: missing")
    system = _col(row, "code_system", "").lower()
    if system not in ("cpt", "hcpcs", "snomed"):
        raise Rejected(f"code_system: {system!r} is not cpt, hcpcs or snomed")
    klass = _col(row, "class", "").upper() or "AMB"
    return EncounterRecord(
        source_id=_col(row, "id", ""),
        patient=PatientRef(source_id=_col(row, "patient_id", "")),
        date=day,
        encounter_class=klass if klass in ("AMB", "EMER", "IMP", "HH", "VR") else "OTHER",
        type_system=system,
        type_code=_col(row, "code", "")[:20],
        type_display=_col(row, "display", "")[:200],
        practitioner_id=_col(row, "practitioner_id", ""),
    )


def _coverage(row: dict[str, str], today: date) -> CoverageRecord:
    kind = _col(row, "kind", "").lower()
    if kind not in _KINDS:
        guessed = coverage_kind(kind)
        if guessed == "other" and kind not in ("private", "commercial", "self-pay"):
            raise Rejected(f"kind: {kind!r} is not one of {', '.join(_KINDS)}")
        kind = guessed
    return CoverageRecord(
        source_id=_col(row, "id", ""),
        patient=PatientRef(source_id=_col(row, "patient_id", "")),
        kind=kind,
        payer_name=_col(row, "payer_name", "")[:200],
        member_id=_col(row, "member_id", "")[:64],
        start_date=_date(row, "start_date", today),
        end_date=_date(row, "end_date", None),
    )


_MAPPERS: dict[str, tuple[str, Callable[[dict[str, str], date], Record]]] = {
    "patients": ("Patient", _patient),
    "conditions": ("Condition", _condition),
    "visits": ("Encounter", _visit),
    "coverage": ("Coverage", _coverage),
}


def read_csv(
    paths: Iterable[str | Path],
    today: date,
    encoding: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    date_format: str | None = None,
) -> Iterator[CsvItem]:
    """Every row of every layout file, patients first, as records or rejections; a file the
    layout does not name is one rejection. `InputError` when a file cannot be read at all."""
    for kind, path in layout_files(paths):
        if kind is None:
            yield CsvItem(path.name, "", "", None, UNKNOWN_NAME)
            continue
        yield from _read_layout_file(kind, path, today, encoding, limits, date_format)


def _read_layout_file(
    kind: str,
    path: Path,
    today: date,
    encoding: str | None,
    limits: Limits,
    date_format: str | None = None,
) -> Iterator[CsvItem]:
    resource_type, mapper = _MAPPERS[kind]
    required, _optional = LAYOUT[kind]
    with closing(read_rows(path, encoding, limits)) as rows:  # closed now, also when left unread
        header = next(rows, None)
        columns = header.values if header is not None and header.error is None else {}
        missing = [c for c in required if c not in columns]
        if missing:
            yield CsvItem(
                path.name, resource_type, "", None, f"missing column(s): {', '.join(missing)}"
            )
            return
        for row in rows:
            source = f"{path.name}:{row.line}"
            row_id = (row.values.get("id") or "").strip()
            if row.error is not None:
                yield CsvItem(source, resource_type, row_id[:200], None, row.error)
                continue
            if not row_id:
                yield CsvItem(source, resource_type, "", None, "id: missing")
                continue
            if len(row_id) > 200:
                yield CsvItem(source, resource_type, "", None, "id: longer than 200 characters")
                continue
            try:
                values = _iso_dates(row.values, date_format) if date_format else row.values
                record = mapper(values, today)
            except Rejected as error:
                yield CsvItem(source, resource_type, row_id, None, str(error))
                continue
            yield CsvItem(source, resource_type, row_id, record)
