"""The worklist as the day plan: due today, search in the POST body, filters, sort, paging."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from ccmweb.care_tasks.models import CareTask
from ccmweb.patients.models import Condition, Patient
from ccmweb.timelog import services
from ccmweb.timelog.models import OutreachAttempt
from ccmweb.timelog.services import NewTime
from ccmweb.timelog.testing import enroll


@pytest.fixture(autouse=True)
def _at_noon(midday):  # type: ignore[no-untyped-def]
    """Logged minutes "today" must fit in the day so far: run at noon (ccmweb.testing.clock)."""


def add(t, family: str, *, given: str = "Pat", coordinator=None, enrolled: bool = False):  # type: ignore[no-untyped-def]
    with scopes_disabled():
        patient = Patient.objects.create(
            organization=t.org,
            practice=t.north,
            mrn=f"M-{family}",
            given_name=given,
            family_name=family,
            birth_date=dt.date(1945, 5, 5),
            part_b=True,
            coordinator=coordinator or t.coordinator,
        )
        for code in ("E11.9", "I50.9"):
            Condition.objects.create(organization=t.org, patient=patient, icd10_code=code)
    if enrolled:
        enroll(patient, t.practitioner, t.coordinator)
    return patient


def names(html: str) -> list[str]:
    return re.findall(r'<a href="/patients/[0-9a-f-]+/">([^<]+)</a>', html)


def test_the_name_search_is_read_from_the_post_body_only(cast, login):
    t = cast.acme
    add(t, "Okafor", given="Ada")
    add(t, "Lindqvist", given="Bo")
    client = login(t.coordinator)
    found = client.post("/time/worklist/", {"q": "okaf"}).content.decode()
    assert names(found) == ["Okafor, Ada"]
    in_url = client.get("/time/worklist/?q=okaf").content.decode()
    assert "Lindqvist, Bo" in names(in_url)  # a search in the URL is ignored
    assert (
        "No patient on your worklist matches"
        in client.post("/time/worklist/", {"q": "nobody"}).content.decode()
    )


def test_fifty_rows_a_page_and_the_pager_posts_the_filters_back(cast, login):
    t = cast.acme
    for i in range(55):
        add(t, f"Page{i:02d}")
    client = login(t.coordinator)
    first = client.post("/time/worklist/", {"sort": "name"}).content.decode()
    rows = names(first)
    assert len(rows) == 50 and "Page 1 of 2" in first
    assert 'form="worklist-filters" name="page" value="2"' in first
    second = client.post("/time/worklist/", {"sort": "name", "page": "2"}).content.decode()
    # 55 + the cast's own patient, sorted by name: none repeated, none lost
    assert len(names(second)) == 6 and not set(rows) & set(names(second))
    assert names(first + second) == sorted(names(first + second), key=str.lower)


def test_due_today_counts_scheduled_calls_and_filters_to_them(cast, login):
    t = cast.acme
    due = add(t, "Due", enrolled=True)
    later = add(t, "Later", enrolled=True)
    with scope(organization=t.org):
        today = timezone.localdate()
        for patient, day in ((due, today), (later, today + dt.timedelta(days=3))):
            OutreachAttempt.objects.create(
                organization=t.org,
                patient=patient,
                user=t.coordinator,
                at=timezone.now() - dt.timedelta(days=2),
                channel="call",
                outcome="no_answer",
                next_contact=day,
            )
        # The signed care plan's own goal and intervention tasks (30 days, so overdue) aside.
        CareTask.objects.filter(patient__in=(due, later)).update(status="done")
    client = login(t.coordinator)
    html = client.get("/time/worklist/").content.decode()
    assert re.search(r"\b1 scheduled call\b", html)
    only_due = names(client.post("/time/worklist/", {"status": "due"}).content.decode())
    assert "Due, Pat" in only_due and "Later, Pat" not in only_due


def test_last_contact_counts_calls_and_reached_outreach_not_failed_attempts(cast, login):
    t = cast.acme
    failed = add(t, "Failed", enrolled=True)
    called = add(t, "Called", enrolled=True)
    reached = add(t, "Reached", enrolled=True)
    with scope(organization=t.org):
        for patient, outcome in ((failed, "no_answer"), (reached, "reached")):
            OutreachAttempt.objects.create(
                organization=t.org,
                patient=patient,
                user=t.coordinator,
                at=timezone.now() - dt.timedelta(hours=1),
                channel="call",
                outcome=outcome,
            )
        fresh = Patient.objects.select_related("practice").get(pk=called.pk)
        services.add_time(t.coordinator, "coordinator", t.org, fresh, NewTime(5, "patient_call"))
    html = login(t.coordinator).get("/time/worklist/").content.decode()

    def contact(patient: Patient) -> str:
        row = re.search(rf'id="row-{patient.uid}".*?data-label="Last contact">([^<]*)', html, re.S)
        assert row
        return row.group(1).strip()

    today = timezone.localdate().isoformat()
    assert contact(failed) == "never"
    assert contact(called) == today and contact(reached) == today


def test_a_practitioner_filters_by_coordinator_and_program(cast, login):
    t = cast.acme
    with scopes_disabled():
        from ccmweb.tenants.models import Membership

        other = type(t.coordinator).objects.create_user(username="acme_coord_b", password="x" * 16)
        Membership.objects.create(user=other, organization=t.org, role="coordinator")
    add(t, "Mine", enrolled=True)
    add(t, "Theirs", enrolled=True, coordinator=other)
    client = login(t.practitioner.user)
    both = names(client.get("/time/worklist/").content.decode())
    assert {"Mine, Pat", "Theirs, Pat"} <= set(both)
    theirs = names(client.post("/time/worklist/", {"coordinator": other.pk}).content.decode())
    assert theirs == ["Theirs, Pat"]
    assert names(client.post("/time/worklist/", {"program": "pcm"}).content.decode()) == []
    # a coordinator not offered (another organisation's) is no filter at all, never an error
    assert client.post("/time/worklist/", {"coordinator": "99999999"}).status_code == 200


def test_rows_come_from_a_template_that_escapes_names(cast, login):
    t = cast.acme
    add(t, "<b>Bold</b>")
    html = login(t.coordinator).get("/time/worklist/").content.decode()
    assert "<b>Bold</b>" not in html and "&lt;b&gt;Bold&lt;/b&gt;" in html


def test_open_tasks_due_by_today_put_the_patient_on_the_day_plan(cast, login):
    from ccmweb.care_tasks.services import create_task

    t = cast.acme
    today_task = add(t, "Tasked")
    tomorrow_task = add(t, "Tomorrow")
    with scope(organization=t.org):
        today = timezone.localdate()
        mine = {"practice": t.north, "assignee": t.coordinator}
        create_task(**mine, patient=today_task, title="Call back about BP", due=today)
        overdue = create_task(**mine, patient=today_task, title="Old", due=today - dt.timedelta(days=3))  # fmt: skip
        create_task(**mine, patient=tomorrow_task, title="Later", due=today + dt.timedelta(days=1))
        # the practitioner's task waits in their queue, not on the coordinator's day plan
        create_task(practice=t.north, patient=tomorrow_task, title="Sign", due=today, assignee=t.practitioner.user)  # fmt: skip
    client = login(t.coordinator)
    html = client.get("/time/worklist/").content.decode()
    assert re.search(r"\b2 tasks\.", html) and "2 tasks due" in html
    only_due = names(client.post("/time/worklist/", {"status": "due"}).content.decode())
    assert "Tasked, Pat" in only_due and "Tomorrow, Pat" not in only_due
    with scope(organization=t.org):
        overdue.status = "done"
        overdue.save()
    assert "1 task due" in client.get("/time/worklist/").content.decode()
