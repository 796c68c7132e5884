"""Care plans: who may create, revise and sign; versions in force; the patient copy."""

import datetime as dt

import pytest
from django_scopes import scope, scopes_disabled

from ccm.rules.care_plan import ELEMENTS, missing_elements
from ccmweb.careplans import services, testdata
from ccmweb.careplans.content import TEMPLATES, combine, diff, from_form, normalize
from ccmweb.careplans.events import patient_events
from ccmweb.careplans.models import (
    AppendOnlyError,
    CarePlan,
    CarePlanCopyGiven,
    CarePlanVersion,
    GoalProgress,
)
from ccmweb.patients.models import Condition

DAY = dt.date(2026, 1, 10)
PROBLEMS = {"E11.9": "Type 2 diabetes", "I10": "Hypertension"}


def enroll(tenant):
    with scope(organization=tenant.org):
        testdata.enrolled(tenant)


def make_plan(tenant):
    with scope(organization=tenant.org):
        return services.create_care_plan(
            tenant.patient,
            content=services.starting_content(tenant.patient, DAY),
            template="diabetes",
            by=tenant.practitioner.user,
        )


def at(day):
    return dt.datetime.combine(day, dt.time(15), tzinfo=dt.UTC)


def as_form(content):
    """CONTENT as the editor posts it."""
    form = {"priorities": content.get("priorities", ""), "action": "save"}
    for key, text in content["elements"].items():
        form[f"el-{key}"] = text
    for n, p in enumerate(content["problems"]):
        form[f"p-{n}-code"] = p["code"]
        form[f"p-{n}-barriers"] = p["barriers"]
        for m, g in enumerate(p["goals"]):
            for field in ("id", "goal", "target", "due", "status"):
                form[f"p-{n}-g-{m}-{field}"] = g[field]
        for m, i in enumerate(p["interventions"]):
            for field in ("intervention", "owner", "due"):
                form[f"p-{n}-i-{m}-{field}"] = i[field]
    return form


def two_problems():
    return combine(None, PROBLEMS.items(), DAY)


def test_templates_combine_per_problem_and_round_trip_through_the_form():
    content = two_problems()
    assert [p["code"] for p in content["problems"]] == ["E11.9", "I10"]
    diabetes, hypertension = content["problems"]
    assert diabetes["goals"][0]["goal"] == "HbA1c below target"
    assert hypertension["goals"][0]["goal"] == "Blood pressure at goal"
    # both conditions' texts, not one replacing the other
    assert "Diabetes:" in content["elements"]["expected_outcome"]
    assert "Hypertension:" in content["elements"]["expected_outcome"]
    assert all(g["target"] and g["due"] > DAY.isoformat() for g in diabetes["goals"])
    assert all(i["owner"] and i["due"] for i in hypertension["interventions"])
    parsed, errors = from_form(as_form(content), PROBLEMS)
    assert errors == [] and parsed == content
    # adding a condition later keeps what is there
    again = combine(parsed, [("E11.9", "Type 2 diabetes"), ("N18.3", "CKD 3")], DAY)
    assert [p["code"] for p in again["problems"]] == ["E11.9", "I10", "N18.3"]
    assert again["problems"][0] == parsed["problems"][0]


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_every_template_has_measurable_goals(template):
    for goal, target, days in TEMPLATES[template]["goals"]:
        assert goal and target and days > 0


def test_a_goal_without_target_or_due_date_is_refused_naming_problem_and_row():
    form = as_form(two_problems())
    form["p-1-g-0-target"] = ""
    form["p-0-g-1-due"] = "soon"
    content, errors = from_form(form, PROBLEMS)
    assert errors == [
        "Type 2 diabetes, goal 2: the due date must be a date (YYYY-MM-DD).",
        "Hypertension, goal 1: a measurable target is needed.",
    ]
    assert content["problems"][0]["goals"][1]["due"] == "soon"  # what was typed is kept


def test_a_problem_must_come_from_the_problem_list():
    form = as_form(two_problems())
    form["p-1-code"] = "Z99.9"
    _content, errors = from_form(form, PROBLEMS)
    assert errors == ["Problem 2: choose the problem from the patient's problem list."]


def test_the_elements_come_from_the_core_and_missing_ones_are_named():
    keys = [e.key for e in ELEMENTS]
    assert keys[:4] == ["problems", "expected_outcome", "prognosis", "goals"]
    content = two_problems()
    missing = {e.key for e in missing_elements(content)}
    assert missing == {"cognitive_functional", "environmental", "caregiver"}
    assert {e.key for e in missing_elements(normalize({}))} == set(keys)


def test_the_diff_says_what_changed_in_words():
    old = two_problems()
    new = normalize(old)
    new["problems"][0]["goals"][0]["target"] = "HbA1c < 7%"
    new["problems"][0]["goals"][1]["status"] = "met"
    new["problems"].pop(1)
    new["priorities"] = "Walk to church"
    assert diff(old, new) == [
        "Problem removed: Hypertension.",
        "Type 2 diabetes: HbA1c below target: target HbA1c < 7.5% → HbA1c < 7%.",
        "Type 2 diabetes: Daily foot checks: status Not started → Met.",
        "The patient's priorities changed.",
    ]


def test_the_version_in_force_on_a_date(cast):
    enroll(cast.acme)
    plan = make_plan(cast.acme)
    user = cast.acme.practitioner.user
    with scope(organization=cast.acme.org):
        v1 = services.latest_version(plan)
        assert services.version_in_force(plan, DAY) is None  # unsigned is not in force
        services.sign(v1, user=user, now=at(DAY))
        v2 = services.revise(plan, content=two_problems(), by=cast.acme.coordinator)
        assert services.version_in_force(plan, dt.date(2026, 3, 1)) == v1  # v2 is not signed yet
        services.sign(v2, user=user, now=at(dt.date(2026, 3, 1)))
        assert services.version_in_force(plan, dt.date(2026, 2, 28)) == v1
        assert services.version_in_force(plan, dt.date(2026, 3, 1)) == v2
        assert services.version_in_force(plan, dt.date(2026, 1, 9)) is None
        assert [v.number for v in plan.versions.order_by("number")] == [1, 2]


def test_versions_are_append_only_and_signed_once(cast):
    enroll(cast.acme)
    plan = make_plan(cast.acme)
    with scope(organization=cast.acme.org):
        version = services.latest_version(plan)
        version.content = {"problems": []}
        with pytest.raises(AppendOnlyError):
            version.save()
        version.refresh_from_db()
        services.sign(version, user=cast.acme.practitioner.user, now=at(DAY))
        with pytest.raises(services.NotAllowed):
            services.sign(version, user=cast.acme.practitioner.user)
        version.signed_at = at(dt.date(2026, 5, 1))
        with pytest.raises(AppendOnlyError):
            version.save(update_fields=["signed_at"])
        with pytest.raises(AppendOnlyError):
            CarePlanVersion.objects.filter(pk=version.pk).update(content={})
        with pytest.raises(AppendOnlyError):
            version.delete()


def test_only_the_billing_practitioner_signs(cast):
    enroll(cast.acme)
    plan = make_plan(cast.acme)
    with scopes_disabled():
        other = type(cast.acme.coordinator).objects.create_user(username="otherdoc")
        type(cast.acme.practitioner).objects.create(
            organization=cast.acme.org,
            practice=cast.acme.north,
            user=other,
            given_name="O",
            family_name="Doc",
            npi="1245319599",
        )
    with scope(organization=cast.acme.org):
        version = services.latest_version(plan)
        with pytest.raises(services.NotAllowed):
            services.sign(version, user=other)
        with pytest.raises(services.NotAllowed):
            services.sign(version, user=cast.acme.coordinator)
        assert not CarePlanVersion.objects.get(pk=version.pk).is_signed


def test_signing_needs_a_billing_practitioner_on_record(cast):
    plan = make_plan(cast.acme)
    with scope(organization=cast.acme.org), pytest.raises(services.NotAllowed):
        services.sign(services.latest_version(plan), user=cast.acme.practitioner.user)


# --- the pages ------------------------------------------------------------------------------


def test_a_new_plan_has_every_chronic_condition_as_a_problem(cast, login):
    enroll(cast.acme)
    with scopes_disabled():
        Condition.objects.create(
            organization=cast.acme.org, patient=cast.acme.patient, icd10_code="I50.9",
            display="Heart failure",
        )  # fmt: skip
    c = login(cast.acme.practitioner.user)
    page = c.get(f"/careplans/new/{cast.acme.patient.uid}/")
    for words in (b"HbA1c below target", b"Blood pressure at goal", b"Daily weight log"):
        assert words in page.content
    with scope(organization=cast.acme.org):
        content = services.starting_content(cast.acme.patient, DAY)
    form = as_form(content)
    form["priorities"] = "Keep gardening"
    response = c.post(f"/careplans/new/{cast.acme.patient.uid}/", form)
    assert response.status_code == 302
    with scopes_disabled():
        plan = CarePlan.objects.get(patient=cast.acme.patient)
        saved = plan.versions.get().content
    assert sorted(p["code"] for p in saved["problems"]) == ["E11.9", "I10", "I50.9"]
    assert saved["priorities"] == "Keep gardening"


def test_adding_a_problem_from_the_list_saves_nothing_and_keeps_what_was_typed(cast, login):
    enroll(cast.acme)
    c = login(cast.acme.practitioner.user)
    form = as_form(combine(None, [("E11.9", "Type 2 diabetes")], DAY))
    form["p-0-barriers"] = "Cost of strips"
    form.update({"action": "add", "add": "I10"})
    page = c.post(f"/careplans/new/{cast.acme.patient.uid}/", form)
    assert page.status_code == 200 and b"Cost of strips" in page.content
    assert b"Blood pressure at goal" in page.content
    with scopes_disabled():
        assert not CarePlan.objects.filter(patient=cast.acme.patient).exists()


def test_a_failed_save_shows_the_error_and_keeps_the_form(cast, login):
    enroll(cast.acme)
    c = login(cast.acme.practitioner.user)
    form = as_form(two_problems())
    form["p-0-g-0-target"] = ""
    form["p-0-barriers"] = "Lives alone"
    page = c.post(f"/careplans/new/{cast.acme.patient.uid}/", form)
    assert page.status_code == 400
    assert b"a measurable target is needed" in page.content and b"Lives alone" in page.content


def test_nurse_cannot_create_but_can_revise_and_the_version_shows_the_diff(cast, login):
    enroll(cast.acme)
    plan = make_plan(cast.acme)
    c = login(cast.acme.coordinator)
    assert c.get(f"/careplans/new/{cast.acme.patient.uid}/").status_code == 403
    with scopes_disabled():
        content = normalize(plan.versions.get().content)
    assert c.post(f"/careplans/new/{cast.acme.patient.uid}/", as_form(content)).status_code == 403
    content["problems"][0]["barriers"] = "No car"
    response = c.post(f"/careplans/{plan.uid}/revise/", as_form(content))
    assert response.status_code == 302
    with scopes_disabled():
        assert [v.created_by for v in plan.versions.order_by("number")] == [
            cast.acme.practitioner.user,
            cast.acme.coordinator,
        ]
        latest = plan.versions.order_by("number").last()
    assert c.post(f"/careplans/version/{latest.uid}/sign/").status_code == 403
    detail = c.get(f"/careplans/{plan.uid}/")
    assert b"Changed from version 1" in detail.content and b"barriers changed" in detail.content


def test_goal_progress_recorded_in_a_call_shows_in_the_plan_and_the_events(cast, login):
    enroll(cast.acme)
    plan = make_plan(cast.acme)
    with scopes_disabled():
        goal = normalize(plan.versions.get().content)["problems"][0]["goals"][0]
    c = login(cast.acme.coordinator)
    url = f"/careplans/{plan.uid}/progress/"
    c.post(url, {"goal": goal["id"], "status": "in_progress", "note": "A1c 8.1"})
    c.post(url, {"goal": "nope", "status": "met"})
    assert c.get(url).status_code == 405
    with scopes_disabled():
        (row,) = GoalProgress.objects.filter(care_plan=plan)
        assert (row.status, row.note, row.recorded_by) == (
            "in_progress",
            "A1c 8.1",
            cast.acme.coordinator,
        )
        events = patient_events(cast.acme.patient)
    detail = c.get(f"/careplans/{plan.uid}/").content.decode()
    assert "In progress" in detail and "A1c 8.1" in detail
    assert any(e.kind == "goal_progress" and goal["goal"] in e.title for e in events)
    assert any(e.title == "Care plan version 1 written" for e in events)


def test_sign_download_and_record_copy_given(cast, login):
    enroll(cast.acme)
    plan = make_plan(cast.acme)
    with scopes_disabled():
        version = plan.versions.get()
    c = login(cast.acme.practitioner.user)
    detail = c.get(f"/careplans/{plan.uid}/")
    assert b"Sign care plan" in detail.content
    c.post(f"/careplans/version/{version.uid}/sign/")
    detail = c.get(f"/careplans/{plan.uid}/")
    assert b"in force" in detail.content and b"Download patient copy" in detail.content
    pdf = c.get(f"/careplans/version/{version.uid}/patient-copy.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    c.post(f"/careplans/version/{version.uid}/copy-given/", {"method": "mail"})
    with scopes_disabled():
        given = CarePlanCopyGiven.objects.get(version=version)
    assert given.method == "mail" and given.given_by == cast.acme.practitioner.user


def test_practitioner_at_other_org_gets_404(cast, login):
    enroll(cast.bravo)
    plan = make_plan(cast.bravo)
    with scopes_disabled():
        version = plan.versions.get()
    c = login(cast.acme.practitioner.user)
    assert c.get(f"/careplans/{plan.uid}/").status_code == 404
    assert c.post(f"/careplans/version/{version.uid}/sign/").status_code == 404
    assert c.get(f"/careplans/version/{version.uid}/patient-copy.pdf").status_code == 404
    assert c.get(f"/careplans/new/{cast.bravo.patient.uid}/").status_code == 404
    with scopes_disabled():
        assert not CarePlanVersion.objects.get(pk=version.pk).is_signed


def test_old_plans_move_to_the_structured_shape_with_their_words():
    import importlib

    migration = importlib.import_module(
        "ccmweb.careplans.migrations.0002_goal_progress_and_structured_content"
    )
    old = {
        "problems": ["Type 2 diabetes mellitus", "Obesity"],
        "expected_outcome": "Sugar in range.",
        "goals": [{"goal": "HbA1c below target", "target": "< 7.5%", "due": "2026-04-10"}],
        "interventions": [{"intervention": "Review log", "responsible": "Care coordinator"}],
    }
    conditions = [("I10", "Hypertension"), ("E11.9", "Type 2 diabetes")]
    new = migration.upgrade(old, "diabetes", conditions)
    first, second = new["problems"]
    assert (first["code"], first["display"]) == ("E11.9", "Type 2 diabetes mellitus")
    assert (second["code"], second["goals"]) == ("", [])
    assert first["goals"][0]["target"] == "< 7.5%" and first["goals"][0]["status"] == "not_started"
    assert first["interventions"] == [
        {"intervention": "Review log", "owner": "Care coordinator", "due": ""}
    ]
    assert new["elements"]["expected_outcome"] == "Sugar in range." and new["legacy"] == old
    assert migration.upgrade(new, "diabetes", conditions) is None  # already moved
    assert normalize(new)["problems"][0]["goals"][0]["goal"] == "HbA1c below target"


def test_the_patient_page_shows_each_plan_s_version_in_force_and_the_one_awaiting_signature(
    cast, login
):
    enroll(cast.acme)
    plan, user = make_plan(cast.acme), cast.acme.practitioner.user
    page = f"/patients/{cast.acme.patient.uid}/"
    client = login(cast.acme.coordinator)
    assert "not signed yet" in client.get(page).content.decode()
    with scope(organization=cast.acme.org):
        services.sign(services.latest_version(plan), user=user, now=at(DAY))
        services.revise(plan, content=two_problems(), by=cast.acme.coordinator)
    html = " ".join(client.get(page).content.decode().split())
    assert "version 1 in force since 2026-01-10 · version 2 awaiting signature" in html
