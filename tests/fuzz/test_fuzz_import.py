"""The import as a whole on mutated files, with the database: every run ends done or failed
(never left running), a failed run says why naming the file, what the report counts is what
the database holds, and running the same files again changes nothing (no partial write that
a second run would finish differently)."""

import datetime
import itertools

import pytest
from django_scopes import scope, scopes_disabled
from fuzzing import EXAMPLES, fuzz, mutated
from hypothesis import strategies as st
from seeds import csv_seeds, ndjson_seeds

from ccm.reading import InputError
from ccmweb.imports.models import ImportedResource, ImportRun
from ccmweb.imports.services import report, run_import, start_run
from ccmweb.tenants.models import Practice
from ccmweb.testing.cast import make_cast

TODAY = datetime.date(2026, 7, 1)
_NUMBERS = itertools.count()
pytestmark = pytest.mark.django_db


def _import(practice: Practice, folder, fmt: str) -> ImportRun:  # type: ignore[no-untyped-def]
    run = start_run(practice, fmt)
    try:
        return run_import(run, [folder], today=TODAY)
    except InputError:
        run.refresh_from_db()
        return run


def check_import(scratch, fmt: str, name: str, body: bytes) -> None:  # type: ignore[no-untyped-def]
    number = next(_NUMBERS)
    with scopes_disabled():  # a practice of its own for each input: its counts start at zero
        known = Practice.objects.first()
        org = known.organization if known else make_cast().acme.org
        practice = Practice.objects.create(
            organization=org,
            name=f"Fuzz {number}",
            slug=f"fuzz-{number}",
            tin="123456789",
            billing_npi="1234567893",
            time_zone="America/New_York",
        )
    folder = scratch / f"import-{number}"
    folder.mkdir()
    (folder / name).write_bytes(body)
    with scope(organization=org):
        first = _import(practice, folder, fmt)
        assert first.status in (ImportRun.Status.DONE, ImportRun.Status.FAILED)
        if first.status == ImportRun.Status.FAILED:
            assert first.failure.startswith(name), first.failure
        held = ImportedResource.objects.filter(practice=practice).count()
        assert held == first.loaded, (report(first), held)
        second = _import(practice, folder, fmt)
        assert (second.status, second.failure) == (first.status, first.failure)
        assert (second.loaded, second.updated) == (0, 0), report(second)
        assert ImportedResource.objects.filter(practice=practice).count() == held


_SMALL = max(EXAMPLES // 20, 5)  # each input is two imports into the database


@fuzz("import (NDJSON, database)", mutated(ndjson_seeds(), gzipped=True), examples=_SMALL)
def test_fuzz_import_ndjson(scratch, data):  # type: ignore[no-untyped-def]
    check_import(scratch, "fhir", "Patient.000.ndjson", data)


_CSV = [seed for seeds in csv_seeds().values() for seed in seeds]


@fuzz(
    "import (CSV, database)",
    st.tuples(st.sampled_from(sorted(csv_seeds())), mutated(_CSV)),
    examples=_SMALL,
)
def test_fuzz_import_csv(scratch, data):  # type: ignore[no-untyped-def]
    kind, body = data
    check_import(scratch, "csv", f"{kind}.csv", body)
