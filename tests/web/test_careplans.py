"""Care plans: who may create, revise and sign; versions in force; the patient copy."""

import datetime as dt

import pytest
from django_scopes import scope, scopes_disabled

from ccmweb.careplans import services, testdata
from ccmweb.careplans.content import TEMPLATES, from_form, from_template, to_form
from ccmweb.careplans.models import AppendOnlyError, CarePlan, CarePlanCopyGiven, CarePlanVersion

DAY = dt.date(2026, 1, 10)


def enroll(tenant):
    with scope(organization=tenant.org):
        testdata.enrolled(tenant)


def make_plan(tenant, template="diabetes"):
    with scope(organization=tenant.org):
        return services.create_care_plan(
            tenant.patient,
            content=from_template(template, DAY),
            template=template,
            by=tenant.practitioner.user,
        )


def at(day):
    return dt.datetime.combine(day, dt.time(15), tzinfo=dt.UTC)


def form_of(template):
    return to_form(from_template(template, DAY))


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_every_template_has_measurable_goals_and_round_trips_through_the_form(template):
    content = from_template(template, DAY)
    assert {"diabetes", "hypertension", "heart_failure", "copd", "ckd", "depression"} <= set(
        TEMPLATES
    )
    assert all(g["target"] and g["due"] > DAY.isoformat() for g in content["goals"])
    assert all(i["responsible"] for i in content["interventions"])
    parsed, errors = from_form(to_form(content))
    assert errors == [] and parsed == content


def test_a_goal_without_target_or_due_date_is_refused():
    form = form_of("copd")
    form["goals"] = "Breathe better"
    _content, errors = from_form(form)
    assert errors == ["Goal 1: write it as goal | target | due date (YYYY-MM-DD)."]


def test_the_version_in_force_on_a_date(cast):
    enroll(cast.acme)
    plan = make_plan(cast.acme)
    user = cast.acme.practitioner.user
    with scope(organization=cast.acme.org):
        v1 = services.latest_version(plan)
        assert services.version_in_force(plan, DAY) is None  # unsigned is not in force
        services.sign(v1, user=user, now=at(DAY))
        v2 = services.revise(
            plan, content=from_template("hypertension", DAY), by=cast.acme.coordinator
        )
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
        version.content = {"problems": ["edited"]}
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


def test_practitioner_creates_a_plan_from_a_template(cast, login):
    enroll(cast.acme)
    c = login(cast.acme.practitioner.user)
    page = c.get(f"/careplans/new/{cast.acme.patient.uid}/?template=heart_failure")
    assert b"Daily weight log" in page.content and b"Template" in page.content
    response = c.post(
        f"/careplans/new/{cast.acme.patient.uid}/",
        {**form_of("heart_failure"), "template": "heart_failure"},
    )
    assert response.status_code == 302
    with scopes_disabled():
        plan = CarePlan.objects.get(patient=cast.acme.patient)
        assert plan.template == "heart_failure"
        assert plan.versions.get().content["goals"][0]["goal"] == "Daily weight log"


def test_the_new_plan_suggests_the_template_of_the_patients_condition(cast, login):
    c = login(cast.acme.practitioner.user)
    page = c.get(f"/careplans/new/{cast.acme.patient.uid}/")  # E11.9 on record
    assert b"HbA1c below target" in page.content


def test_nurse_cannot_create_but_can_revise(cast, login):
    enroll(cast.acme)
    plan = make_plan(cast.acme)
    c = login(cast.acme.coordinator)
    assert c.get(f"/careplans/new/{cast.acme.patient.uid}/").status_code == 403
    assert c.post(f"/careplans/new/{cast.acme.patient.uid}/", form_of("ckd")).status_code == 403
    response = c.post(f"/careplans/{plan.uid}/revise/", form_of("ckd"))
    assert response.status_code == 302
    with scopes_disabled():
        assert [v.created_by for v in plan.versions.order_by("number")] == [
            cast.acme.practitioner.user,
            cast.acme.coordinator,
        ]
        latest = plan.versions.order_by("number").last()
    assert c.post(f"/careplans/version/{latest.uid}/sign/").status_code == 403


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
