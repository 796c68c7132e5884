"""The close and the import queue the reports' refresh through jobs/refresh.py's AFTER_CHANGE
(issue 17's design): a report job of its own, run by the worker (the immediate backend here),
never the refresh inline in the close's or the import's job."""

from django_scopes import scope, scopes_disabled

from ccmweb.billing import testdata
from ccmweb.billing.tasks import close_month_job
from ccmweb.jobs import refresh
from ccmweb.jobs.models import Job
from ccmweb.jobs.tasks import start
from ccmweb.reports.models import PracticeMonth
from ccmweb.reports.tasks import recent_months

MONTH = testdata.MONTH


def close(acme):  # type: ignore[no-untyped-def]
    with scopes_disabled():
        testdata.billable_month(acme, minutes=25)
    with scope(organization=acme.org):
        return start(close_month_job, acme.north, str(MONTH), month=str(MONTH))


def test_the_close_queues_the_months_refresh_as_a_report_job(cast):
    job = close(cast.acme)
    with scopes_disabled():
        report = Job.objects.get(kind="report")
        fact = PracticeMonth.objects.get(practice=cast.acme.north, month=MONTH.first)
    assert (job.status, report.status, report.subject) == ("done", "done", str(MONTH))
    assert report.arguments == {"months": [str(MONTH)]}
    assert (fact.claims, fact.billed_patients) == (1, 1)


def test_without_the_hook_the_close_refreshes_nothing(cast, monkeypatch):
    monkeypatch.setattr(refresh, "AFTER_CHANGE", [])
    assert close(cast.acme).status == "done"
    with scopes_disabled():
        assert not Job.objects.filter(kind="report").exists()
        assert not PracticeMonth.objects.exists()  # the close itself computes no facts


def test_a_refresh_that_cannot_be_queued_leaves_the_close_done(cast, monkeypatch, caplog):
    def broken(practice, month):  # type: ignore[no-untyped-def]
        raise RuntimeError("queue down")

    monkeypatch.setattr("ccmweb.reports.tasks.refresh_reports", broken)
    assert close(cast.acme).status == "done"
    assert "refresh ccmweb.reports.tasks.refresh_reports not queued: RuntimeError" in caplog.text


def test_the_import_queues_the_running_month_and_the_one_before(cast, login):
    from tests.web.test_import_jobs import PATIENTS, upload

    assert upload(login(cast.acme.admin), cast, "Patient.000.ndjson", PATIENTS).status_code == 302
    months = sorted(str(m) for m in recent_months(cast.acme.north))
    with scopes_disabled():
        report = Job.objects.get(kind="report")
        facts = sorted(
            str(m)[:7]
            for m in PracticeMonth.objects.filter(practice=cast.acme.north).values_list(
                "month", flat=True
            )
        )
    assert (report.status, report.arguments) == ("done", {"months": months})
    assert facts == months


def test_a_change_while_the_refresh_runs_is_refreshed_once_more_after_it(cast, monkeypatch):
    """The running refresh has read the month before the change: the change's own refresh is
    not dropped as "already running" but runs once when it ends, however often it was asked."""
    from ccmweb.reports import tasks

    acme = cast.acme
    real = tasks.refresh_months
    runs = []

    def refresh_then_change(practice, months, progress=None):  # type: ignore[no-untyped-def]
        done = real(practice, months, progress)
        runs.append(done)
        if len(runs) == 1:  # the time is logged after this run read the month
            with scopes_disabled():
                testdata.billable_month(acme, minutes=25)
            for _ in range(3):
                assert tasks.refresh_reports(acme.north, MONTH) is None
        return done

    monkeypatch.setattr(tasks, "refresh_months", refresh_then_change)
    with scope(organization=acme.org):
        tasks.refresh_reports(acme.north, MONTH)
    with scopes_disabled():
        jobs = list(
            Job.objects.filter(kind="report")
            .order_by("pk")
            .values_list("subject", "status", "rerun")
        )
        fact = PracticeMonth.objects.get(practice=acme.north, month=MONTH.first)
    assert jobs == [(str(MONTH), "done", True), (str(MONTH), "done", False)]
    assert (len(runs), fact.minutes) == (2, 25)
