"""issue 18 in a browser: the demo FQHC's biller closes the first month of the individual codes,
downloads its 837I (pyx12 accepts it), and posts the payer's 835 against it."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from ccm.periods import BillingMonth
from ccm.x12.segments import split_segments
from ccmweb.billing.models import Claim
from ccmweb.billing.remittance_demo import write_month_835
from ccmweb.billing.x12check import x12_errors
from ccmweb.tenants.models import Practice

pytestmark = pytest.mark.browser
PASSWORD = "a-demo-password-for-the-fqhc"
OCTOBER = BillingMonth(2025, 10)


def pick(page, practice: str) -> None:  # type: ignore[no-untyped-def]
    """The billing pages' practice and month picker (the header has a practice menu too)."""
    form = page.locator("form.search")
    form.get_by_label("Practice").select_option(label=practice)
    form.get_by_label("Month").fill(str(OCTOBER))
    form.get_by_role("button", name="Show").click()


def test_the_fqhc_biller_closes_a_month_and_downloads_its_837i(
    page, live_server, transactional_db, log_in, monkeypatch, tmp_path
):
    page.on("dialog", lambda dialog: dialog.accept())  # the confirmations: yes
    monkeypatch.setenv("CCM_DEMO_PASSWORD", PASSWORD)
    call_command("demo", patients=40, stdout=io.StringIO())
    with scopes_disabled():
        fqhc = Practice.objects.get(slug="demo-fqhc")

    log_in(page, live_server, "biller", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Billing").click()
    pick(page, fqhc.name)
    page.get_by_role("button", name="Close month").click()
    expect(page.locator("#close-result")).to_contain_text("Billable")

    page.get_by_role("link", name="Claims").click()
    pick(page, fqhc.name)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export 837I").click()
    text = download_info.value.path().read_text(encoding="ascii")
    assert "005010X223A2" in text and x12_errors(text) == []
    segments, _ = split_segments(text)
    with scopes_disabled():
        claims = list(Claim.objects.filter(practice=fqhc, month=OCTOBER.first, current=True))
    assert claims and {c.status for c in claims} == {"sent"}
    assert {s[1] for s in segments if s[0] == "CLM"} == {c.number for c in claims}
    assert {s[5] for s in segments if s[0] == "CLM"} == {"77:A:1"}  # FQHC, type of bill 0771
    assert not any(s[0] == "SV1" for s in segments)  # institutional lines only (SV2)

    with scope(organization=fqhc.organization):
        raw, count = write_month_835(
            fqhc, OCTOBER, "paid", [], [], trace="FQHCWEB", now=timezone.now()
        )
    remit = tmp_path / "fqhc.835"
    remit.write_text(raw, encoding="ascii")
    page.get_by_role("link", name="Remittance").click()
    page.get_by_label("835 file").set_input_files(str(remit))
    page.get_by_role("button", name="Upload remittance").click()
    expect(page.locator("#posting")).to_contain_text(f"{count} paid")
    with scopes_disabled():
        statuses = set(
            Claim.objects.filter(practice=fqhc, month=OCTOBER.first, current=True).values_list(
                "status", flat=True
            )
        )
    assert statuses == {"paid"}
