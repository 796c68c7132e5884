"""A batch is read as it is written (and, on PostgreSQL, its COPYs run on a second thread while
the next chunk is read): a file that cannot be read after a full batch leaves that batch
written, and a COPY the database refuses on the thread fails its batch whole, before the run
goes on; a rerun then ends like a clean run."""

import datetime
import gzip

import orjson
import pytest
from django.db import IntegrityError
from django_scopes import scope

from ccmweb.imports import rows, services
from ccmweb.imports.models import ImportedResource, ImportRun
from ccmweb.imports.services import report, run_import, start_run
from ccmweb.patients.models import Condition, Patient

TODAY = datetime.date(2026, 7, 1)


def do_import(practice, paths):  # type: ignore[no-untyped-def]
    with scope(organization=practice.organization):
        return report(run_import(start_run(practice, "fhir"), [str(p) for p in paths], today=TODAY))


def ndjson(*resources: dict) -> bytes:  # type: ignore[type-arg]
    return b"".join(orjson.dumps(r) + b"\n" for r in resources)


def patient(pid: str) -> dict:  # type: ignore[type-arg]
    return {"resourceType": "Patient", "id": pid, "birthDate": "1950-01-01",
            "name": [{"family": pid.title()}]}  # fmt: skip


def condition(cid: str, pid: str) -> dict:  # type: ignore[type-arg]
    return {"resourceType": "Condition", "id": cid, "subject": {"reference": f"Patient/{pid}"},
            "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "I10"}]}}  # fmt: skip


def test_a_file_unreadable_after_a_full_batch_leaves_that_batch_written(
    cast, monkeypatch, tmp_path
):
    monkeypatch.setattr(services, "BATCH", 1)  # each chunk its own transaction
    (tmp_path / "Patient.ndjson").write_bytes(ndjson(patient("ann"), patient("bo")))
    (tmp_path / "Condition.ndjson.gz").write_bytes(
        gzip.compress(ndjson(condition("c", "ann")))[:-8]
    )
    with pytest.raises(Exception, match="not a readable gzip file"):
        do_import(cast.acme.north, [tmp_path])
    with scope(organization=cast.acme.org):
        run = ImportRun.objects.get()
        assert (run.status, run.loaded, run.files_done) == (ImportRun.Status.FAILED, 2, 1)
        assert Patient.objects.filter(source_id__in=["ann", "bo"]).count() == 2
        assert not Condition.objects.filter(source_id__in=["c", "c1", "c2"]).exists()


@pytest.mark.postgres
def test_a_copy_refused_on_the_database_thread_fails_its_batch_whole(cast, monkeypatch, tmp_path):
    monkeypatch.setattr(services, "BATCH", 1)
    (tmp_path / "Patient.ndjson").write_bytes(ndjson(patient("ann"), patient("bo")))
    (tmp_path / "Condition.ndjson").write_bytes(
        ndjson(condition("c1", "ann"), condition("c2", "bo"))
    )
    drawn = rows.next_ids

    def one_id_twice(table: str, column: str, count: int) -> list[int]:
        found = drawn(table, column, count)
        return [found[0]] * count if table == Condition._meta.db_table else found

    monkeypatch.setattr(rows, "next_ids", one_id_twice)  # the COPY's second row is refused
    with pytest.raises(IntegrityError):
        do_import(cast.acme.north, [tmp_path])
    with scope(organization=cast.acme.org):
        assert ImportRun.objects.get().status == ImportRun.Status.FAILED
        assert Patient.objects.filter(source_id__in=["ann", "bo"]).count() == 2  # the batch before
        assert not Condition.objects.filter(source_id__in=["c", "c1", "c2"]).exists()
        assert not ImportedResource.objects.filter(resource_type="Condition").exists()
    monkeypatch.setattr(rows, "next_ids", drawn)
    again = do_import(cast.acme.north, [tmp_path])
    assert (again["loaded"], again["unchanged"], again["rejected"]) == (2, 2, [])
    with scope(organization=cast.acme.org):
        assert sorted(
            Condition.objects.filter(source_id__in=["c1", "c2"]).values_list(
                "source_id", "patient__source_id"
            )
        ) == [
            ("c1", "ann"),
            ("c2", "bo"),
        ]


def test_an_id_met_again_in_a_later_chunk_file_or_batch_is_a_duplicate(cast, monkeypatch, tmp_path):
    """The ledger holds the run's own rows as it goes (last_run): an id met again in the next
    chunk of the file, in another file or in another transaction is skipped when the same and
    refused when it differs, as within one chunk; a rerun refuses the same lines again."""
    monkeypatch.setattr(services, "CHUNK", 2)
    monkeypatch.setattr(services, "BATCH", 3)  # two chunks a transaction
    changed = {**condition("c1", "ann"), "onsetDateTime": "2020-01-01"}
    (tmp_path / "a.ndjson").write_bytes(
        ndjson(
            patient("ann"),
            patient("bo"),
            condition("c1", "ann"),
            condition("c2", "bo"),
            condition("c1", "ann"),
            changed,
            condition("c3", "ann"),
        )
    )
    (tmp_path / "b.ndjson").write_bytes(ndjson(changed, condition("c2", "bo"), patient("ann")))
    result = do_import(cast.acme.north, [tmp_path])
    refused = sorted((r["source"], r["resource_id"]) for r in result["rejected"])
    assert refused == [("a.ndjson:6", "c1"), ("b.ndjson:1", "c1")]
    assert all("duplicate id" in r["reason"] for r in result["rejected"])
    assert (result["loaded"], result["skipped"]) == (5, 3)
    with scope(organization=cast.acme.org):
        ours = {"ann", "bo", "c1", "c2", "c3"}
        assert Condition.objects.filter(source_id__in=ours).count() == 3
        assert ImportedResource.objects.filter(source_id__in=ours).count() == 5
    again = do_import(cast.acme.north, [tmp_path])
    assert sorted((r["source"], r["resource_id"]) for r in again["rejected"]) == refused
    assert (again["loaded"], again["updated"]) == (0, 0)
