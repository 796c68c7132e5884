"""The enrollment gap audit as a stored result (imports/gap_results.py, imports/tasks.py): the
page reads it in pages and never computes it; imports, closes and the schedule queue a fresh one;
a new result replaces the month's older one; the order is the same on SQLite and PostgreSQL."""

import datetime as dt

import pytest
from django.core.management import call_command
from django_scopes import scope, scopes_disabled
from test_audit import add_patient, ten  # noqa: F401  (the fixture)

from ccm.periods import BillingMonth
from ccmweb.imports import views
from ccmweb.imports.gap_results import audit_json, latest, run_audit
from ccmweb.imports.models import AuditMark, AuditResult, AuditRow, AuditStanding
from ccmweb.imports.tasks import audit_every_practice
from ccmweb.jobs.models import Job
from ccmweb.jobs.schedule import SCHEDULE

MARCH = BillingMonth(2026, 3)


def test_a_new_result_replaces_the_older_one_of_the_month(ten):  # noqa: F811
    north = ten.acme.north
    with scope(organization=ten.acme.org):
        first = run_audit(north, MARCH)
        other_month = run_audit(north, BillingMonth(2026, 2))
        second = run_audit(north, MARCH)
        assert latest(north, MARCH) == second
        assert set(AuditResult.objects.filter(practice=north).values_list("pk", flat=True)) == {
            other_month.pk,
            second.pk,
        }
    assert not AuditRow.objects.filter(result_id=first.pk).exists()
    assert not AuditStanding.objects.filter(result_id=first.pk).exists()
    assert AuditRow.objects.filter(result_id=second.pk).count() == 10
    # ten patients share fewer standings: each is stored once, rows point at it
    assert 0 < AuditStanding.objects.filter(result_id=second.pk).count() <= 10


def test_rows_are_in_code_point_order_of_source_id_within_a_rank(cast):
    """PostgreSQL's default collation would put "a1" before "a-2" and "A3" after "a1"; Python,
    SQLite and the audit's rows (COLLATE "C") sort by code point."""
    typed = ("a1", "A3", "a-2", "b", "_z")
    with scopes_disabled():
        for source_id in typed:
            patient = add_patient(
                cast.acme, f"M{len(source_id)}{source_id}", codes=["E11.9", "I10"]
            )
            patient.source_id = source_id
            patient.save()
    with scope(organization=cast.acme.org):
        doc = audit_json(run_audit(cast.acme.north, MARCH))
    listed = [p["source_id"] for p in doc["patients"] if p["source_id"] in typed]
    assert listed == sorted(typed)


def test_the_page_lists_in_pages_and_a_page_out_of_range_shows_the_last(ten, login, monkeypatch):  # noqa: F811
    monkeypatch.setattr(views, "PAGE", 4)
    client = login(ten.acme.users["practitioner"])
    where = {"month": "2026-03", "practice": str(ten.acme.north.uid)}
    client.post("/imports/audit/recompute/", where)
    first = client.get("/imports/audit/", where).content.decode()
    second = client.get("/imports/audit/", where | {"page": "2"}).content.decode()
    beyond = client.get("/imports/audit/", where | {"page": "999999"}).content.decode()
    junk = client.get("/imports/audit/", where | {"page": "-1x"}).content.decode()
    assert "Page 1 of 2" in first and "Test, Bert" in first  # six opportunities, four a page
    assert "Page 2 of 2" in second and "Test, Bert" not in second and "<td>5</td>" in second
    assert "Page 2 of 2" in beyond and "Page 1 of 2" in junk


def test_recompute_is_a_post_and_the_page_shows_a_queued_run(ten, login):  # noqa: F811
    client = login(ten.acme.users["practitioner"])
    where = {"month": "2026-03", "practice": str(ten.acme.north.uid)}
    assert client.get("/imports/audit/recompute/", where).status_code == 405
    with scopes_disabled():
        Job.objects.create(
            organization=ten.acme.org,
            practice=ten.acme.north,
            kind=Job.Kind.AUDIT,
            subject="2026-03",
            task_path="ccmweb.imports.tasks.audit_practice",
        )
    text = client.get("/imports/audit/", where).content.decode()
    assert 'id="audit-progress"' in text and "queued" in text
    assert ">Recompute<" not in text and ">Compute<" not in text  # one run at a time


def test_the_command_stores_what_the_page_shows(ten, capsys):  # noqa: F811
    call_command("eligibility", "audit", "--practice", "acme-north", "--month", "2026-03")
    assert "acme-north 2026-03: 10 patients" in capsys.readouterr().out
    with scope(organization=ten.acme.org):
        assert latest(ten.acme.north, MARCH) is not None


def test_an_import_and_a_close_queue_a_fresh_audit(cast, tmp_path):
    from ccmweb.billing import testdata
    from ccmweb.billing.tasks import close_month_job
    from ccmweb.jobs.tasks import start

    practice = cast.acme.north
    (tmp_path / "patients.ndjson").write_text("")
    with scope(organization=practice.organization):
        from ccmweb.imports.services import start_run
        from ccmweb.imports.tasks import import_files

        run = start_run(practice, "fhir")
        start(import_files, practice, str(run.uid), run=run.pk, paths=[str(tmp_path)])
        month = views.default_month(practice)
        assert latest(practice, month) is not None  # the immediate backend ran it
    with scopes_disabled():
        testdata.billable_month(cast.acme, minutes=25)
    with scope(organization=practice.organization):
        start(close_month_job, practice, str(testdata.MONTH), month=str(testdata.MONTH))
        assert latest(practice, testdata.MONTH) is not None


def test_a_change_while_the_audit_runs_is_audited_once_more_after_it(cast, monkeypatch):
    """The running audit read the practice before the change: asking again while it runs
    queues one more run for when it ends, however often it is asked."""
    from ccmweb.imports import tasks

    practice, real, audits = cast.acme.north, tasks.run_audit, []

    def audit_then_change(practice, month, progress):  # type: ignore[no-untyped-def]
        result = real(practice, month, progress)
        audits.append(month)
        if len(audits) == 1:  # a patient added after this run read the practice
            with scopes_disabled():
                add_patient(cast.acme, "Late")
            for _ in range(3):
                tasks.refresh_audit(practice, MARCH)
        return result

    monkeypatch.setattr(tasks, "run_audit", audit_then_change)
    with scope(organization=practice.organization):
        tasks.refresh_audit(practice, MARCH)
    with scopes_disabled():
        runs = list(Job.objects.filter(kind="audit").order_by("pk").values_list("status", "rerun"))
        rows = AuditRow.objects.filter(result=latest(practice, MARCH)).count()
    assert runs == [("done", True), ("done", False)]
    assert rows == 2  # the cast's patient and the late one


def test_the_schedule_audits_every_practice_each_month(cast):
    assert any(e.run.endswith("audit_every_practice") for e in SCHEDULE)
    audit_every_practice(dt.datetime(2026, 4, 1, 6, tzinfo=dt.UTC))
    with scopes_disabled():
        audited = set(
            AuditResult.objects.filter(computed_at__isnull=False).values_list("practice", "month")
        )
    assert (cast.acme.north.pk, "2026-03") in audited and (
        cast.bravo.north.pk,
        "2026-03",
    ) in audited


@pytest.mark.parametrize("month", ["2026-13", "x"])
def test_recompute_of_a_bad_month_is_a_bad_request(ten, login, month):  # noqa: F811
    client = login(ten.acme.users["practitioner"])
    where = {"month": month, "practice": str(ten.acme.north.uid)}
    assert client.post("/imports/audit/recompute/", where).status_code == 400


def test_forgetting_standings_to_stay_flat_changes_nothing_in_the_document(ten, monkeypatch):  # noqa: F811
    """Past STANDINGS_HELD the audit forgets its standings (memory stays flat): counted into the
    sums, decided and stored again when met again. The document must not change."""
    from ccmweb.imports import audit as audit_module
    from ccmweb.imports import gap_results

    with scope(organization=ten.acme.org):
        held = audit_json(run_audit(ten.acme.north, MARCH))
        monkeypatch.setattr(audit_module, "STANDINGS_HELD", 2)
        monkeypatch.setattr(gap_results, "STANDINGS_HELD", 2)
        forgetful = run_audit(ten.acme.north, MARCH)
        assert audit_json(forgetful) == held
    assert AuditStanding.objects.filter(result_id=forgetful.pk).count() >= 8


def test_the_rules_cache_is_forgotten_with_the_standings(ten, monkeypatch):  # noqa: F811
    """The rules' cache of decided facts (GapRules) is let go with the standings: kept whole it
    grew with the practice (bench/RESULTS.md, eligibility audit, 2026-12-02 b)."""
    from ccm.enrollment_gap import GapRules
    from ccmweb.imports import audit as audit_module
    from ccmweb.imports import gap_results

    sizes: list[int] = []

    class Watched(GapRules):
        def facts_half(self, *args, **kwargs):
            half = super().facts_half(*args, **kwargs)
            sizes.append(len(self._facts))
            return half

    monkeypatch.setattr(audit_module, "GapRules", Watched)
    monkeypatch.setattr(audit_module, "STANDINGS_HELD", 2)
    monkeypatch.setattr(gap_results, "STANDINGS_HELD", 2)
    with scope(organization=ten.acme.org):
        run_audit(ten.acme.north, MARCH)
    assert len(sizes) > 2 and max(sizes) <= 2


def test_a_page_read_from_a_mark_lists_what_skipping_the_rows_before_it_lists(ten, monkeypatch):  # noqa: F811
    """A page starts reading the rows' index at the nearest stored mark (gap_results.page) and
    the lists' sizes are stored with the result: the same patients, in the same order, as
    skipping and counting rows gives, whether the page size divides the marks' spacing or not."""
    from ccmweb.imports import gap_results

    monkeypatch.setattr(gap_results, "MARK_EVERY", 2)
    with scope(organization=ten.acme.org):
        result = run_audit(ten.acme.north, MARCH)
        counted = {name: gap_results._rows(result, name).count() for name in gap_results.LISTS}
        assert result.list_sizes == counted and counted["opportunities"] == 6
        marks = AuditMark.objects.filter(result=result, listed="opportunities")
        assert sorted(marks.values_list("position", flat=True)) == [2, 4]

        def pages() -> dict[int, list[list[int]]]:
            return {
                size: [
                    [gap.pk for gap in gap_results.page(result, "opportunities", n, size)]
                    for n in range(1, 8)
                ]
                for size in (1, 2, 3, 4)
            }

        from_marks = pages()
        AuditMark.objects.filter(result=result).delete()
        skipping = pages()
    assert from_marks == skipping
    assert len(set(sum(from_marks[1], []))) == 6  # one patient a page, each once
