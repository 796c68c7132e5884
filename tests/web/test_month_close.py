"""The month close: idempotent, held reasons, one claim per beneficiary-month, amendments → corrections."""

import datetime as dt
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from ccmweb.billing import testdata
from ccmweb.billing.models import Claim, LedgerEntry, MonthClose, PatientMonth
from ccmweb.billing.services import billing_settings, close_month, is_month_closed
from ccmweb.patients.models import Patient

MONTH = testdata.MONTH
NOW = dt.datetime(2026, 4, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def acme(cast):  # type: ignore[no-untyped-def]
    with scopes_disabled():
        yield cast.acme


def test_closing_twice_gives_the_same_result_and_one_claim(acme):
    testdata.billable_month(acme)
    first = close_month(acme.north, MONTH, now=NOW)
    second = close_month(acme.north, MONTH, now=NOW + dt.timedelta(hours=1))
    assert (first.billable, first.held, first.nothing, first.claims, first.total) == (
        second.billable,
        second.held,
        second.nothing,
        second.claims,
        second.total,
    )
    assert (second.billable, second.claims) == (1, 1)
    claim = Claim.objects.get(patient=acme.patient)
    assert [(ln.code, ln.units) for ln in claim.lines.all()] == [("99490", 1)]
    assert claim.diagnoses == ["E11.9", "I10"]
    assert claim.rendering == acme.practitioner
    assert LedgerEntry.objects.filter(claim=claim).count() == 1
    assert MonthClose.objects.get(practice=acme.north).runs == 2


def test_month_is_closed_only_after_a_close(acme):
    assert not is_month_closed(acme.north, MONTH)
    close_month(acme.north, MONTH, now=NOW)
    assert is_month_closed(acme.north, MONTH)
    assert not is_month_closed(acme.south, MONTH)


def test_too_few_minutes_is_nothing_to_bill_not_held(acme):
    testdata.billable_month(acme, minutes=12)
    close = close_month(acme.north, MONTH, now=NOW)
    assert (close.billable, close.held, close.nothing, close.claims) == (0, 0, 1, 0)


def test_missing_part_b_holds_the_month_with_the_reason_and_the_fix(acme):
    testdata.billable_month(acme)
    Patient.objects.filter(pk=acme.patient.pk).update(part_b=False)
    close = close_month(acme.north, MONTH, now=NOW)
    assert close.held == 1 and close.claims == 0
    month = PatientMonth.objects.get(patient=acme.patient)
    assert "Part B" in month.reason and "§9" in month.reason
    assert "Part B" in month.fix


def test_missing_mbi_holds_a_billable_month(acme):
    testdata.billable_month(acme)
    Patient.objects.filter(pk=acme.patient.pk).update(mbi="")
    close = close_month(acme.north, MONTH, now=NOW)
    assert (close.held, close.claims) == (1, 0)
    assert "MBI" in PatientMonth.objects.get(patient=acme.patient).fix


def test_a_beneficiary_billed_at_another_practice_is_held_never_billed_twice(acme):
    testdata.billable_month(acme)
    close_month(acme.north, MONTH, now=NOW)
    twin = Patient.objects.create(
        organization=acme.org,
        practice=acme.south,
        mrn="ACME-S-1",
        given_name="Alice",
        family_name="Twin",
        birth_date=dt.date(1950, 4, 2),
        mbi=acme.patient.mbi,
        part_b=True,
    )
    for condition in acme.patient.conditions.all():
        condition.pk, condition.patient = None, twin
        condition.save()
    encounter = acme.patient.encounters.first()
    encounter.pk, encounter.patient = None, twin
    encounter.save()
    testdata.billable_month(acme, minutes=30, patient=twin)
    south = close_month(acme.south, MONTH, now=NOW)
    assert (south.billable, south.held, south.claims) == (0, 1, 0)
    assert "another practice" in PatientMonth.objects.get(patient=twin).reason
    assert Claim.objects.filter(mbi=acme.patient.mbi, current=True).count() == 1


def test_signoff_practice_makes_draft_claims(acme):
    settings = billing_settings(acme.north)
    settings.requires_signoff = True
    settings.save()
    testdata.billable_month(acme)
    close_month(acme.north, MONTH, now=NOW)
    assert Claim.objects.get(patient=acme.patient).status == Claim.Status.DRAFT


def test_signoff_sample_reviews_a_deterministic_share_and_approves_the_rest(acme):
    settings = billing_settings(acme.north)
    settings.requires_signoff, settings.signoff_sample_percent = True, 30
    settings.save()
    testdata.billable_patients(acme, 40)
    assert close_month(acme.north, MONTH, now=NOW).claims == 40
    drafts = set(
        Claim.objects.filter(status=Claim.Status.DRAFT).values_list("patient_id", flat=True)
    )
    approved = Claim.objects.filter(status=Claim.Status.APPROVED)
    assert 4 <= len(drafts) <= 24 and len(drafts) + approved.count() == 40
    assert all(c.approved_at == NOW and c.approved_by is None for c in approved)
    close_month(acme.north, MONTH, now=NOW + dt.timedelta(days=1))  # the same draw again
    assert drafts == set(
        Claim.objects.filter(status=Claim.Status.DRAFT).values_list("patient_id", flat=True)
    )


def test_late_amendment_after_a_sent_claim_becomes_a_replacement_claim(acme):
    patient = testdata.billable_month(acme, minutes=25)
    close_month(acme.north, MONTH, now=NOW)
    original = Claim.objects.get(patient=patient)
    Claim.objects.filter(pk=original.pk).update(status=Claim.Status.SENT, sent_at=NOW)
    entry = patient.time_entries.get()
    testdata.log_time(
        acme,
        patient,
        dt.date(2026, 3, 4),
        45,
        amends=entry,
        note="Amended: call ran longer than first logged",
    )
    again = close_month(acme.north, MONTH, now=NOW + dt.timedelta(days=3))
    assert again.claims == 1
    original.refresh_from_db()
    assert (original.current, original.status) == (False, Claim.Status.REPLACED)
    replacement = Claim.objects.get(patient=patient, current=True)
    assert replacement.frequency == "7" and replacement.replaces == original
    assert sorted((ln.code, ln.units) for ln in replacement.lines.all()) == [
        ("99439", 1),
        ("99490", 1),
    ]
    corrections = LedgerEntry.objects.filter(claim=original, kind="correction")
    assert [c.amount for c in corrections] == [-original.expected]
    third = close_month(acme.north, MONTH, now=NOW + dt.timedelta(days=4))
    assert Claim.objects.filter(patient=patient).count() == 2 and third.claims == 1


def test_ledger_rows_cannot_be_edited(acme):
    testdata.billable_month(acme)
    close_month(acme.north, MONTH, now=NOW)
    entry = LedgerEntry.objects.get()
    entry.amount = Decimal("1.00")
    with pytest.raises(Exception, match="append-only"):
        entry.save()


def test_closing_another_orgs_practice_touches_only_its_patients(cast):
    with scopes_disabled():
        testdata.billable_month(cast.acme)
        testdata.billable_month(cast.bravo)
        close = close_month(cast.bravo.north, MONTH, now=NOW)
        assert close.claims == 1
        assert not Claim.objects.filter(organization=cast.acme.org).exists()
