"""The upload page queues the import as a background task (imports/tasks.py): the run's page
follows it; a run whose process died reads "Interrupted", never "Importing… file 0 of 0"
forever; a failed or interrupted upload keeps its files and resumes as a new run that the
ledger makes idempotent."""

import gzip
import subprocess
import sys
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scope, scopes_disabled

from ccmweb.imports.models import ImportRun
from ccmweb.jobs.models import HOST, Job
from ccmweb.jobs.tasks import reap

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PATIENTS = (FIXTURES / "fhir_bad/patients.ndjson").read_bytes()


def upload(client, cast, name: str, body: bytes):  # type: ignore[no-untyped-def]
    return client.post(
        "/imports/",
        {
            "practice": str(cast.acme.north.uid),
            "format": "fhir",
            "files": [SimpleUploadedFile(name, body)],
        },
    )


def job_of(run: ImportRun) -> Job:
    with scopes_disabled():
        return Job.objects.get(kind="import", subject=str(run.uid))


def test_an_upload_is_a_job_that_loads_the_files_and_then_removes_them(cast, login):
    client = login(cast.acme.admin)
    assert upload(client, cast, "Patient.000.ndjson", PATIENTS).status_code == 302
    with scope(organization=cast.acme.org):
        run = ImportRun.objects.get()
    job = job_of(run)
    assert (run.status, run.loaded, job.status, job.done, job.total) == ("done", 3, "done", 1, 1)
    assert not Path(job.arguments["paths"][0]).exists()  # done: the upload is not kept
    assert "Resume" not in client.get(f"/imports/runs/{run.uid}/").content.decode()


def test_a_corrupt_upload_fails_keeps_its_files_and_resumes_as_a_new_run(cast, login):
    client = login(cast.acme.admin)
    corrupt = gzip.compress(PATIENTS)[:-12] + b"\x00" * 12  # the gzip trailer broken
    upload(client, cast, "Patient.000.ndjson.gz", corrupt)
    with scope(organization=cast.acme.org):
        failed = ImportRun.objects.get()
    job = job_of(failed)
    assert (failed.status, job.status) == ("failed", "failed")
    folder = Path(job.arguments["paths"][0])
    assert folder.is_dir()  # kept for the resume
    page = client.get(f"/imports/runs/{failed.uid}/").content.decode()
    assert 'id="resume-import"' in page
    (next(folder.iterdir())).write_bytes(gzip.compress(PATIENTS))  # as if fixed in place
    answer = client.post(f"/imports/runs/{failed.uid}/resume/")
    with scope(organization=cast.acme.org):
        resumed = ImportRun.objects.exclude(pk=failed.pk).get()
    assert answer["Location"] == f"/imports/runs/{resumed.uid}/"
    assert (resumed.status, resumed.loaded) == ("done", 3)
    assert not folder.exists()


def dead_worker() -> str:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return f"{HOST}:{process.pid}"


def test_a_run_whose_process_died_reads_interrupted_never_importing_forever(cast, login):
    client = login(cast.acme.admin)
    upload(client, cast, "Patient.000.ndjson", PATIENTS)
    with scope(organization=cast.acme.org):
        run = ImportRun.objects.get()
        ImportRun.objects.filter(pk=run.pk).update(status="running", files_done=0, files_total=0)
    with scopes_disabled():  # as a worker killed mid-run leaves the rows
        Job.objects.filter(subject=str(run.uid)).update(status="running", worker=dead_worker())
    page = client.get(f"/imports/runs/{run.uid}/").content.decode()
    assert "Interrupted" in page and "Importing…" not in page
    fragment = client.get(f"/imports/runs/{run.uid}/progress/").content.decode()
    assert 'id="import-result"' in fragment  # the page stops polling
    assert reap() == 1  # the worker's housekeeping records it on the run too
    with scope(organization=cast.acme.org):
        run.refresh_from_db()
    assert run.status == "failed" and run.failure.startswith("Interrupted")
