"""A month from minutes to money in a browser: close, sign-off, 837P, 835, audit packet PDF."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from ccm.periods import BillingMonth
from ccm.x12.remit835 import Adjustment, ClaimPayment, Remittance
from ccm.x12.remit835_write import write_835
from ccmweb.billing import testdata
from ccmweb.billing.models import BillingSettings, Claim
from ccmweb.billing.x12check import x12_errors
from ccmweb.patients.models import Condition, Patient

pytestmark = pytest.mark.browser


def second_patient(tenant):  # type: ignore[no-untyped-def]
    """Another of the practice's patients, with the same chronic conditions as the first."""
    first = tenant.patient
    patient = Patient.objects.create(
        organization=tenant.org, practice=first.practice, mrn="JOURNEY-2", given_name="Bea",
        family_name="Journeypatient", birth_date=dt.date(1948, 6, 1), sex="female",
        mbi="2EG4TE5MK74", part_b=True, coordinator=tenant.coordinator,
    )  # fmt: skip
    for condition in Condition.objects.filter(patient=first):
        condition.pk, condition.patient = None, patient
        condition.save()
    for encounter in first.encounters.all():
        encounter.pk, encounter.patient = None, patient
        encounter.save()
    return patient


def remittance_for(claims: list[Claim]) -> str:
    """The MAC's answer: the first claim paid at 80% (20% coinsurance), the second denied."""
    paid = (claims[0].expected * Decimal("0.8")).quantize(Decimal("0.01"))
    payments = (
        ClaimPayment(
            claims[0].number, "1", claims[0].total_charge, paid, claims[0].expected - paid,
            "PCN1", claims[0].mbi,
            adjustments=(Adjustment("PR", "2", claims[0].expected - paid),),
        ),
        ClaimPayment(
            claims[1].number, "4", claims[1].total_charge, Decimal("0.00"), Decimal("0.00"),
            "PCN2", claims[1].mbi,
            adjustments=(Adjustment("CO", "16", claims[1].total_charge),),
        ),
    )  # fmt: skip
    remit = Remittance(
        "MEDICARE PART B", "1234567893", paid, "CHK", "TRACE7", timezone.localdate(), payments
    )
    return write_835(remit, "12502", "ACME", dt.datetime(2026, 1, 2, 8, 0), 7)


def test_biller_closes_practitioner_signs_off_biller_sends_and_posts_auditor_reads(
    page, live_server, cast, log_in, screenshot, tmp_path
):
    page.on("dialog", lambda dialog: dialog.accept())  # the confirmations: yes
    acme = cast.acme
    last_month = BillingMonth.of(timezone.localdate()).previous()
    with scopes_disabled():
        BillingSettings.objects.create(
            organization=acme.org, practice=acme.north, requires_signoff=True
        )
        for patient, minutes in ((acme.patient, 25), (second_patient(acme), 45)):
            testdata.enrolled(acme, patient)
            testdata.log_time(acme, patient, last_month.first + dt.timedelta(days=3), minutes)

    log_in(page, live_server, acme.biller.username)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Billing").click()
    page.get_by_role("button", name="Close month").click()
    result = page.locator("#close-result")
    expect(result).to_contain_text("Billable")
    cells = result.locator("tbody td")
    expect(cells.nth(0)).to_have_text("2")  # billable
    expect(cells.nth(1)).to_have_text("0")  # held
    screenshot(page, "month-close")
    page.get_by_role("button", name="Log out").click()

    log_in(page, live_server, acme.practitioner.user.username)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign-off").click()
    expect(page.get_by_role("row")).to_have_count(3)  # header and two claims
    page.get_by_role("button", name="Approve the 2 shown").click()
    expect(page.get_by_text("2 claim(s) approved")).to_be_visible()
    page.get_by_role("button", name="Log out").click()

    log_in(page, live_server, acme.biller.username)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Billing").click()
    page.get_by_role("link", name="Claims").click()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export 837P").click()
    x837 = download_info.value.path()
    assert x12_errors(x837) == []
    with scopes_disabled():
        claims = list(Claim.objects.filter(practice=acme.north).order_by("pk"))
    assert [c.status for c in claims] == ["sent", "sent"]
    sent_text = x837.read_text(encoding="ascii")
    assert all(f"CLM*{c.number}*" in sent_text for c in claims)

    remit = tmp_path / "remit.835"
    remit.write_text(remittance_for(claims), encoding="ascii")
    page.get_by_role("link", name="Remittance").click()
    page.get_by_label("835 file").set_input_files(str(remit))
    page.get_by_role("button", name="Upload remittance").click()
    expect(page.locator("#posting")).to_contain_text("1 paid")
    expect(page.locator("#posting")).to_contain_text("1 denied")
    page.get_by_role("link", name="Work the denials").click()
    expect(page.get_by_role("row")).to_have_count(2)
    page.get_by_role("button", name="Log out").click()

    log_in(page, live_server, acme.auditor.username)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit packets").click()
    page.get_by_role("link", name="Open").first.click()
    expect(page.get_by_role("heading", name="Rule trace")).to_be_visible()
    expect(page.get_by_text("835 status")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    with open(download_info.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    with scopes_disabled():
        statuses = sorted(
            Claim.objects.filter(practice=acme.north).values_list("status", flat=True)
        )
    assert statuses == ["denied", "paid"]


def test_a_close_runs_in_the_background_and_the_page_follows_it(
    page, live_server, cast, log_in, task_worker, monkeypatch
):
    """The close is queued; a worker runs it; the page shows its progress, then its result."""
    from ccmweb.billing import tasks

    page.on("dialog", lambda dialog: dialog.accept())  # the confirmations: yes

    acme = cast.acme
    last_month = BillingMonth.of(timezone.localdate()).previous()
    with scopes_disabled():
        testdata.enrolled(acme, acme.patient)
        testdata.log_time(acme, acme.patient, last_month.first + dt.timedelta(days=3), 25)
    release = threading.Event()
    real_close = tasks.close_month

    def held_back(practice, month, progress, **options):  # type: ignore[no-untyped-def]
        progress(0, 1)
        assert release.wait(30), "the test never released the close"
        return real_close(practice, month, progress=progress, **options)

    monkeypatch.setattr(tasks, "close_month", held_back)
    log_in(page, live_server, acme.biller.username)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Billing").click()
    page.get_by_role("button", name="Close month").click()
    expect(page.locator("#close-progress")).to_contain_text("0 of 1 patients")
    expect(page.get_by_role("button", name="Close month")).to_be_disabled()
    release.set()
    result = page.locator("#close-result")  # the fragment sent the page to the result
    expect(result.locator("tbody td").nth(0)).to_have_text("1")  # billable
    expect(page.locator("#close-progress")).to_have_count(0)
