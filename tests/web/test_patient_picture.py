"""The patient's whole picture: header, problems, medications, trends, encounters, allergies,
care team and the timeline, in the practice's time zone."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from ccmweb.imports.models import Measurement, Medication
from ccmweb.patients.models import Allergy, CareTeamMember, Condition, Coverage, Encounter, Patient
from ccmweb.timelog import services
from ccmweb.timelog.models import OutreachAttempt
from ccmweb.timelog.services import NewTime
from ccmweb.timelog.testing import enroll


@pytest.fixture(autouse=True)
def _at_noon(midday):  # type: ignore[no-untyped-def]
    """Logged minutes "today" must fit in the day so far."""


@pytest.fixture
def patient(cast):  # type: ignore[no-untyped-def]
    t = cast.acme
    with scopes_disabled():
        p = Patient.objects.create(
            organization=t.org,
            practice=t.north,
            mrn="PIC-1",
            given_name="Rosa",
            family_name="Picture",
            birth_date=dt.date(1950, 1, 1),
            part_b=False,
            coordinator=t.coordinator,
        )
        Condition.objects.create(
            organization=t.org, patient=p, icd10_code="E11.9", display="Type 2 diabetes"
        )
        Condition.objects.create(
            organization=t.org, patient=p, icd10_code="S93.401A", display="Sprained ankle"
        )
        Condition.objects.create(
            organization=t.org,
            patient=p,
            icd10_code="I10",
            display="Old hypertension",
            clinical_status="resolved",
        )
        Coverage.objects.create(
            organization=t.org, patient=p, kind="medicare_advantage", payer_name="Acme MA plan"
        )
        Medication.objects.create(
            organization=t.org,
            patient=p,
            source_id="m1",
            status="active",
            display="Metformin 500 mg",
        )
        Medication.objects.create(
            organization=t.org,
            patient=p,
            source_id="m2",
            status="stopped",
            display="Glipizide 5 mg",
        )
        Allergy.objects.create(
            organization=t.org,
            patient=p,
            substance="Penicillin",
            reaction="Hives",
            criticality="high",
        )
        Encounter.objects.create(
            organization=t.org,
            patient=p,
            date=dt.date(2026, 1, 5),
            encounter_class="EMER",
            type_display="Chest pain",
        )
        Encounter.objects.create(
            organization=t.org,
            patient=p,
            date=dt.date(2026, 1, 6),
            encounter_class="IMP",
            type_display="Observation stay",
        )
        today = timezone.localdate()
        for i, (sys, dia, a1c) in enumerate(((150, 95, 9.1), (140, 90, 8.2), (132, 84, 7.4))):
            day = today - dt.timedelta(days=90 * (3 - i))
            Measurement.objects.create(
                organization=t.org,
                patient=p,
                source_id=f"bp{i}",
                kind="blood_pressure",
                date=day,
                value=Decimal(sys),
                value2=Decimal(dia),
                unit="mm[Hg]",
            )
            Measurement.objects.create(
                organization=t.org,
                patient=p,
                source_id=f"a{i}",
                kind="hba1c",
                date=day,
                value=Decimal(str(a1c)),
                unit="%",
            )
    enroll(p, t.practitioner, t.coordinator)
    return p  # fmt: skip


def page(client, patient) -> str:  # type: ignore[no-untyped-def]
    response = client.get(f"/patients/{patient.uid}/")
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, ident: str) -> str:
    found = re.search(rf'id="{ident}".*?</(table|ul|ol|dd|p)>', html, re.S)
    assert found, ident
    return found.group(0)


def test_header_says_age_program_coordinator_practitioner_and_coverage_in_the_cores_words(
    cast, login, patient
):
    html = page(login(cast.acme.coordinator), patient)
    age = (
        timezone.localdate().year
        - 1950
        - (0 if timezone.localdate() >= dt.date(timezone.localdate().year, 1, 1) else 1)
    )
    assert f"{age} y · MRN PIC-1" in html
    assert "CCM · Enrolled" in section(html, "program")
    assert cast.acme.coordinator.get_username() in html
    assert str(cast.acme.practitioner) in html
    assert section(html, "coverage-words").endswith("Medicare Advantage — bill the plan</dd>")


def test_problems_mark_chronic_ones_and_leave_resolved_out(cast, login, patient):
    problems = section(page(login(cast.acme.coordinator), patient), "problems")
    rows = re.findall(r"<tr>(.*?)</tr>", problems, re.S)[1:]
    assert "E11.9" in rows[0] and "chronic" in rows[0]  # chronic first
    assert "S93.401A" in rows[1] and "chronic" not in rows[1]
    assert "I10" not in problems


def test_current_medications_allergies_and_flagged_encounters(cast, login, patient):
    html = page(login(cast.acme.coordinator), patient)
    meds = section(html, "medications")
    assert "Metformin 500 mg" in meds and "Glipizide" not in meds
    assert "Penicillin (Hives)" in section(html, "allergies")
    encounters = section(html, "encounters")
    assert "ED visit" in encounters and "Admission" in encounters


def test_trends_are_server_drawn_svg_lines_with_the_latest_value(cast, login, patient):
    html = page(login(cast.acme.coordinator), patient)
    trends = section(html, "trends")
    assert "<strong>132/84</strong>" in trends and "<strong>7.4</strong>" in trends
    lines = re.findall(r'<polyline [^>]*points="([^"]+)"', trends)
    assert len(lines) == 3  # systolic, diastolic, A1c
    a1c = [tuple(map(float, p.split(","))) for p in lines[2].split()]
    assert len(a1c) == 3 and a1c[0][1] < a1c[1][1] < a1c[2][1]  # falling A1c: lower on the chart
    assert "<script" not in trends


def test_timeline_lists_time_outreach_consent_and_care_plan_newest_first_in_local_time(
    cast, login, patient
):
    t = cast.acme
    with scope(organization=t.org):
        fresh = Patient.objects.select_related("practice").get(pk=patient.pk)
        services.add_time(
            t.coordinator,
            "coordinator",
            t.org,
            fresh,
            NewTime(12, "patient_call", note="Talked about diet"),
        )
        OutreachAttempt.objects.create(organization=t.org, patient=patient, user=t.coordinator, at=timezone.now(), channel="call", outcome="reached", note="Called back")  # fmt: skip
    html = page(login(t.coordinator), patient)
    events = re.findall(r'<li class="event-(\w+)">', section(html, "timeline"))
    assert set(events) >= {"time", "outreach", "consent", "care_plan"}
    assert "Talked about diet" in html and "Called back" in html
    stamps = re.findall(r'<time datetime="([^"]+)">([^<]+)</time>', html)
    assert [s for s, _ in stamps] == sorted((s for s, _ in stamps), reverse=True)
    zone = t.north.time_zone
    from zoneinfo import ZoneInfo

    first = dt.datetime.fromisoformat(stamps[0][0]).astimezone(ZoneInfo(zone))
    assert stamps[0][1].startswith(first.strftime("%Y-%m-%d %H:%M"))


def test_care_team_is_added_with_errors_beside_the_field_and_removed(cast, login, patient):
    t = cast.acme
    client = login(t.coordinator)
    url = f"/patients/{patient.uid}/care-team/"
    bad = client.post(url, {"role": "caregiver", "name": "Luis Picture", "detail": "son"})
    assert bad.status_code == 400
    html = bad.content.decode()
    assert 'value="Luis Picture"' in html and 'value="son"' in html  # what was typed is kept
    assert re.search(r'name="phone"[^>]*aria-invalid="true"[^>]*>\s*<span class="error"', html)
    client.post(url, {"role": "caregiver", "name": "Luis Picture", "detail": "son", "phone": "555-0101", "may_share": "on"})  # fmt: skip
    client.post(url, {"role": "pharmacy", "name": "Corner Pharmacy", "phone": "555-0199"})
    team = section(page(client, patient), "care-team")
    assert "Luis Picture" in team and "may share" in team and "Corner Pharmacy" in team
    with scope(organization=t.org):
        member = CareTeamMember.objects.get(name="Corner Pharmacy")
    assert client.get(f"/patients/care-team/{member.uid}/remove/").status_code == 302
    with scopes_disabled():
        assert CareTeamMember.objects.filter(pk=member.pk).exists()  # a GET changes nothing
    client.post(f"/patients/care-team/{member.uid}/remove/")
    with scopes_disabled():
        assert not CareTeamMember.objects.filter(pk=member.pk).exists()


def test_an_auditor_sees_the_care_team_but_may_not_add_to_it(cast, login, patient):
    client = login(cast.acme.auditor)
    assert "Add to the care team" not in page(client, patient)
    url = f"/patients/{patient.uid}/care-team/"
    assert client.post(url, {"role": "pcp", "name": "X", "phone": "1"}).status_code == 403


def test_timeline_lists_goal_progress_medication_reconciliation_and_assessments(cast, login):
    from ccmweb.careplans.models import CarePlan
    from ccmweb.careplans.services import latest_version

    t = cast.acme
    enroll(t.patient, t.practitioner, t.coordinator)
    with scopes_disabled():
        Medication.objects.create(organization=t.org, patient=t.patient, source_id="m1", status="active", rxnorm_code="860975", display="metformin 500 MG Oral Tablet")  # fmt: skip
        plan = CarePlan.objects.get(patient=t.patient)
        goal = latest_version(plan).content["problems"][0]["goals"][0]
    client = login(t.coordinator)
    client.post(f"/careplans/{plan.uid}/progress/", {"goal": goal["id"], "status": "in_progress"})
    client.post(f"/medications/{t.patient.uid}/reconcile/", {"m-0-key": "rx:860975", "m-0-outcome": "stopped", "m-0-dose": "", "minutes": ""})  # fmt: skip
    client.post(f"/assessments/{t.patient.uid}/phq9/", {f"q{n}": "2" if n <= 5 else "0" for n in range(1, 10)})  # fmt: skip
    timeline = section(page(client, t.patient), "timeline")
    kinds = re.findall(r'<li class="event-(\w+)">', timeline)
    assert {"goal_progress", "medication_reconciliation", "assessment"} <= set(kinds)
    assert f"Goal progress: {goal['goal']}: In progress" in timeline
    assert "Medications reconciled: 1 discrepancy" in timeline
    assert "PHQ-9: 10 (moderate) — over the cut-off" in timeline
    assert kinds.count("care_plan") == 2  # version 1 written and signed, listed once each


def test_the_page_reads_as_many_statements_whatever_the_patients_history(cast, login, patient):
    """Each source of the page is read once, whatever the patient has on record: more time,
    outreach, plan versions, copies and goal progress add rows, not statements."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ccmweb.careplans import services as careplans
    from ccmweb.careplans.models import CarePlan

    t = cast.acme
    client = login(t.coordinator)

    def statements() -> int:
        with CaptureQueriesContext(connection) as seen:
            page(client, patient)
        return len(seen.captured_queries)

    with scope(organization=t.org):
        plan = CarePlan.objects.get(patient=patient)
        version = careplans.latest_version(plan)
        careplans.record_copy_given(version, method="mail", by=t.coordinator)
        goal = version.content["problems"][0]["goals"][0]
        careplans.record_progress(
            plan, goal_id=goal["id"], status="in_progress", note="", by=t.coordinator
        )
    statements()  # the first request after the log-in also writes the session
    few = statements()
    with scope(organization=t.org):
        fresh = Patient.objects.select_related("practice").get(pk=patient.pk)
        for minutes in (5, 7, 9):
            services.add_time(t.coordinator, "coordinator", t.org, fresh, NewTime(minutes, "patient_call"))  # fmt: skip
            OutreachAttempt.objects.create(organization=t.org, patient=patient, user=t.coordinator, at=timezone.now(), channel="call", outcome="reached")  # fmt: skip
        revised = careplans.revise(plan, content=version.content, by=t.practitioner.user)
        careplans.record_copy_given(revised, method="portal", by=t.coordinator)
        careplans.record_progress(plan, goal_id=goal["id"], status="met", note="", by=t.coordinator)
    assert statements() == few


def test_an_exports_old_readings_show_with_their_dates_and_only_the_last_twelve(
    cast, login, patient
):
    """An EMR export's vitals may all be years old: the latest is shown with its date (not
    hidden for its age), each trend drawn from the last twelve readings of its kind."""
    t = cast.acme
    with scopes_disabled():
        Measurement.objects.filter(patient=patient).delete()
        for i in range(15):
            Measurement.objects.create(
                organization=t.org,
                patient=patient,
                source_id=f"old{i}",
                kind="weight",
                date=dt.date(2019, 1, 1) + dt.timedelta(days=30 * i),
                value=Decimal(80 + i),
                unit="kg",
            )
    trends = section(page(login(t.coordinator), patient), "trends")
    assert "<strong>94</strong> kg" in trends and "on 2020-02-25" in trends
    (line,) = re.findall(r'<polyline [^>]*points="([^"]+)"', trends)
    assert len(line.split()) == 12
    assert "from 2019-04-01 to 2020-02-25" in trends  # readings 4 to 15, not the first three
