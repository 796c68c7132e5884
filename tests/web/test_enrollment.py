"""Consent, revocation, the initiating visit and the enrollment facts the month close reads."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scope, scopes_disabled

from ccm.periods import BillingMonth
from ccm.rules.month import evaluate_month
from ccm.types import MonthCase, TimeEntry
from ccm.types import Patient as CorePatient
from ccm.types import Practice as CorePractice
from ccmweb.accounts.models import AccessLog
from ccmweb.careplans import services as careplans
from ccmweb.enrollment.models import AppendOnlyError, ConsentRecord, Enrollment
from ccmweb.enrollment.services import (
    effective_end,
    enrollment_facts,
    enrollment_facts_for,
    expected_monthly_coinsurance,
    record_consent,
    revoke_consent,
)
from ccmweb.patients.models import Encounter, Patient

JAN5 = dt.datetime(2026, 1, 5, 15, 0, tzinfo=dt.UTC)


def consent(tenant, *, day=dt.date(2026, 1, 5), decision="accepted", program="ccm", **extra):
    with scope(organization=tenant.org):
        return record_consent(
            tenant.patient,
            program=program,
            decision=decision,
            billing_practitioner=tenant.practitioner,
            method="verbal",
            obtained_by=tenant.coordinator,
            effective_date=day,
            now=JAN5,
            **extra,
        )


def signed_plan(tenant, *, at=dt.datetime(2026, 1, 10, 15, tzinfo=dt.UTC)):
    with scope(organization=tenant.org):
        plan = careplans.create_care_plan(
            tenant.patient,
            content=careplans.starting_content(tenant.patient, at.date()),
            template="diabetes",
            by=tenant.practitioner.user,
        )
        careplans.sign(careplans.latest_version(plan), user=tenant.practitioner.user, now=at)
        return plan


# --- the facts other apps build month cases from --------------------------------------------


def test_facts_of_a_consented_patient_match_the_month_contract(cast):
    consent(cast.acme)
    signed_plan(cast.acme)
    with scope(organization=cast.acme.org):
        facts = enrollment_facts(cast.acme.patient, BillingMonth(2026, 3))
    assert facts.as_json() == {
        "program": "ccm",
        "consent_date": "2026-01-05",
        "consent_revoked_date": None,
        "initiating_visit_date": "2025-11-20",
        "care_plan_date": "2026-01-10",
    }
    assert facts.billing_practitioner == cast.acme.practitioner


def test_facts_before_consent_know_no_program(cast):
    consent(cast.acme)
    with scope(organization=cast.acme.org):
        facts = enrollment_facts(cast.acme.patient, BillingMonth(2025, 12))
    assert facts.program is None and facts.consent_date is None and facts.to_core() is None
    assert facts.initiating_visit_date == dt.date(2025, 11, 20)


def test_facts_feed_the_rules_core_to_a_99490_month(cast):
    consent(cast.acme)
    signed_plan(cast.acme)
    with scope(organization=cast.acme.org):
        facts = enrollment_facts(cast.acme.patient, BillingMonth(2026, 3))
    case = MonthCase(
        month=BillingMonth(2026, 3),
        practice=CorePractice(),
        patient=CorePatient(True, False, ("E11.9", "I10")),
        enrollment=facts.to_core(),
        time=(TimeEntry(dt.date(2026, 3, 4), 22, "clinical_staff", "ccm"),),
    )
    assert [line.code for line in evaluate_month(case).lines] == ["99490"]


def test_revocation_takes_effect_at_the_end_of_its_month(cast):
    consent(cast.acme)
    with scope(organization=cast.acme.org):
        record = revoke_consent(
            cast.acme.patient,
            obtained_by=cast.acme.coordinator,
            effective_date=dt.date(2026, 2, 10),
        )
        assert effective_end(record) == dt.date(2026, 2, 28)
        assert Enrollment.objects.get(patient=cast.acme.patient).status == "revoked"
        feb = enrollment_facts(cast.acme.patient, BillingMonth(2026, 2))
        jan = enrollment_facts(cast.acme.patient, BillingMonth(2026, 1))
    assert feb.program == "ccm" and feb.consent_revoked_date == dt.date(2026, 2, 10)
    assert jan.consent_revoked_date is None


def test_a_new_consent_after_revocation_opens_the_program_again(cast):
    consent(cast.acme)
    with scope(organization=cast.acme.org):
        revoke_consent(
            cast.acme.patient,
            obtained_by=cast.acme.coordinator,
            effective_date=dt.date(2026, 2, 10),
        )
    consent(cast.acme, day=dt.date(2026, 4, 2), program="pcm")
    with scope(organization=cast.acme.org):
        facts = enrollment_facts(cast.acme.patient, BillingMonth(2026, 4))
    assert (facts.program, facts.consent_date, facts.consent_revoked_date) == (
        "pcm",
        dt.date(2026, 4, 2),
        None,
    )


def test_an_initiating_visit_by_another_practitioner_does_not_count(cast):
    with scopes_disabled():
        Encounter.objects.filter(patient=cast.acme.patient).update(practitioner=None)
        other = type(cast.acme.practitioner).objects.create(
            organization=cast.acme.org,
            practice=cast.acme.north,
            given_name="Other",
            family_name="Doc",
            npi="1245319599",
        )
        Encounter.objects.filter(patient=cast.acme.patient).update(practitioner=other)
    consent(cast.acme)
    with scope(organization=cast.acme.org):
        facts = enrollment_facts(cast.acme.patient, BillingMonth(2026, 3))
    assert facts.initiating_visit_date is None


def test_the_bulk_facts_agree_with_the_single_ones(cast):
    consent(cast.acme)
    signed_plan(cast.acme)
    with scopes_disabled():
        others = [
            Patient.objects.create(
                organization=cast.acme.org,
                practice=cast.acme.north,
                mrn=f"B{i}",
                given_name="B",
                family_name=f"P{i}",
                birth_date=dt.date(1950, 1, 1),
            )
            for i in range(3)
        ]
    with scope(organization=cast.acme.org):
        record_consent(
            others[0],
            program="apcm",
            decision="accepted",
            method="verbal",
            billing_practitioner=cast.acme.practitioner,
            obtained_by=cast.acme.coordinator,
            effective_date=dt.date(2026, 2, 1),
        )
        record_consent(
            others[1],
            program="ccm",
            decision="declined",
            method="verbal",
            decline_reason="Not interested",
            billing_practitioner=None,
            obtained_by=cast.acme.coordinator,
            effective_date=dt.date(2026, 2, 1),
        )
        ids = [cast.acme.patient.pk, *(p.pk for p in others)]
        month = BillingMonth(2026, 3)
        bulk = enrollment_facts_for(ids, month)
        single = {pid: enrollment_facts(Patient.objects.get(pk=pid), month) for pid in ids}
    assert bulk == single
    assert bulk[others[0].pk].program == "apcm" and bulk[others[1].pk].program is None


def test_the_bulk_facts_run_a_constant_number_of_queries(cast, django_assert_max_num_queries):
    with scopes_disabled():
        patients = [
            Patient.objects.create(
                organization=cast.acme.org,
                practice=cast.acme.north,
                mrn=f"Q{i}",
                given_name="Q",
                family_name=f"P{i}",
                birth_date=dt.date(1950, 1, 1),
            )
            for i in range(40)
        ]
        for p in patients:
            Encounter.objects.create(
                organization=cast.acme.org,
                patient=p,
                type_code="99213",
                date=dt.date(2025, 12, 1),
                practitioner=cast.acme.practitioner,
            )
    with scope(organization=cast.acme.org):
        for p in patients[:20]:
            record_consent(
                p,
                program="ccm",
                decision="accepted",
                method="verbal",
                billing_practitioner=cast.acme.practitioner,
                obtained_by=cast.acme.coordinator,
                effective_date=dt.date(2026, 1, 2),
            )
        with django_assert_max_num_queries(3):
            facts = enrollment_facts_for([p.pk for p in patients], BillingMonth(2026, 3))
    assert sum(1 for f in facts.values() if f.program == "ccm") == 20
    assert all(f.initiating_visit_date == dt.date(2025, 12, 1) for f in facts.values())


# --- append-only and coinsurance ------------------------------------------------------------


def test_consent_records_are_append_only(cast):
    record = consent(cast.acme)
    with scope(organization=cast.acme.org):
        record.decline_reason = "changed"
        with pytest.raises(AppendOnlyError):
            record.save()
        with pytest.raises(AppendOnlyError):
            record.delete()
        with pytest.raises(AppendOnlyError):
            ConsentRecord.objects.filter(pk=record.pk).update(decision="declined")
        with pytest.raises(AppendOnlyError):
            ConsentRecord.objects.filter(pk=record.pk).delete()


def test_coinsurance_is_twenty_percent_of_99490_and_zero_for_qmb(cast):
    with scope(organization=cast.acme.org):
        patient = cast.acme.patient
        assert expected_monthly_coinsurance(patient, "ccm", dt.date(2026, 3, 1)) == Decimal("13.23")
        assert expected_monthly_coinsurance(patient, "ccm", dt.date(2025, 3, 1)) == Decimal("12.10")
        patient.qmb = True
        assert expected_monthly_coinsurance(patient, "ccm", dt.date(2026, 3, 1)) == Decimal("0.00")
        assert expected_monthly_coinsurance(patient, "apcm", dt.date(2026, 3, 1)) == Decimal("0.00")


def test_the_disclosures_are_kept_with_the_record_in_the_practices_name(cast):
    with scopes_disabled():
        cast.acme.north.branding_name = "Acme Family Medicine"
        cast.acme.north.save()
        cast.acme.patient.practice.refresh_from_db()
    record = consent(cast.acme)
    assert "Acme Family Medicine offers chronic care management" in record.disclosures_shown
    assert "Only one practitioner" in record.disclosures_shown
    assert "end of that calendar month" in record.disclosures_shown
    assert "$13.23" in record.disclosures_shown and record.expected_coinsurance == Decimal("13.23")


def _clinic(cast, setting: str) -> None:  # type: ignore[no-untyped-def]
    with scopes_disabled():
        cast.acme.north.setting, cast.acme.north.locality = setting, "0111205"
        cast.acme.north.save()
        cast.acme.patient.practice.refresh_from_db()


def test_an_fqhc_patient_is_told_no_deductible_and_the_g0511_share_before_october_2025(cast):
    _clinic(cast, "fqhc")
    with scope(organization=cast.acme.org):
        patient = cast.acme.patient
        # 20% of G0511 $54.67 through 2025-09-30, of 99490 $60.49 after: national, no SF GPCI
        assert expected_monthly_coinsurance(patient, "ccm", dt.date(2025, 9, 15)) == Decimal(
            "10.93"
        )
        assert expected_monthly_coinsurance(patient, "ccm", dt.date(2025, 10, 1)) == Decimal(
            "12.10"
        )
    record = consent(cast.acme, day=dt.date(2025, 9, 15))
    assert "$10.93 a month; the Part B deductible does not apply" in record.disclosures_shown
    assert "plus any Part B deductible" not in record.disclosures_shown


def test_an_rhc_patient_is_told_the_deductible_applies(cast):
    _clinic(cast, "rhc")
    record = consent(cast.acme)
    assert "$13.23 a month, plus any Part B deductible not yet met" in record.disclosures_shown


def test_a_decline_needs_a_reason(cast):
    with pytest.raises(ValueError):
        consent(cast.acme, decision="declined")
    record = consent(cast.acme, decision="declined", decline_reason="Cost")
    with scopes_disabled():
        assert Enrollment.objects.get(patient=cast.acme.patient).status == "declined"
    assert record.decline_reason == "Cost"


# --- the pages ------------------------------------------------------------------------------


def test_coordinator_records_verbal_consent_on_the_patient_page(cast, login, midday):
    c = login(cast.acme.coordinator)
    page = c.get(f"/patients/{cast.acme.patient.uid}/")
    assert b"Record consent" in page.content and b"Not enrolled" in page.content
    form = c.get(f"/enrollment/{cast.acme.patient.uid}/consent/")
    assert b"Only one practitioner" in form.content and b"$13.23" in form.content
    response = c.post(
        f"/enrollment/{cast.acme.patient.uid}/consent/",
        {
            "program": "ccm",
            "billing_practitioner": cast.acme.practitioner.pk,
            "method": "verbal",
            "decision": "accepted",
            "decline_reason": "",
            "consent_date": midday.date().isoformat(),
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        record = ConsentRecord.objects.get(patient=cast.acme.patient)
        assert record.obtained_by == cast.acme.coordinator and record.method == "verbal"
        assert AccessLog.objects.filter(object_uid=str(record.uid), action="create").exists()
    page = c.get(f"/patients/{cast.acme.patient.uid}/")
    assert b"Revoke consent" in page.content and b"CCM (chronic care management)" in page.content


def test_written_consent_keeps_the_scan_and_serves_it_to_staff(
    cast, login, settings, tmp_path, midday
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    c = login(cast.acme.coordinator)
    url = f"/enrollment/{cast.acme.patient.uid}/consent/"
    base = {
        "program": "ccm",
        "billing_practitioner": cast.acme.practitioner.pk,
        "method": "written",
        "decision": "accepted",
        "consent_date": midday.date().isoformat(),
    }
    assert c.post(url, base).status_code == 200  # no scan: the form says so
    scan = SimpleUploadedFile("consent.pdf", b"%PDF-1.4 signed", content_type="application/pdf")
    assert c.post(url, {**base, "document": scan}).status_code == 302
    with scopes_disabled():
        record = ConsentRecord.objects.get(patient=cast.acme.patient)
    download = c.get(f"/enrollment/consent/{record.uid}/document/")
    assert (
        download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 signed"
    )


def test_revoking_on_the_page_says_when_it_takes_effect(cast, login):
    consent(cast.acme)
    c = login(cast.acme.coordinator)
    response = c.post(f"/enrollment/{cast.acme.patient.uid}/revoke/", follow=True)
    assert b"effective at the end of the month" in response.content
    with scopes_disabled():
        assert ConsentRecord.objects.filter(patient=cast.acme.patient).count() == 2


def test_initiating_visit_needed_shows_and_can_be_entered(cast, login):
    with scopes_disabled():
        Encounter.objects.filter(patient=cast.acme.patient).delete()
    c = login(cast.acme.coordinator)
    assert b"Initiating visit needed" in c.get(f"/patients/{cast.acme.patient.uid}/").content
    c.post(
        f"/enrollment/{cast.acme.patient.uid}/initiating-visit/",
        {
            "date": (dt.date.today() - dt.timedelta(days=3)).isoformat(),
            "code": "99214",
            "practitioner": cast.acme.practitioner.pk,
        },
    )
    assert b"Initiating visit needed" not in c.get(f"/patients/{cast.acme.patient.uid}/").content


def test_auditor_sees_the_panel_but_cannot_record_consent(cast, login):
    c = login(cast.acme.auditor)
    page = c.get(f"/patients/{cast.acme.patient.uid}/")
    assert b"Enrollment" in page.content and b"Record consent" not in page.content
    assert c.get(f"/enrollment/{cast.acme.patient.uid}/consent/").status_code == 403


def test_coordinator_at_other_org_gets_404_on_consent(cast, login):
    c = login(cast.acme.coordinator)
    assert c.get(f"/enrollment/{cast.bravo.patient.uid}/consent/").status_code == 404
    assert c.post(f"/enrollment/{cast.bravo.patient.uid}/revoke/").status_code == 404


def test_consent_refuses_a_deceased_patient_naming_the_date_of_death(cast):
    tenant = cast.acme
    with scope(organization=tenant.org):
        Patient.objects.filter(pk=tenant.patient.pk).update(deceased_date=dt.date(2025, 12, 24))
        tenant.patient.refresh_from_db()
    with pytest.raises(ValueError, match="died 2025-12-24"):
        consent(tenant)
    consent(tenant, decision="declined", decline_reason="family informed us")  # still recorded


@pytest.mark.parametrize("cycles", [2, 26], ids=["all-on-the-timeline", "more-than-it-lists"])
def test_one_patients_facts_equal_the_bulk_ones_from_what_the_page_read(cast, cycles):
    """enrollment_facts takes the consents the timeline read when it read them all (fewer than
    TIMELINE) and the care-plan dates from the page's versions; the facts are the bulk reader's
    either way, for months before, between and after the records."""
    t = cast.acme
    day = dt.date(2026, 1, 5)
    for cycle in range(cycles):
        consent(t, day=day)
        if cycle == 0:
            signed_plan(t, at=dt.datetime(2026, 1, 6, 15, tzinfo=dt.UTC))
        with scope(organization=t.org):
            revoke_consent(
                t.patient, obtained_by=t.coordinator, effective_date=day + dt.timedelta(days=3)
            )
        day += dt.timedelta(days=9)
    consent(t, day=day, program="pcm")
    months = [
        BillingMonth(2025, 12),
        BillingMonth(2026, 1),
        BillingMonth(2026, 3),
        BillingMonth.of(day),
    ]
    with scope(organization=t.org):
        assert ConsentRecord.objects.filter(patient=t.patient).count() == 2 * cycles + 1
        for month in months:
            single = enrollment_facts(Patient.objects.get(pk=t.patient.pk), month)
            assert single == enrollment_facts_for([t.patient.pk], month)[t.patient.pk], month
    assert single.program == "pcm" and single.care_plan_date == dt.date(2026, 1, 6)
