"""Fuzz suites of the C-CDA and HL7v2 readers: HL7's C-CDA examples and ccm's fixtures, and
ccm's ADT/ORU messages, mutated. Each input ends in a clear error (InputError naming the file,
or a rejection naming the file and line) or in records the database takes as they are (no
NUL, no value longer than its column); through the database, every run ends done or failed
and a second run changes nothing."""

import datetime

from django.db.models import CharField
from fuzzing import EXAMPLES, fuzz, mutated
from seeds import ccda_seeds, hl7_seeds
from test_fuzz_fhir import storable
from test_fuzz_import import check_import

from ccm.ccda import Documents
from ccm.facts import Fact
from ccm.fhir.records import (
    ConditionRecord,
    CoverageRecord,
    EncounterRecord,
    MedicationRecord,
    ObservationRecord,
    PatientRecord,
)
from ccm.hl7 import Messages
from ccm.reading import InputError
from ccmweb.imports.models import ImportedResource, ImportProblem, Measurement, Medication
from ccmweb.patients.models import Condition, Coverage, Encounter, Patient

TODAY = datetime.date(2026, 7, 1)
_TABLES = {
    PatientRecord: Patient,
    ConditionRecord: Condition,
    EncounterRecord: Encounter,
    CoverageRecord: Coverage,
    ObservationRecord: Measurement,
    MedicationRecord: Medication,
}


def _limits(model) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {
        f.name: f.max_length
        for f in model._meta.get_fields()
        if isinstance(f, CharField) and f.max_length
    }


_COLUMNS = {record: _limits(model) for record, model in _TABLES.items()}
_SOURCE_ID = ImportedResource._meta.get_field("source_id").max_length
_REASON = ImportProblem._meta.get_field("reason").max_length


def check(facts: list[Fact], label: str) -> None:
    """Each fact names where it came from; a record fits its table; a rejection says why."""
    for fact in facts:
        assert fact.source.startswith(label), fact.source
        if fact.record is None:
            assert fact.error is None or fact.error.strip(), fact
            assert fact.error is not None or fact.count >= 1
            continue
        storable(fact.record)
        assert 0 < len(fact.source_id) <= _SOURCE_ID, fact.source_id
        for name, limit in _COLUMNS[type(fact.record)].items():
            value = getattr(fact.record, name, "")
            assert not isinstance(value, str) or len(value) <= limit, (name, len(value))


def read(reader: Documents | Messages, path, label: str) -> None:  # type: ignore[no-untyped-def]
    try:
        facts = reader.read(path, TODAY)
    except InputError as error:
        assert str(error).startswith(label) and error.message
        return
    check(facts, label)


@fuzz("C-CDA", mutated(ccda_seeds(), gzipped=True))
def test_fuzz_ccda(scratch, data):  # type: ignore[no-untyped-def]
    path = scratch / "document.xml"
    path.write_bytes(data)
    read(Documents(), path, "document.xml")


@fuzz("HL7v2", mutated(hl7_seeds(), gzipped=True))
def test_fuzz_hl7(scratch, data):  # type: ignore[no-untyped-def]
    path = scratch / "feed.hl7"
    path.write_bytes(data)
    read(Messages(), path, "feed.hl7")


def test_every_seed_is_read_without_an_input_error(scratch):  # type: ignore[no-untyped-def]
    """The correct result on the unmutated seeds: each document and file reads, a patient or
    results come out, and nothing in them is refused as a whole."""
    for number, seed in enumerate(ccda_seeds()):
        path = scratch / f"seed-{number}.xml"
        path.write_bytes(seed)
        facts = Documents().read(path, TODAY)
        assert isinstance(facts[0].record, PatientRecord), number
        check(facts, path.name)
    for number, seed in enumerate(hl7_seeds()):
        path = scratch / f"seed-{number}.hl7"
        path.write_bytes(seed)
        facts = Messages().read(path, TODAY)
        assert facts, number  # a record, a rejection naming why, or a count of skipped
        check(facts, path.name)


_SMALL = max(EXAMPLES // 20, 5)  # each input is two imports into the database


@fuzz("import (C-CDA, database)", mutated(ccda_seeds()), examples=_SMALL)
def test_fuzz_import_ccda(scratch, db, data):  # type: ignore[no-untyped-def]
    check_import(scratch, "ccda", "document.xml", data)


@fuzz("import (HL7v2, database)", mutated(hl7_seeds()), examples=_SMALL)
def test_fuzz_import_hl7(scratch, db, data):  # type: ignore[no-untyped-def]
    check_import(scratch, "hl7", "feed.hl7", data)
