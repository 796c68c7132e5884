"""Time entries, the timer, outreach and MDM on the patient page, and the month case builder."""

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from ccm.periods import BillingMonth
from ccm.rules.month import evaluate_month
from ccmweb.accounts.models import AccessLog
from ccmweb.patients.models import Patient
from ccmweb.timelog import services
from ccmweb.timelog.models import MonthMDM, OutreachAttempt, RunningTimer, TimeEntry
from ccmweb.timelog.month_case import month_case, month_cases
from ccmweb.timelog.services import NewTime, TimeError
from ccmweb.timelog.testing import enroll


@pytest.fixture(autouse=True)
def _at_noon(midday):  # type: ignore[no-untyped-def]
    """Logged minutes "today" must fit in the day so far: run at noon (ccmweb.testing.clock)."""


@pytest.fixture
def enrolled(cast):  # type: ignore[no-untyped-def]
    t = cast.acme
    enroll(t.patient, t.practitioner, t.coordinator)
    return t


def page(client, patient) -> str:  # type: ignore[no-untyped-def]
    return client.get(f"/patients/{patient.uid}/").content.decode()


def codes_reached(html: str) -> str:
    start = html.index('id="codes-reached"')
    return html[start : html.index("</span>", start)]


def test_coordinator_adds_21_minutes_by_hand_and_reaches_99490(enrolled, login):
    client = login(enrolled.coordinator)
    assert "none yet" in codes_reached(page(client, enrolled.patient))
    response = client.post(
        f"/time/patients/{enrolled.patient.uid}/time/",
        {"minutes": "21", "activity": "patient_call", "program": "ccm"},
    )
    assert response.status_code == 302
    assert "99490" in codes_reached(page(client, enrolled.patient))
    with scopes_disabled():
        entry = TimeEntry.objects.get()
        assert (entry.minutes, entry.performer, entry.countable) == (21, "clinical_staff", True)
        assert entry.ended_at <= timezone.now()
        assert AccessLog.objects.filter(
            action="create", object_type="timeentry", patient_uid=str(enrolled.patient.uid)
        ).exists()


def test_time_in_the_future_is_refused_naming_the_field(enrolled, login):
    client = login(enrolled.coordinator)
    tomorrow = (timezone.now() + dt.timedelta(days=2)).date().isoformat()
    response = client.post(
        f"/time/patients/{enrolled.patient.uid}/time/",
        {"minutes": "10", "activity": "education", "date": tomorrow},
        follow=True,
    )
    assert "Date: time cannot be logged in the future." in response.content.decode()
    with scopes_disabled():
        assert not TimeEntry.objects.exists()


def test_minutes_must_be_a_whole_number(enrolled, login):
    client = login(enrolled.coordinator)
    response = client.post(
        f"/time/patients/{enrolled.patient.uid}/time/",
        {"minutes": "abc", "activity": "education"},
        HTTP_HX_REQUEST="true",
    )
    assert "Minutes: enter a whole number" in response.content.decode()


def test_manual_entries_of_one_day_never_overlap(enrolled):
    t = enrolled
    with scope(organization=t.org):
        patient = Patient.objects.select_related("practice").get(pk=t.patient.pk)
        for _ in range(3):
            services.add_time(
                t.coordinator, "coordinator", t.org, patient, NewTime(25, "patient_call")
            )
        entries = list(TimeEntry.objects.order_by("started_at"))
    for before, after in zip(entries, entries[1:], strict=False):
        assert before.ended_at <= after.started_at


def test_an_overlapping_interval_for_the_same_staff_member_is_refused(enrolled):
    t = enrolled
    start = timezone.now() - dt.timedelta(hours=2)
    with scope(organization=t.org):
        patient = Patient.objects.select_related("practice").get(pk=t.patient.pk)
        services.add_time(
            t.coordinator, "coordinator", t.org, patient, NewTime(30, "patient_call", start=start)
        )
        with pytest.raises(TimeError, match="^Start: overlaps"):
            services.add_time(
                t.coordinator,
                "coordinator",
                t.org,
                patient,
                NewTime(30, "education", start=start + dt.timedelta(minutes=10)),
            )
        # another staff member may work at the same time
        services.add_time(
            t.practitioner.user,
            "practitioner",
            t.org,
            patient,
            NewTime(30, "education", start=start + dt.timedelta(minutes=10)),
        )
        assert TimeEntry.objects.count() == 2


def test_admin_time_is_kept_but_not_countable(enrolled, login):
    client = login(enrolled.admin)
    client.post(
        f"/time/patients/{enrolled.patient.uid}/time/",
        {"minutes": "25", "activity": "referral", "program": "ccm"},
    )
    with scope(organization=enrolled.org):
        entry = TimeEntry.objects.get()
        assert (entry.performer, entry.countable) == ("other", False)
        patient = Patient.objects.select_related("practice").get(pk=enrolled.patient.pk)
        result = evaluate_month(
            month_case(patient, BillingMonth.of(services.local_today(patient.practice)))
        )
    assert result.minutes.counted == 0 and not result.lines


def test_billing_practitioner_time_counts_as_practitioner_time(enrolled, login):
    client = login(enrolled.practitioner.user)
    client.post(
        f"/time/patients/{enrolled.patient.uid}/time/",
        {"minutes": "31", "activity": "care_plan_review", "program": "ccm"},
    )
    with scopes_disabled():
        assert TimeEntry.objects.get().performer == "practitioner"


def test_practitioner_who_is_not_the_billing_practitioner_counts_as_clinical_staff(cast, login):
    client = login(
        cast.acme.practitioner.user
    )  # the cast patient is not enrolled: no billing practitioner
    client.post(
        f"/time/patients/{cast.acme.patient.uid}/time/",
        {"minutes": "12", "activity": "education", "program": "ccm"},
    )
    with scopes_disabled():
        assert TimeEntry.objects.get().performer == "clinical_staff"


def test_timer_survives_a_reload_and_stops_into_an_entry(enrolled, login):
    client = login(enrolled.coordinator)
    url = f"/time/patients/{enrolled.patient.uid}/timer/"
    client.post(url, {"action": "start"})
    html = page(client, enrolled.patient)  # a reload, or a new tab
    assert "Stop timer" in html and "Start timer" not in html
    with scopes_disabled():
        RunningTimer.objects.update(started_at=timezone.now() - dt.timedelta(minutes=21, seconds=5))
    client.post(
        url,
        {
            "action": "stop",
            "activity": "medication_reconciliation",
            "program": "ccm",
            "note": "reviewed",
        },
    )
    with scopes_disabled():
        assert not RunningTimer.objects.exists()
        entry = TimeEntry.objects.get()
    assert (entry.minutes, entry.activity, entry.note) == (
        21,
        "medication_reconciliation",
        "reviewed",
    )
    assert "99490" in codes_reached(page(client, enrolled.patient))


def test_paused_time_does_not_count(enrolled, login):
    client = login(enrolled.coordinator)
    url = f"/time/patients/{enrolled.patient.uid}/timer/"
    client.post(url, {"action": "start"})
    with scopes_disabled():
        RunningTimer.objects.update(started_at=timezone.now() - dt.timedelta(minutes=5))
    client.post(url, {"action": "pause"})
    with scopes_disabled():
        timer = RunningTimer.objects.get()
        assert timer.paused_at and 300 <= timer.accumulated_seconds < 310
        RunningTimer.objects.update(paused_at=timezone.now() - dt.timedelta(hours=1))
    assert "Resume timer" in page(client, enrolled.patient)
    client.post(url, {"action": "resume"})
    client.post(url, {"action": "stop", "activity": "education", "program": "ccm"})
    with scopes_disabled():
        assert TimeEntry.objects.get().minutes == 5


def test_a_discarded_timer_logs_nothing_and_frees_the_user(enrolled, login):
    client = login(enrolled.coordinator)
    url = f"/time/patients/{enrolled.patient.uid}/timer/"
    client.post(url, {"action": "start"})
    assert "Discard timer" in page(client, enrolled.patient)
    with scopes_disabled():
        RunningTimer.objects.update(started_at=timezone.now() - dt.timedelta(minutes=25))
    response = client.post(url, {"action": "discard"}, HTTP_HX_REQUEST="true")
    assert "Timer discarded: no time was logged." in response.content.decode()
    with scopes_disabled():
        assert not RunningTimer.objects.exists()
        assert not TimeEntry.objects.exists()
    html = page(client, enrolled.patient)
    assert "Start timer" in html and "Discard timer" not in html
    # Nothing left to discard: a second click says so instead of failing silently.
    response = client.post(url, {"action": "discard"}, HTTP_HX_REQUEST="true")
    assert "Timer: no timer is running for this patient." in response.content.decode()


def test_one_running_timer_per_user(enrolled, login):
    with scopes_disabled():
        other = Patient.objects.create(
            organization=enrolled.org,
            practice=enrolled.north,
            mrn="ACME-2",
            given_name="Bob",
            family_name="Second",
            birth_date=dt.date(1948, 1, 1),
            part_b=True,
        )
    client = login(enrolled.coordinator)
    client.post(f"/time/patients/{enrolled.patient.uid}/timer/", {"action": "start"})
    response = client.post(
        f"/time/patients/{other.uid}/timer/", {"action": "start"}, HTTP_HX_REQUEST="true"
    )
    assert "Timer: you have a timer running for another patient" in response.content.decode()
    with scopes_disabled():
        assert RunningTimer.objects.get().patient_id == enrolled.patient.pk


def test_closed_month_takes_amendments_beside_the_original(enrolled, login):
    client = login(enrolled.coordinator)
    client.post(
        f"/time/patients/{enrolled.patient.uid}/time/",
        {"minutes": "15", "activity": "patient_call", "program": "ccm"},
    )
    from ccmweb.billing.models import MonthClose

    with scopes_disabled():
        month = BillingMonth.of(services.local_today(enrolled.north))
        MonthClose.objects.create(
            organization=enrolled.org, practice=enrolled.north, month=month.first, status="closed"
        )
    response = client.post(
        f"/time/patients/{enrolled.patient.uid}/time/",
        {"minutes": "10", "activity": "patient_call"},
        follow=True,
    )
    assert "is closed; amend an entry instead" in response.content.decode()
    with scopes_disabled():
        original = TimeEntry.objects.get()
    client.post(f"/time/entries/{original.uid}/amend/", {"minutes": "22", "note": "call ran long"})
    with scope(organization=enrolled.org):
        entries = list(TimeEntry.objects.order_by("pk"))
        assert [(e.minutes, e.amends_id) for e in entries] == [(15, None), (22, original.pk)]
        patient = Patient.objects.select_related("practice").get(pk=enrolled.patient.pk)
        case = month_case(patient, BillingMonth.of(services.local_today(patient.practice)))
    assert [t.minutes for t in case.time] == [22]


def test_time_entries_are_never_edited(enrolled):
    with scope(organization=enrolled.org):
        patient = Patient.objects.select_related("practice").get(pk=enrolled.patient.pk)
        entry = services.add_time(
            enrolled.coordinator, "coordinator", enrolled.org, patient, NewTime(5, "education")
        )
        entry.minutes = 50
        with pytest.raises(ValueError, match="amend"):
            entry.save()


def test_month_boundaries_are_the_practices_local_month(enrolled):
    t = enrolled
    # 02:00 UTC on 1 Nov is still 31 Oct in New York (EDT, UTC−4).
    late_october = dt.datetime(2026, 11, 1, 2, 0, tzinfo=dt.UTC)
    with scope(organization=t.org):
        TimeEntry.objects.create(
            organization=t.org,
            patient=t.patient,
            user=t.coordinator,
            performer="clinical_staff",
            activity="patient_call",
            started_at=late_october,
            ended_at=late_october + dt.timedelta(minutes=20),
            minutes=20,
        )
        patient = Patient.objects.select_related("practice").get(pk=t.patient.pk)
        october = month_case(patient, BillingMonth(2026, 10))
        november = month_case(patient, BillingMonth(2026, 11))
    assert [(e.date, e.minutes) for e in october.time] == [(dt.date(2026, 10, 31), 20)]
    assert november.time == ()


def test_month_case_carries_the_facts_the_rules_need(enrolled):
    t = enrolled
    with scope(organization=t.org):
        patient = Patient.objects.select_related("practice").get(pk=t.patient.pk)
        month = BillingMonth.of(services.local_today(patient.practice))
        MonthMDM.objects.create(
            organization=t.org,
            patient=patient,
            month=month.first,
            level="moderate",
            recorded_by=t.practitioner.user,
        )
        case = month_case(patient, month)
    assert case.patient.medicare_part_b is True
    assert set(case.patient.chronic_conditions) == {"E11.9", "I10"}
    assert case.enrollment.program == "ccm" and case.enrollment.consent_date is not None
    assert case.enrollment.care_plan_date is not None
    assert case.enrollment.initiating_visit_date is not None
    assert case.mdm == "moderate"


def test_month_cases_runs_a_constant_number_of_queries(enrolled, django_assert_max_num_queries):
    t = enrolled
    with scope(organization=t.org):
        for i in range(30):
            p = Patient.objects.create(
                organization=t.org,
                practice=t.north,
                mrn=f"Q-{i}",
                given_name="Q",
                family_name=f"P{i}",
                birth_date=dt.date(1950, 1, 1),
                part_b=True,
            )
            services.add_time(
                t.coordinator,
                "coordinator",
                t.org,
                Patient.objects.select_related("practice").get(pk=p.pk),
                NewTime(3, "education"),
            )
        patients = list(Patient.objects.select_related("practice"))
        month = BillingMonth.of(services.local_today(t.north))
        with django_assert_max_num_queries(8):
            few = month_cases(patients[:2], month)
        with django_assert_max_num_queries(8):
            many = month_cases(patients, month)
    assert len(few) == 2 and len(many) == 31
    assert sum(len(c.time) for c in many.values()) == 30


def test_outreach_attempts_keep_failed_ones_and_the_next_contact(enrolled, login):
    client = login(enrolled.coordinator)
    url = f"/time/patients/{enrolled.patient.uid}/outreach/"
    soon = (timezone.now() + dt.timedelta(days=3)).date().isoformat()
    client.post(url, {"channel": "call", "outcome": "no_answer", "next_contact": soon})
    client.post(url, {"channel": "sms", "outcome": "sent"})
    response = client.post(
        url, {"channel": "call", "outcome": "reached", "next_contact": "2020-01-01"}, follow=True
    )
    assert "Next contact: choose today or a later date." in response.content.decode()
    with scopes_disabled():
        outcomes = list(OutreachAttempt.objects.order_by("pk").values_list("outcome", flat=True))
    assert outcomes == ["no_answer", "sent"]
    assert "No answer" in page(client, enrolled.patient)


def test_practitioner_records_mdm_and_coordinator_may_not(enrolled, login):
    coordinator = login(enrolled.coordinator)
    url = f"/time/patients/{enrolled.patient.uid}/mdm/"
    assert coordinator.post(url, {"level": "high"}).status_code == 403
    coordinator.post("/logout/")
    practitioner = login(enrolled.practitioner.user)
    practitioner.post(url, {"level": "high"})
    practitioner.post(url, {"level": "moderate"})
    with scopes_disabled():
        assert list(MonthMDM.objects.values_list("level", flat=True)) == ["moderate"]


def test_coordinator_at_other_org_gets_404_for_time_urls(cast, login):
    client = login(cast.bravo.coordinator)
    uid = cast.acme.patient.uid
    for url in (
        f"/time/patients/{uid}/time/",
        f"/time/patients/{uid}/timer/",
        f"/time/patients/{uid}/outreach/",
    ):
        assert (
            client.post(
                url, {"minutes": "5", "activity": "education", "action": "start"}
            ).status_code
            == 404
        )
    with scopes_disabled():
        assert not TimeEntry.objects.exists() and not RunningTimer.objects.exists()


def test_auditor_cannot_log_time(cast, login):
    client = login(cast.acme.auditor)
    response = client.post(
        f"/time/patients/{cast.acme.patient.uid}/time/", {"minutes": "5", "activity": "education"}
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("this_month", "months_back"),
    [(3, 0), (60, 0), (40, 20)],
    ids=["fewer-than-the-timeline", "the-timeline-all-this-month", "the-timeline-reaches-back"],
)
def test_one_patients_month_case_equals_the_bulk_one(enrolled, this_month, months_back):
    """month_case takes the month's entries from the timeline's latest ones only when those
    hold them all (fewer than TIMELINE, or the oldest older than the month's window); the
    case is the bulk builder's either way, amendments and the window's edges included."""
    t = enrolled
    with scope(organization=t.org):
        patient = Patient.objects.select_related("practice").get(pk=t.patient.pk)
        month = BillingMonth(2026, 10)
        edge = dt.datetime(2026, 10, 1, 3, 30, tzinfo=dt.UTC)  # 30 Sep in New York
        starts = [edge + dt.timedelta(hours=7 * i) for i in range(this_month)]
        starts += [edge - dt.timedelta(days=40 + i) for i in range(months_back)]

        def entry(start, minutes, amends=None):  # type: ignore[no-untyped-def]
            return TimeEntry.objects.create(
                organization=t.org,
                patient=patient,
                user=t.coordinator,
                performer="clinical_staff",
                activity="patient_call",
                started_at=start,
                ended_at=start + dt.timedelta(minutes=minutes),
                minutes=minutes,
                amends=amends,
            )

        made = [entry(start, 4 + i % 7) for i, start in enumerate(starts)]
        entry(made[1].started_at + dt.timedelta(hours=1), 30, amends=made[1])
        single = month_case(patient, month)
        bulk = month_cases([Patient.objects.select_related("practice").get(pk=patient.pk)], month)
    assert single == bulk[patient.pk]
    assert 30 in [e.minutes for e in single.time]  # the amendment, in place of what it fixed
    assert len(single.time) == this_month - 1  # 30 Sep's entry is September's
