"""Remittance in: an 835 for claims we sent posts paid and denied, once; denials queue with actions."""

import datetime as dt
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from ccm.x12.remit835 import Adjustment, ClaimPayment, Remittance
from ccm.x12.remit835_write import write_835
from ccmweb.billing import testdata
from ccmweb.billing.export import export_claims
from ccmweb.billing.models import Claim, Denial, LedgerEntry
from ccmweb.billing.remittance import post_remittance
from ccmweb.billing.services import close_month

NOW = dt.datetime(2026, 4, 2, 9, 0, tzinfo=dt.UTC)


def remit(claim: Claim, status: str, paid: str, adjustments=()) -> str:  # type: ignore[no-untyped-def]
    payment = ClaimPayment(
        claim.number,
        status,
        claim.total_charge,
        Decimal(paid),
        Decimal("0.00"),
        "PCN9",
        claim.mbi,
        adjustments=tuple(adjustments),
    )
    r = Remittance(
        "MEDICARE PART B",
        "1234567893",
        Decimal(paid),
        "CHK",
        "TRACE1",
        dt.date(2026, 4, 20),
        (payment,),
    )
    return write_835(r, "12502", "ACME", dt.datetime(2026, 4, 20, 8, 0), 3)


@pytest.fixture
def sent(cast):  # type: ignore[no-untyped-def]
    with scopes_disabled():
        testdata.billable_month(cast.acme)
        close_month(cast.acme.north, testdata.MONTH, now=NOW)
        export_claims(cast.acme.north, testdata.MONTH, "837p", now=NOW)
        yield cast.acme, Claim.objects.get()


def test_payment_posts_paid_with_adjustments_in_words_once(sent):
    tenant, claim = sent
    paid = (claim.expected * Decimal("0.8")).quantize(Decimal("0.01"))
    raw = remit(claim, "1", str(paid), [Adjustment("PR", "2", claim.expected - paid)])
    with scopes_disabled():
        first = post_remittance(raw, tenant.org)
        second = post_remittance(raw, tenant.org)
        claim.refresh_from_db()
        kinds = list(LedgerEntry.objects.filter(claim=claim).values_list("kind", "amount"))
    assert (first.paid, second.already_posted, claim.status) == (1, True, "paid")
    assert ("paid", paid) in kinds and ("expected", claim.expected) in kinds


def test_denial_billed_elsewhere_queues_and_holds_the_next_close(sent):
    tenant, claim = sent
    raw = remit(claim, "4", "0.00", [Adjustment("CO", "B20", claim.total_charge)])
    with scopes_disabled():
        summary = post_remittance(raw, tenant.org)
        denial = Denial.objects.get()
        again = close_month(tenant.north, testdata.MONTH, now=NOW + dt.timedelta(days=30))
    assert summary.denied == 1 and denial.billed_elsewhere
    assert "Another practice billed CCM" in denial.action
    assert (again.held, again.claims) == (1, 0)


def test_biller_sees_the_denial_queue(sent, login):
    tenant, claim = sent
    with scopes_disabled():
        post_remittance(
            remit(claim, "4", "0.00", [Adjustment("CO", "16", claim.total_charge)]), tenant.org
        )
    page = login(tenant.biller).get("/billing/denials/").content.decode()
    assert "16: Claim lacks information" in page
