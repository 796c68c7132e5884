"""The close page queues the close as a background task and follows its job row (jobs/): its
progress while it runs, its result once done; a second start while one runs starts nothing;
a failed or interrupted close says so, changed nothing, and may be run again."""

import subprocess
import sys
import time

import pytest
from django_scopes import scope, scopes_disabled

from ccmweb.billing import tasks, testdata
from ccmweb.billing.models import MonthClose
from ccmweb.jobs.models import HOST, Job, this_worker

MONTH = testdata.MONTH


def page_of(client, acme, path="/billing/close/"):  # type: ignore[no-untyped-def]
    return client.get(f"{path}?practice={acme.north.uid}&month={MONTH}")


def a_job(practice, **fields) -> Job:  # type: ignore[no-untyped-def]
    """A close job of MONTH as the worker leaves it while it runs (this process running it)."""
    values = {"status": "running", "worker": this_worker(), "done": 4000, "total": 10000} | fields
    with scope(organization=practice.organization):
        return Job.objects.create(
            organization=practice.organization,
            practice=practice,
            kind=Job.Kind.CLOSE,
            subject=str(MONTH),
            task_path=tasks.close_month_job.module_path,
            arguments={"month": str(MONTH)},
            **values,
        )


def dead_worker() -> str:
    """host:pid of a process that has ended."""
    done = subprocess.run([sys.executable, "-c", "pass"], check=True)
    assert done.returncode == 0
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return f"{HOST}:{process.pid}"


def test_the_page_shows_a_running_close_and_its_fragment_counts_up(cast, login):
    acme = cast.acme
    job = a_job(acme.north)
    client = login(acme.biller)
    html = page_of(client, acme).content.decode()
    assert "Closing 2026-03… 4000 of 10000 patients" in html
    assert 'id="close-month" disabled' in html
    assert 'hx-trigger="every 1s"' in html
    with scopes_disabled():
        Job.objects.filter(pk=job.pk).update(done=9000)
    fragment = page_of(client, acme, "/billing/close/progress/").content.decode()
    assert "9000 of 10000 patients" in fragment
    assert "<h1>" not in fragment  # the fragment only, not the page


def test_once_the_close_has_ended_the_fragment_sends_the_page_to_its_result(cast, login):
    acme = cast.acme
    answer = page_of(login(acme.biller), acme, "/billing/close/progress/")
    assert answer.status_code == 200
    assert answer["HX-Redirect"] == f"/billing/close/?practice={acme.north.uid}&month={MONTH}"


def test_a_second_start_while_one_runs_starts_nothing(cast, login):
    acme = cast.acme
    a_job(acme.north, done=1, total=2)
    client = login(acme.biller)
    answer = client.post(
        "/billing/close/", {"practice": str(acme.north.uid), "month": str(MONTH)}, follow=True
    )
    assert "already running" in answer.content.decode()
    with scopes_disabled():
        assert not MonthClose.objects.exists()
        assert Job.objects.count() == 1


def test_the_other_practice_and_month_are_not_running(cast, login):
    acme = cast.acme
    a_job(acme.north)
    client = login(acme.biller)
    other = client.get(f"/billing/close/?practice={acme.south.uid}&month={MONTH}")
    assert "close-progress" not in other.content.decode()
    earlier = client.get(f"/billing/close/?practice={acme.north.uid}&month={MONTH.previous()}")
    assert "close-progress" not in earlier.content.decode()


def test_a_close_whose_process_died_shows_interrupted_never_running_forever(cast, login):
    acme = cast.acme
    a_job(acme.north, worker=dead_worker())
    html = page_of(login(acme.biller), acme).content.decode()
    assert "was interrupted" in html and "close-progress" not in html
    assert 'id="close-month" disabled' not in html  # it may be run again at once


def test_the_page_queues_the_close_and_the_worker_closes_the_month(task_worker, login):
    from ccmweb.testing.cast import make_cast

    acme = make_cast().acme
    with scopes_disabled():
        testdata.billable_month(acme, minutes=25)
    client = login(acme.biller)
    client.post("/billing/close/", {"practice": str(acme.north.uid), "month": str(MONTH)})
    deadline = time.monotonic() + 60
    with scopes_disabled():
        while Job.objects.get(kind="close").status in Job.ACTIVE and time.monotonic() < deadline:
            time.sleep(0.05)
        job = Job.objects.get(kind="close")
        close = MonthClose.objects.get(practice=acme.north, month=MONTH.first)
    assert (job.status, job.done, job.total, job.worker.split(":")[0]) == ("done", 1, 1, HOST)
    assert (close.status, close.billable, close.claims, str(close.total)) == (
        "closed",
        1,
        1,
        "66.13",
    )
    assert "close-progress" not in page_of(client, acme).content.decode()


def test_a_failed_close_says_so_changes_nothing_and_may_run_again(cast, login, monkeypatch):
    acme = cast.acme
    with scopes_disabled():
        testdata.billable_month(acme, minutes=25)

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("Patient Alice Acmepatient 1EG4TE5MK73")  # never shown or logged

    monkeypatch.setattr(tasks, "close_month", broken)
    client = login(acme.biller)
    post = {"practice": str(acme.north.uid), "month": str(MONTH)}
    client.post("/billing/close/", post)
    html = page_of(client, acme).content.decode()
    assert "failed (RuntimeError) and changed nothing" in html
    assert "Alice" not in html and "1EG4TE5MK73" not in html
    with scopes_disabled():
        assert not MonthClose.objects.filter(status="closed").exists()
        assert Job.objects.get(kind="close").failure == "RuntimeError"
    monkeypatch.undo()
    client.post("/billing/close/", post)  # a failed close does not block the next
    with scopes_disabled():
        assert MonthClose.objects.get(practice=acme.north).billable == 1
        assert sorted(Job.objects.filter(kind="close").values_list("status", flat=True)) == [
            "done",
            "failed",
        ]


@pytest.mark.parametrize("args", [["--json"]])
def test_the_command_runs_the_same_task_in_its_own_process_and_keeps_a_job(cast, args, capsys):
    from django.core.management import call_command

    acme = cast.acme
    with scopes_disabled():
        testdata.billable_month(acme, minutes=25)
        acme.org.slug  # noqa: B018
    call_command("month", "close", "--practice", f"{acme.org.slug}/{acme.north.slug}",
                 "--month", str(MONTH), *args)  # fmt: skip
    assert '"billable":1' in capsys.readouterr().out
    with scopes_disabled():
        job = Job.objects.get(kind="close")
    assert (job.status, job.kind, job.subject, job.worker) == (
        "done",
        "close",
        "2026-03",
        this_worker(),
    )
