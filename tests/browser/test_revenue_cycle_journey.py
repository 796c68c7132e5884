"""The revenue cycle in a browser: close → 837P with an accented name → 999 → 277CA with one
rejection, fixed and sent again → 835 paying, then reversing with a PLB → balances and a
patient statement."""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from playwright.sync_api import expect
from test_billing_journey import second_patient

from ccm.periods import BillingMonth
from ccm.x12.ack277 import write_277ca
from ccm.x12.ack999 import write_999
from ccm.x12.remit835 import Adjustment, ClaimPayment, ProviderAdjustment, Remittance
from ccm.x12.remit835_write import write_835
from ccmweb.billing import testdata
from ccmweb.billing.models import Claim, ClaimExport
from ccmweb.billing.x12check import x12_errors
from ccmweb.patients.models import Patient

pytestmark = pytest.mark.browser
LATER = dt.datetime(2026, 1, 2, 8, 0)


def paid(claim: Claim) -> ClaimPayment:
    """Paid at the Medicare amount less 20% coinsurance, the charge above it written off."""
    coinsurance = (claim.expected * Decimal("0.2")).quantize(Decimal("0.01"))
    return ClaimPayment(
        claim.number, "1", claim.total_charge, claim.expected - coinsurance, coinsurance,
        f"PCN{claim.pk}", claim.mbi,
        adjustments=(Adjustment("CO", "45", claim.total_charge - claim.expected),
                     Adjustment("PR", "2", coinsurance)),
    )  # fmt: skip


def remit(payments: tuple[ClaimPayment, ...], trace: str, plb=()) -> str:  # type: ignore[no-untyped-def]
    r = Remittance("MEDICARE PART B", "1234567893", Decimal("0"), "ACH", trace,
                   timezone.localdate(), payments, tuple(plb), payer_id="1000012502")  # fmt: skip
    r = dataclasses.replace(r, payment_amount=r.claims_amount - r.plb_amount)
    return write_835(r, "12502", "ACME", LATER, 70 + len(trace))


def upload(page, label: str, button: str, path) -> None:  # type: ignore[no-untyped-def]
    page.get_by_label(label).set_input_files(str(path))
    page.get_by_role("button", name=button).click()


def test_close_send_acknowledge_fix_resend_post_reverse_and_bill_the_patient(
    page, live_server, cast, log_in, screenshot, tmp_path
):
    acme = cast.acme
    last_month = BillingMonth.of(timezone.localdate()).previous()
    with scopes_disabled():
        jose = second_patient(acme)
        Patient.objects.filter(pk=jose.pk).update(given_name="José", family_name="Muñoz")
        for patient in (acme.patient, jose):
            testdata.enrolled(acme, patient)
            testdata.log_time(acme, patient, last_month.first + dt.timedelta(days=3), 25)

    page.on("dialog", lambda dialog: dialog.accept())  # the confirmations: yes
    log_in(page, live_server, acme.biller.username)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Billing").click()
    page.get_by_role("button", name="Close month").click()
    expect(page.locator("#close-result tbody td").nth(0)).to_have_text("2")

    page.get_by_role("link", name="Claims").click()
    expect(page.locator("#test-files")).to_be_visible()  # no real receiver configured yet
    with page.expect_download() as download:
        page.get_by_role("button", name="Export 837P").click()
    sent = download.value.path().read_text(encoding="ascii")
    assert "NM1*IL*1*MUNOZ*JOSE****MI*" in sent and x12_errors(sent) == []
    with scopes_disabled():
        export = ClaimExport.objects.get()
        alice, jose_claim = (
            Claim.objects.get(patient=acme.patient),
            Claim.objects.get(patient=jose),
        )

    ack = tmp_path / "ack.999"
    ack.write_text(
        write_999(export.interchange_number, {"0001": ("A", ())}, "MACJ6", "ACME", LATER, 501)
    )
    page.get_by_role("link", name="Acknowledgments").click()
    upload(page, "999 or 277CA file", "Read acknowledgment", ack)
    expect(page.locator("#ack-result")).to_contain_text("999: 2 claims accepted, 0 rejected")

    status = tmp_path / "ack.277"
    status.write_text(write_277ca(
        [(alice.number, "A2", "20", "PCNALICE", alice.total_charge),
         (jose_claim.number, "A7", "164", "", jose_claim.total_charge)],
        ("MEDICARE", "12502"), LATER, 502,
    ))  # fmt: skip
    upload(page, "999 or 277CA file", "Read acknowledgment", status)
    expect(page.locator("#ack-result")).to_contain_text("1 claim accepted, 1 rejected")
    expect(page.locator("#rejections")).to_contain_text(
        "Check the patient's MBI against the Medicare card"
    )
    screenshot(page, "rejections")

    with scopes_disabled():  # the front desk corrects the MBI from the patient's card
        Patient.objects.filter(pk=jose.pk).update(mbi="3EG4TE5MK75")
    page.get_by_role("link", name="Month close").click()
    page.get_by_role("button", name="Close month").click()
    page.get_by_role("link", name="Claims").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Export 837P").click()
    resent = download.value.path().read_text(encoding="ascii")
    with scopes_disabled():
        fixed = Claim.objects.get(patient=jose, current=True)
    assert fixed.number != jose_claim.number and f"CLM*{fixed.number}*" in resent
    assert f"CLM*{alice.number}*" not in resent and "3EG4TE5MK75" in resent

    first = tmp_path / "first.835"
    first.write_text(remit((paid(alice), paid(fixed)), "EFT1"))
    page.get_by_role("link", name="Remittance").click()
    upload(page, "835 file", "Upload remittance", first)
    expect(page.locator(".posting").first).to_contain_text("2 paid")
    expect(page.locator(".posting").first).to_contain_text("balanced")

    original = paid(alice)
    reversal = dataclasses.replace(
        original, status="22", charge=-original.charge, paid=-original.paid,
        patient_responsibility=-original.patient_responsibility,
        adjustments=tuple(dataclasses.replace(a, amount=-a.amount) for a in original.adjustments),
    )  # fmt: skip
    corrected = dataclasses.replace(original, paid=original.paid - Decimal("5.00"),
                                    adjustments=(*original.adjustments, Adjustment("CO", "45", Decimal("5.00"))))  # fmt: skip
    offset = ProviderAdjustment("1234567893", None, "WO", "OVERPAID", Decimal("3.00"))
    second = tmp_path / "second.835"
    second.write_text(remit((reversal, corrected), "EFT2", (offset,)))
    upload(page, "835 file", "Upload remittance", second)
    posting = page.locator(".posting").first
    expect(posting).to_contain_text("1 reversed")
    expect(posting).to_contain_text("balanced")
    page.get_by_role("link", name="See every claim of this remittance").click()
    expect(page.locator("#plb")).to_contain_text("WO: overpayment recovery")
    expect(page.locator("#reconciliation")).to_contain_text("yes")
    screenshot(page, "remittance-reconciled")

    page.get_by_role("link", name="Balances").click()
    coinsurance = (alice.expected * Decimal("0.2")).quantize(Decimal("0.01"))
    row = page.locator("#by-patient tr", has_text=acme.patient.family_name)
    expect(row).to_contain_text(f"${coinsurance}")  # once, not twice after the reversal
    screenshot(page, "balances")
    with page.expect_download() as download:
        row.get_by_role("link", name="Statement (PDF)").click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
