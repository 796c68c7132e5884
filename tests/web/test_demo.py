"""`ccm demo`: the demo tenant, its staff and generated patients, made idempotently."""

import datetime as dt
import io
import re
import sys
import types
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_scopes import scopes_disabled

from ccm.population import generate_patients
from ccmweb.imports.models import Measurement, Medication
from ccmweb.patients.models import Allergy, Condition, Coverage, Encounter, Patient
from ccmweb.patients.validators import MBI_RE
from ccmweb.tenants.demo_context import DEMO_HOOK_APPS, DEMO_USERNAMES
from ccmweb.tenants.models import Membership, Organization, Practice, Practitioner
from ccmweb.tenants.validators import npi_is_valid

pytestmark = pytest.mark.django_db


def demo(patients: int, **options) -> str:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    call_command("demo", patients=patients, stdout=out, **options)
    return out.getvalue()


def counts(slug: str = "demo-clinic") -> dict[str, int]:
    """Rows of one demo practice (the main one unless SLUG says the FQHC)."""
    with scopes_disabled():
        return {
            "patients": Patient.objects.filter(practice__slug=slug).count(),
            "conditions": Condition.objects.filter(patient__practice__slug=slug).count(),
            "encounters": Encounter.objects.filter(patient__practice__slug=slug).count(),
            "coverages": Coverage.objects.filter(patient__practice__slug=slug).count(),
            "medications": Medication.objects.filter(patient__practice__slug=slug).count(),
            "measurements": Measurement.objects.filter(patient__practice__slug=slug).count(),
            "allergies": Allergy.objects.filter(patient__practice__slug=slug).count(),
        }


def mrns() -> list[str]:
    with scopes_disabled():
        return sorted(Patient.objects.values_list("mrn", flat=True))


def logs_in(username: str, password: str) -> bool:
    return Client().post("/login/", {"username": username, "password": password}).status_code == 302


def printed_password(output: str) -> str:
    found = re.search(r"password:\s+(\S+)", output)
    assert found, output
    return found.group(1)


def test_demo_with_no_patients_makes_org_practice_and_staff_only(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("CCM_DEMO_PASSWORD", raising=False)
    demo(0)
    with scopes_disabled():
        org = Organization.objects.get(slug="demo")
        assert org.kind == Organization.Kind.SERVICE_COMPANY
        practice = Practice.objects.get(organization=org, slug="demo-clinic")
        practice.full_clean()
        assert practice.locality == "" and practice.time_zone == "America/New_York"
        assert npi_is_valid(practice.billing_npi)
        practitioners = list(Practitioner.objects.filter(practice=practice))
        assert len(practitioners) == 2 and all(npi_is_valid(p.npi) for p in practitioners)
        assert any(p.user and p.user.username == "practitioner" for p in practitioners)
        roles = dict(
            Membership.objects.filter(organization=org).values_list("user__username", "role")
        )
    assert roles == {
        "coordinator": "coordinator",
        "coordinator2": "coordinator",
        "practitioner": "practitioner",
        "biller": "biller",
        "admin": "admin",
        "auditor": "auditor",
    }
    assert set(counts().values()) == {0}
    with scopes_disabled():
        assert Patient.objects.count() == 0  # the FQHC has none either


def test_generated_password_is_printed_once_and_works(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("CCM_DEMO_PASSWORD", raising=False)
    first = demo(0)
    password = printed_password(first)
    assert all(name in first for name in DEMO_USERNAMES)
    User = get_user_model()
    assert password not in User.objects.get(username="coordinator").password  # a hash only
    second = demo(0)
    assert password not in second and "already exist" in second
    assert logs_in("coordinator", password) and logs_in("auditor", password)


def test_demo_password_from_the_environment_is_set_every_run(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("CCM_DEMO_PASSWORD", raising=False)
    generated = printed_password(demo(0))
    monkeypatch.setenv("CCM_DEMO_PASSWORD", "a-demo-password-for-scripts")
    output = demo(0)
    assert "a-demo-password-for-scripts" not in output
    assert logs_in("biller", "a-demo-password-for-scripts")
    assert not logs_in("admin", generated)


def test_demo_twice_changes_nothing(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CCM_DEMO_PASSWORD", "a-demo-password-for-scripts")
    demo(30)
    before, before_mrns, fqhc = counts(), mrns(), counts("demo-fqhc")
    assert before["patients"] == 30 and before["conditions"] > 30 and before["encounters"] > 100
    assert before["medications"] > 30 and before["measurements"] > 100 and before["allergies"]
    assert fqhc["patients"] == 3  # one FQHC patient for every ten
    demo(30)
    assert counts() == before and mrns() == before_mrns and counts("demo-fqhc") == fqhc
    demo(10)  # fewer asked for than exist: nothing removed, nothing added
    assert counts() == before and counts("demo-fqhc") == fqhc


def test_demo_with_more_patients_adds_only_the_new_ones(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CCM_DEMO_PASSWORD", "a-demo-password-for-scripts")
    demo(20)
    first = mrns()
    output = demo(40)
    assert "40 patients (20 new)" in output
    assert counts()["patients"] == 40 and set(first) < set(mrns())
    # patient i is the same whatever N: the 20 + 20 made are the generator's first 40
    with scopes_disabled():
        people = sorted(
            Patient.objects.filter(practice__slug="demo-clinic").values_list(
                "mrn", "given_name", "family_name", "mbi"
            )
        )
    expected = generate_patients(40, seed=2026, today=dt.date(2026, 1, 1))  # names ignore today
    assert people == [(g.mrn, g.given_name, g.family_name, g.mbi) for g in expected]


def test_demo_patients_are_valid_and_each_has_a_coordinator(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CCM_DEMO_PASSWORD", "a-demo-password-for-scripts")
    demo(60)
    with scopes_disabled():
        patients = list(Patient.objects.prefetch_related("conditions", "coverages"))
        for patient in patients:
            patient.full_clean()
            assert MBI_RE.fullmatch(patient.mbi)
            assert patient.coordinator is not None
            if patient.coordinator.username == "coordinator":
                assert len(patient.conditions.all()) >= 2  # CCM needs two chronic conditions
            kinds = {c.kind for c in patient.coverages.all()}
            assert patient.part_b is not True or "medicare_part_b" in kinds
        assert {p.coordinator.username for p in patients} == {"coordinator", "coordinator2"}


def test_hooks_run_in_order_with_every_demo_patient(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CCM_DEMO_PASSWORD", "a-demo-password-for-scripts")
    demo(5)
    calls = []
    for app in DEMO_HOOK_APPS:
        hook = types.ModuleType(f"ccmweb.{app}.demo")
        hook.seed = lambda context, app=app: calls.append((app, context))  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, f"ccmweb.{app}.demo", hook)
    demo(8)
    assert [app for app, _ in calls] == list(DEMO_HOOK_APPS) * 2  # the clinic's, the FQHC's
    hooks = len(DEMO_HOOK_APPS)
    assert [c.practice.slug for _, c in calls] == ["demo-clinic"] * hooks + ["demo-fqhc"] * hooks
    context = calls[0][1]
    assert context.patients.count() == 8  # all of them, not only the three new ones
    assert context.practice.slug == "demo-clinic" and set(DEMO_USERNAMES) <= set(context.users)
    assert context.practitioners[0].user == context.users["practitioner"]
    assert set(context.programs.values()) <= {"ccm", "pcm", "apcm"}
    for patient_id, program in context.programs.items():
        patient = context.patients.get(id=patient_id)
        assert patient.part_b is True and patient.deceased_date is None
        assert (program == "ccm") == (patient.coordinator.username == "coordinator")


@pytest.fixture(scope="class")
def forty(class_db, django_db_blocker) -> str:  # type: ignore[no-untyped-def]
    """`ccm demo --patients 40` made once for a class (class_db in tests/web/conftest.py: each
    test in a savepoint of it, its writes undone after it): the command's output."""
    with pytest.MonkeyPatch.context() as env, django_db_blocker.unblock():
        env.setenv("CCM_DEMO_PASSWORD", "a-demo-password-for-scripts")
        return demo(40)


class TestTheDemoOfFortyPatients:
    """What these tests read of the demo of 40 patients is made once for them (`forty`)."""

    def test_the_fqhc_has_patients_across_the_g0511_transition(self, forty: str) -> None:
        """issue 18: a second practice, an FQHC billing on the 837I, whose patients consented
        before September 2025 and have time in 2025-09 (G0511) and 2025-10 (the individual codes)."""
        from ccmweb.enrollment.models import ConsentRecord
        from ccmweb.timelog.models import TimeEntry

        output = forty
        assert "practice demo-fqhc (Federally qualified health center): 4 patients" in output
        with scopes_disabled():
            fqhc = Practice.objects.get(slug="demo-fqhc")
            fqhc.full_clean()
            assert fqhc.claim_form == "837i" and len(fqhc.postal_code.replace("-", "")) == 9
            patients = Patient.objects.filter(practice=fqhc)
            assert all(p.mrn.startswith("F") for p in patients)
            clinic_mbis = set(Patient.objects.exclude(practice=fqhc).values_list("mbi", flat=True))
            assert not clinic_mbis & {p.mbi for p in patients}
            consents = ConsentRecord.objects.filter(patient__practice=fqhc, decision="accepted")
            assert consents and all(c.effective_date < dt.date(2025, 9, 1) for c in consents)
            months = {
                (e.started_at.year, e.started_at.month)
                for e in TimeEntry.objects.filter(patient__practice=fqhc)
            }
            assert {(2025, 9), (2025, 10)} <= months

    def test_demo_patients_have_the_clinical_picture_an_emr_export_brings(self, forty: str) -> None:
        """Medicines follow the conditions (metformin only with diabetes), an HbA1c only for
        diabetes, an eGFR only with CKD, and the patient page shows them."""
        with scopes_disabled():
            patients = list(
                Patient.objects.filter(
                    practice__slug="demo-clinic", deceased_date=None
                ).prefetch_related("conditions", "medications", "measurements")
            )
            for patient in patients:
                codes = [c.icd10_code for c in patient.conditions.all()]
                kinds = {m.kind for m in patient.measurements.all()}
                medicines = {m.display for m in patient.medications.all() if m.status == "active"}
                diabetic = any(c.startswith("E11") for c in codes)
                assert ("hba1c" in kinds) <= diabetic
                assert ("egfr" in kinds) <= any(c.startswith("N18") for c in codes)
                assert any("Metformin" in m for m in medicines) == diabetic
            shown = next(
                p for p in patients if any(m.status == "active" for m in p.medications.all())
            )
            medicine = next(m.display for m in shown.medications.all() if m.status == "active")
        client = Client()
        assert (
            client.post(
                "/login/", {"username": "coordinator", "password": "a-demo-password-for-scripts"}
            ).status_code
            == 302
        )
        page = client.get(f"/patients/{shown.uid}/")
        assert page.status_code == 200 and medicine in page.content.decode()

    def test_past_care_plan_tasks_are_history_and_the_day_plan_shows_what_is_due_now(
        self, forty: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Plans signed months ago made tasks due long ago: the demo has them done by their
        assignee when due, except one in ten left overdue; nothing is done twice on a rerun."""
        from ccmweb.care_tasks.demo import HISTORY_BEFORE_DAYS
        from ccmweb.care_tasks.models import CareTask

        monkeypatch.setenv("CCM_DEMO_PASSWORD", "a-demo-password-for-scripts")  # the rerun's
        with scopes_disabled():
            tasks = list(CareTask.objects.filter(practice__slug="demo-clinic"))
            today = timezone.localdate(timezone=ZoneInfo("America/New_York"))  # the demo's zone
            cutoff = today - dt.timedelta(days=HISTORY_BEFORE_DAYS)
            done = [t for t in tasks if t.status == "done"]
            overdue = [t for t in tasks if t.status == "open" and t.due < cutoff]
            assert done and all(
                t.done_by_id == t.assignee_id and t.done_at.date() == t.due for t in done
            )
            assert all(t.pk % 10 == 0 or t.assignee_id is None for t in overdue)
            assert any(t.status == "open" and t.due >= cutoff for t in tasks)
        before = sorted((t.pk, t.status) for t in tasks)
        demo(40)
        with scopes_disabled():
            after = sorted(
                CareTask.objects.filter(practice__slug="demo-clinic").values_list("pk", "status")
            )
        assert after == before
