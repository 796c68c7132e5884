"""The worklist pages its stored standings (timelog.worklist_state): the same order and counts
as ranking every patient's live row, kept fresh by writes, by imports and by the date."""

import datetime as dt
import json
import re
import uuid

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from ccmweb.patients.models import Patient
from ccmweb.timelog import worklist, worklist_state
from ccmweb.timelog.models import OutreachAttempt, TimeEntry, WorklistState
from ccmweb.timelog.testing import log_call, worklist_patient


@pytest.fixture(autouse=True)
def _at_noon(midday):  # type: ignore[no-untyped-def]
    """Logged minutes "today" must fit in the day so far: run at noon (ccmweb.testing.clock)."""


def names(html: str) -> list[str]:
    return re.findall(r'<a href="/patients/[0-9a-f-]+/">([^<]+)</a>', html)


def reference(t, sort: str) -> list[str]:
    """The order of ranking every live row in Python (what the worklist did before)."""
    with scope(organization=t.org):
        patients = list(
            Patient.objects.filter(
                coordinator=t.coordinator, deceased_date__isnull=True
            ).select_related("practice")
        )
        rows = worklist.build_rows(patients, timezone.now())
    rows.sort(key=worklist.SORTS[sort][1])
    return [f"{r.patient.family_name}, {r.patient.given_name}" for r in rows]


def cohort(t):
    """Patients in every state: blocked, behind, on pace, done, with failed calls and contact."""
    made = {}
    for name, minutes in (("Zero", 0), ("Few", 4), ("Some", 12), ("Done", 22), ("More", 45)):
        made[name] = worklist_patient(t, name, t.coordinator)
        if minutes:
            log_call(t, made[name], minutes)
    made["Blocked"] = worklist_patient(t, "Blocked", t.coordinator, enrolled=False)
    made["Failed"] = worklist_patient(t, "Failed", t.coordinator)
    with scope(organization=t.org):
        for outcome in ("no_answer", "voicemail"):
            OutreachAttempt.objects.create(organization=t.org, patient=made["Failed"], user=t.coordinator, at=timezone.now() - dt.timedelta(hours=3), channel="call", outcome=outcome)  # fmt: skip
    return made


@pytest.mark.parametrize("sort", list(worklist.SORTS))
def test_each_order_is_the_order_of_ranking_every_live_row(cast, login, sort):
    t = cast.acme
    cohort(t)
    client = login(t.coordinator)
    html = client.post("/time/worklist/", {"sort": sort}).content.decode()
    assert names(html) == reference(t, sort)


def test_a_logged_entry_moves_its_patient_and_the_counts_at_once(cast, login):
    t = cast.acme
    made = cohort(t)
    client = login(t.coordinator)
    before = client.get("/time/worklist/").content.decode()
    log_call(t, made["Zero"], 25)  # through the service: its signal marks the standing stale
    after = client.get("/time/worklist/").content.decode()
    assert names(after) == reference(t, "rank") != names(before)
    done = re.compile(r"Done</span>\s*<strong>(\d+)")
    assert int(done.search(after).group(1)) == int(done.search(before).group(1)) + 1


def test_rows_written_without_signals_count_after_an_import_marks_the_practice(cast, login):
    t = cast.acme
    made = cohort(t)
    client = login(t.coordinator)
    client.get("/time/worklist/")
    with scope(organization=t.org):
        entry = TimeEntry.objects.filter(patient=made["More"]).first()
        entry.pk, entry.uid, entry.patient = None, uuid.uuid4(), made["Few"]
        TimeEntry.objects.bulk_create([entry])  # as an import writes: no signal
        worklist_state.practice_changed(t.north)  # what the import's task calls when done
    assert names(client.get("/time/worklist/").content.decode()) == reference(t, "rank")


def test_a_standing_of_another_day_is_recomputed_and_a_write_no_signal_saw_is_not_shown_stale(
    cast, login
):
    """A standing is shown only while the patient's revision is the one it was computed from:
    the database bumps it on a write no signal saw (here a bulk insert, and no import hook), so
    that row is built live and its standing stored again."""
    t = cast.acme
    made = cohort(t)
    client = login(t.coordinator)
    client.get("/time/worklist/")
    with scope(organization=t.org):
        WorklistState.objects.filter(patient=made["Zero"]).update(day=dt.date(2000, 1, 1))
        entry = TimeEntry.objects.filter(patient=made["More"]).first()
        entry.pk, entry.uid, entry.patient, entry.minutes = None, uuid.uuid4(), made["Some"], 15
        TimeEntry.objects.bulk_create([entry])
        assert WorklistState.objects.get(patient=made["Some"]).fresh  # no signal marked it
    html = client.get("/time/worklist/").content.decode()
    with scopes_disabled():
        zero = WorklistState.objects.get(patient=made["Zero"])
        some = WorklistState.objects.select_related("patient").get(patient=made["Some"])
    assert zero.day != dt.date(2000, 1, 1) and zero.fresh
    assert some.status == "done" and some.counted == 27  # 12 + 15, built live when shown
    assert some.revision == some.patient.revision
    row = re.search(rf'<tr id="row-{made["Some"].uid}".*?</tr>', html, re.S).group(0)
    assert "27 min" in row and "Done" in row
    assert names(client.get("/time/worklist/").content.decode()) == reference(t, "rank")


def test_an_import_or_close_recomputes_the_standings_in_a_job_before_anyone_opens_the_page(
    cast, login
):
    """The hook marks the practice's standings stale and queues the recompute (the tests' task
    backend runs it at once): no coordinator's first request pays for a whole caseload."""
    from ccmweb.jobs.models import Job

    t = cast.acme
    made = cohort(t)
    login(t.coordinator).get("/time/worklist/")
    with scope(organization=t.org):
        entry = TimeEntry.objects.filter(patient=made["More"]).first()
        entry.pk, entry.uid, entry.patient = None, uuid.uuid4(), made["Few"]
        TimeEntry.objects.bulk_create([entry])  # as an import writes: no signal
        job = worklist_state.practice_changed(t.north)
    assert job is not None and job.status == Job.Status.DONE
    with scopes_disabled():
        states = WorklistState.objects.filter(patient__practice=t.north)
        assert states.exists() and not states.filter(fresh=False).exists()
        few = states.get(patient=made["Few"])
    with scope(organization=t.org):
        live = worklist.build_rows(
            [Patient.objects.select_related("practice").get(pk=made["Few"].pk)], timezone.now()
        )
    assert few.counted == live[0].counted  # the job's standing has the bulk-written minutes


def test_every_hour_the_practices_whose_day_turned_get_their_standings_recomputed(cast, login):
    from ccmweb.jobs.schedule import SCHEDULE, run_due

    t = cast.acme
    made = cohort(t)
    login(t.coordinator).get("/time/worklist/")
    with scopes_disabled():
        WorklistState.objects.filter(patient=made["Zero"]).update(day=dt.date(2000, 1, 1))
    hourly = [e for e in SCHEDULE if e.name == "worklist-day"]
    now = timezone.now()
    assert run_due(now, hourly) == ["worklist-day"]
    assert run_due(now, hourly) == []  # once an hour
    with scopes_disabled():
        zero = WorklistState.objects.get(patient=made["Zero"])
    assert zero.day != dt.date(2000, 1, 1) and zero.fresh


@pytest.mark.parametrize("had_standing", [True, False], ids=["marked", "first"])
def test_a_write_during_the_job_run_leaves_its_standing_stale_not_fresh_from_older_facts(
    cast, login, monkeypatch, had_standing
):
    """The job reads a patient's facts, a call is logged (its signal marks the standing stale),
    then the job stores what it built: that must not pass for fresh. The hook runs the write
    between the job's read and its write, as a coordinator's request would during a run."""
    from ccmweb.jobs.models import Job

    t = cast.acme
    zero = worklist_patient(t, "Zero", t.coordinator)
    if had_standing:
        login(t.coordinator).get("/time/worklist/")
        with scopes_disabled():
            WorklistState.objects.filter(patient=zero).update(fresh=False)
    build_rows = worklist.build_rows

    def then_a_call(patients, now):  # type: ignore[no-untyped-def]
        rows = build_rows(patients, now)
        if any(p.pk == zero.pk for p in patients):
            log_call(t, zero, 25)
        return rows

    monkeypatch.setattr(worklist, "build_rows", then_a_call)
    with scope(organization=t.org):
        job = worklist_state.queue_standings(t.north)
    assert job is not None and job.status == Job.Status.DONE
    with scopes_disabled():
        state = WorklistState.objects.get(patient=zero)
    assert not state.fresh and state.counted == 0  # kept stale for the next job or page
    monkeypatch.setattr(worklist, "build_rows", build_rows)
    login(t.coordinator).get("/time/worklist/")
    with scopes_disabled():
        state = WorklistState.objects.get(patient=zero)
    assert state.fresh and state.counted == 25


def test_an_import_during_the_job_run_has_the_job_run_once_more(cast, login, monkeypatch):
    """An import that commits while the practice's standings job runs marks them stale (the
    run keeps them so) and has the job run once more when it ends (jobs.start_again), so the
    first page after it does not recompute the practice's caseload."""
    from ccmweb.jobs.models import Job

    t = cast.acme
    made = cohort(t)
    login(t.coordinator).get("/time/worklist/")
    with scopes_disabled():
        WorklistState.objects.filter(patient=made["Few"]).update(fresh=False)
    build_rows = worklist.build_rows
    imported = []

    def then_an_import(patients, now):  # type: ignore[no-untyped-def]
        rows = build_rows(patients, now)
        if not imported:
            entry = TimeEntry.objects.filter(patient=made["More"]).first()
            entry.pk, entry.uid, entry.patient = None, uuid.uuid4(), made["Few"]
            imported.extend(TimeEntry.objects.bulk_create([entry]))  # as an import: no signal
            worklist_state.practice_changed(t.north)  # the import's hook, during the run
        return rows

    monkeypatch.setattr(worklist, "build_rows", then_an_import)
    with scope(organization=t.org):
        worklist_state.queue_standings(t.north)
        runs = list(Job.objects.filter(kind=Job.Kind.WORKLIST).values_list("status", flat=True))
    assert runs == [Job.Status.DONE, Job.Status.DONE]
    with scopes_disabled():
        few = WorklistState.objects.get(patient=made["Few"])
    assert few.fresh and few.counted == 4 + imported[0].minutes


def test_a_standing_of_the_other_practice_s_today_is_recomputed(cast, login):
    """Practices 25 hours apart are never on the same date: a standing stamped with the other
    practice's today is of another day for its own practice and is recomputed."""
    t = cast.acme
    zero, south = worklist_patient(t, "Zero", t.coordinator), worklist_patient(t, "South", t.coordinator)  # fmt: skip
    with scopes_disabled():
        Patient.objects.filter(pk=south.pk).update(practice=t.south)
        type(t.north).objects.filter(pk=t.north.pk).update(time_zone="Pacific/Kiritimati")
        type(t.south).objects.filter(pk=t.south.pk).update(time_zone="Pacific/Pago_Pago")
    client = login(t.coordinator)
    client.get("/time/worklist/")
    with scopes_disabled():
        days = dict(WorklistState.objects.values_list("patient_id", "day"))
        assert days[zero.pk] != days[south.pk]
        WorklistState.objects.filter(patient=south).update(day=days[zero.pk])
    client.get("/time/worklist/")
    with scopes_disabled():
        assert WorklistState.objects.get(patient=south).day == days[south.pk]


def test_a_row_shown_from_its_standing_renders_as_its_live_row(cast):
    """Every state of the cohort (blocked, on track, done, failed calls, contact, a call due): the
    stored row and the live row give the same HTML."""
    from django.template.loader import render_to_string

    t = cast.acme
    made = cohort(t)
    with scope(organization=t.org):
        OutreachAttempt.objects.create(organization=t.org, patient=made["Some"], user=t.coordinator, at=timezone.now() - dt.timedelta(hours=1), channel="call", outcome="reached", next_contact=timezone.localdate())  # fmt: skip
        patients = list(
            Patient.objects.filter(coordinator=t.coordinator)
            .select_related("practice")
            .only(*worklist_state.PATIENT_FIELDS, "organization_id", "practice")
        )
        rows = worklist.build_rows(patients, timezone.now())
    assert {r.status for r in rows} >= {"blocked", "done", "on_track"}
    for row in rows:
        state = WorklistState(**worklist_state.standing(row))
        state.shown = json.loads(json.dumps(state.shown))  # as stored
        for may_assign in (False, True):
            context = {"row": row, "may_assign": may_assign}
            live = render_to_string("timelog/_worklist_row.html", context)
            context["row"] = worklist_state.StoredRow(state, row.patient)
            assert render_to_string("timelog/_worklist_row.html", context) == live
