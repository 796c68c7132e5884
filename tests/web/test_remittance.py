"""Remittance in: an 835 posts once per payer and trace, reversals undo what they reverse,
zero-pay claims and denied lines queue with their codes in words, PLB reconciles the check."""

import dataclasses
import datetime as dt
from decimal import Decimal
from io import StringIO

import orjson
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django_scopes import scopes_disabled

from ccm.x12.remit835 import (
    Adjustment,
    ClaimPayment,
    ProviderAdjustment,
    Remittance,
    ServicePayment,
)
from ccm.x12.remit835_write import write_835
from ccmweb.billing import testdata
from ccmweb.billing.balances import claim_balances
from ccmweb.billing.export import export_claims
from ccmweb.billing.models import Claim, Denial, LedgerEntry, RemittanceLine
from ccmweb.billing.remittance import RemittanceRefused, post_remittance
from ccmweb.billing.services import close_month
from ccmweb.tenants.models import Membership
from ccmweb.testing.cast import PASSWORD

NOW = dt.datetime(2026, 4, 2, 9, 0, tzinfo=dt.UTC)
D = Decimal


def payment(claim: Claim, status: str = "1", paid: str = "0.00", adjustments=(), **more):  # type: ignore[no-untyped-def]
    owed = sum((a.amount for a in adjustments if a.group == "PR"), D("0.00"))
    return ClaimPayment(claim.number, status, claim.total_charge, D(paid), owed, "PCN9", claim.mbi,
                        adjustments=tuple(adjustments), **more)  # fmt: skip


def remit(*payments, trace="TRACE1", number=3, plb=()):  # type: ignore[no-untyped-def]
    r = Remittance("MEDICARE PART B", "1234567893", D("0"), "CHK", trace, dt.date(2026, 4, 20),
                   tuple(payments), tuple(plb), payer_id="1000012502")  # fmt: skip
    r = dataclasses.replace(r, payment_amount=r.claims_amount - r.plb_amount)
    return write_835(r, "12502", "ACME", dt.datetime(2026, 4, 20, 8, 0), number)


def paid_in_full(claim: Claim):  # type: ignore[no-untyped-def]
    coinsurance = (claim.expected * D("0.2")).quantize(D("0.01"))
    return payment(claim, "1", str(claim.expected - coinsurance), [
        Adjustment("CO", "45", claim.total_charge - claim.expected),
        Adjustment("PR", "2", coinsurance),
    ])  # fmt: skip


@pytest.fixture
def sent(cast):  # type: ignore[no-untyped-def]
    with scopes_disabled():
        testdata.billable_month(cast.acme, minutes=45)
        close_month(cast.acme.north, testdata.MONTH, now=NOW)
        export_claims(cast.acme.north, testdata.MONTH, "837p", now=NOW)
        yield cast.acme, Claim.objects.get()


def balance(claim):  # type: ignore[no-untyped-def]
    with scopes_disabled():
        (found,) = claim_balances(claim.practice, Claim.objects.filter(pk=claim.pk))
    return found


def test_a_redelivered_835_with_new_envelope_numbers_posts_once(sent):
    tenant, claim = sent
    with scopes_disabled():
        (first,) = post_remittance(remit(paid_in_full(claim), number=3), tenant.org)
        (second,) = post_remittance(remit(paid_in_full(claim), number=99), tenant.org)
        paid_rows = LedgerEntry.objects.filter(claim=claim, kind="paid").count()
    assert (first.status, second.status, paid_rows) == ("posted", "already_posted", 1)
    assert balance(claim).patient_responsibility == (claim.expected * D("0.2")).quantize(D("0.01"))


def test_a_reversal_undoes_payment_adjustments_and_patient_share_before_the_correction(sent):
    tenant, claim = sent
    first = paid_in_full(claim)
    reversal = dataclasses.replace(
        first, status="22", charge=-first.charge, paid=-first.paid,
        patient_responsibility=-first.patient_responsibility,
        adjustments=tuple(dataclasses.replace(a, amount=-a.amount) for a in first.adjustments),
    )  # fmt: skip
    with scopes_disabled():
        post_remittance(remit(first, trace="T1"), tenant.org)
        (posting,) = post_remittance(remit(reversal, first, trace="T2"), tenant.org)
        claim.refresh_from_db()
    after = balance(claim)
    assert posting.reversed == 1 and claim.status == "paid"
    assert (after.paid, after.patient_responsibility) == (first.paid, first.patient_responsibility)
    assert after.contractual == claim.total_charge - claim.expected


def test_a_zero_pay_claim_is_a_denial_with_its_codes_in_words(sent):
    tenant, claim = sent
    zero = payment(
        claim, "1", "0.00", [Adjustment("CO", "16", claim.total_charge)], remarks=("MA130",)
    )
    with scopes_disabled():
        (posting,) = post_remittance(remit(zero), tenant.org)
        claim.refresh_from_db()
        denial = Denial.objects.get()
    assert (posting.denied, posting.paid, claim.status) == (1, 0, "denied")
    assert denial.reasons[0].startswith("16: Claim lacks information")
    assert denial.reasons[1].startswith("MA130: Your claim contains incomplete")


def test_a_denied_add_on_line_reaches_the_denial_queue(sent):
    tenant, claim = sent
    with scopes_disabled():
        base, addon = sorted(claim.lines.all(), key=lambda ln: ln.code != "99490")
    services = (
        ServicePayment(base.code, base.charge, base.expected, 1, base.service_date),
        ServicePayment(addon.code, addon.charge, D("0.00"), 1, addon.service_date,
                       (Adjustment("CO", "97", addon.charge),)),
    )  # fmt: skip
    partial = dataclasses.replace(payment(claim, "1", str(base.expected)), services=services)
    with scopes_disabled():
        (posting,) = post_remittance(remit(partial), tenant.org)
        denial = Denial.objects.get()
    assert posting.paid == 1 and denial.service_code == "99439"
    assert denial.reasons == ["97: Bundled into another service already adjudicated"]


def test_provider_adjustments_are_stored_and_the_check_reconciles(sent, login):
    tenant, claim = sent
    plb = (ProviderAdjustment("1234567893", None, "L6", "INT", D("-1.20")),
           ProviderAdjustment("1234567893", None, "WO", "OVERPAY", D("10.00")))  # fmt: skip
    with scopes_disabled():
        (posting,) = post_remittance(remit(paid_in_full(claim), plb=plb), tenant.org)
    assert posting.plb_amount == D("8.80") and posting.balanced
    assert posting.check_amount == posting.claims_amount - D("8.80")
    page = login(tenant.biller).get(f"/billing/remittance/{posting.uid}/").content.decode()
    assert "WO: overpayment recovery" in page and "L6: interest owed" in page and ">yes<" in page
    # each claim adjustment's group says who carries it (ccm.x12.carc.GROUPS)
    assert (
        '<abbr title="contractual obligation (write off, do not bill the patient)">CO</abbr>'
        in page
    )
    assert (
        '<abbr title="patient responsibility (bill the patient or secondary payer)">PR</abbr>'
        in page
    )


def test_a_malformed_835_is_a_clear_error_on_the_page_and_changes_nothing(sent, login):
    tenant, claim = sent
    bad = remit(paid_in_full(claim)).replace(
        "CLP*" + claim.number + "*1*", "CLP*" + claim.number + "*1*1e400*"
    )
    page = login(tenant.biller).post(
        "/billing/remittance/", {"file": SimpleUploadedFile("r.835", bad.encode())}
    )
    assert page.status_code == 200 and "segment" in page.content.decode()
    for raw in (b"not x12", b"\x00\xff" * 40):
        assert (
            login(tenant.biller)
            .post("/billing/remittance/", {"file": SimpleUploadedFile("r.835", raw)})
            .status_code
            == 200
        )
    with scopes_disabled():
        assert not RemittanceLine.objects.exists() and Claim.objects.get().status == "sent"


def test_a_b20_denial_holds_the_claim_and_it_is_never_sent_again(sent):
    tenant, claim = sent
    denied = payment(claim, "4", "0.00", [Adjustment("CO", "B20", claim.total_charge)])
    with scopes_disabled():
        post_remittance(remit(denied), tenant.org)
        again = close_month(tenant.north, testdata.MONTH, now=NOW + dt.timedelta(days=30))
        export = export_claims(
            tenant.north, testdata.MONTH, "837p", now=NOW + dt.timedelta(days=30)
        )
        claim.refresh_from_db()
    assert "do not resend" in claim.hold_reason and export.count == 0
    assert again.held == 1


def test_crossover_and_secondary_payers_are_recorded(sent):
    tenant, claim = sent
    crossed = dataclasses.replace(paid_in_full(claim), status="19", crossover_payer="AARP MEDIGAP")
    with scopes_disabled():
        post_remittance(remit(crossed), tenant.org)
        line = RemittanceLine.objects.get()
    assert (
        line.crossover_payer == "AARP MEDIGAP" and balance(claim).secondary_payer == "AARP MEDIGAP"
    )


def test_cli_import_json_has_the_specified_fields(sent, tmp_path):
    tenant, claim = sent
    path = tmp_path / "r.835"
    path.write_text(
        remit(
            paid_in_full(claim),
            payment(claim.__class__(number="NOTOURS", total_charge=D("5"), mbi="X")),
            trace="T7",
        )
    )
    out = StringIO()
    call_command("remittance", "import", str(path), "--json", stdout=out)
    report = orjson.loads(out.getvalue())
    assert {k: report[k] for k in ("status", "trace", "balanced", "paid", "denied", "reversed", "unmatched")} == {
        "status": "posted", "trace": "T7", "balanced": True, "paid": 1, "denied": 0, "reversed": 0,
        "unmatched": ["NOTOURS"],
    }  # fmt: skip
    assert report["check_amount"] == report["claims_amount"] and report["plb_amount"] == "0.00"
    with pytest.raises(CommandError, match="segment"):
        path.write_text("ISA*garbage")
        call_command("remittance", "import", str(path), "--json")


def test_a_biller_limited_to_south_cannot_post_a_north_claim(sent, client, tmp_path):
    tenant, claim = sent
    with scopes_disabled():
        user = type(tenant.biller).objects.create_user(username="southbiller", password=PASSWORD)
        Membership.objects.create(user=user, organization=tenant.org, role="biller").practices.set(
            [tenant.south]
        )
        with pytest.raises(RemittanceRefused):
            post_remittance(remit(paid_in_full(claim)), tenant.org, [tenant.south.pk])
    client.post("/login/", {"username": "southbiller", "password": PASSWORD})
    upload = SimpleUploadedFile("r.835", remit(paid_in_full(claim)).encode())
    page = client.post("/billing/remittance/", {"file": upload}).content.decode()
    path = tmp_path / "r.835"
    path.write_text(remit(paid_in_full(claim)))
    with pytest.raises(CommandError, match="may not"):
        call_command("remittance", "import", str(path), "--practice", "acme-south")
    with scopes_disabled():
        claim.refresh_from_db()
    assert (
        "was not posted" in page and claim.status == "sent" and not RemittanceLine.objects.exists()
    )


def test_the_guides_835_samples_post_with_per_claim_results(cast, shared, login):
    client = login(cast.acme.biller)
    for path in sorted((shared / "data/x12_835_277_samples").glob("*/*.835")):
        page = client.post(
            "/billing/remittance/", {"file": SimpleUploadedFile(path.name, path.read_bytes())}
        )
        assert page.status_code == 200 and "unmatched" in page.content.decode(), path.name
    for path in sorted((shared / "data/x12_837_samples").glob("*/*.837")):
        page = client.post(
            "/billing/remittance/", {"file": SimpleUploadedFile(path.name, path.read_bytes())}
        )
        assert page.status_code == 200 and "not an 835" in page.content.decode(), path.name


def test_cli_reports_a_file_of_none_of_our_claims_claim_by_claim(cast, shared):
    path = shared / "data/x12_835_277_samples/835_005010X221A1/managed-care.835"
    out = StringIO()
    call_command("remittance", "import", str(path), "--json", stdout=out)
    report = orjson.loads(out.getvalue())
    assert (report["status"], report["unmatched"]) == ("unmatched", ["5554555444", "8765432112"])
    assert report["balanced"] and report["check_amount"] == "945.00"


def _ids(text: str, tag: str) -> set[str]:
    """The claims a file names: CLP01 of an 835; TRN02 of a 277's subscriber or dependent
    loops (HL 22, 23)."""
    from ccm.x12.segments import split_segments

    found, level = set(), ""
    for seg in split_segments(text)[0]:
        level = seg[3] if seg[0] == "HL" else level
        if seg[0] == tag and (tag == "CLP" or (seg[1] == "2" and level in ("22", "23"))):
            found.add(seg[1 if tag == "CLP" else 2])
    return found


def test_every_835_and_277_sample_reads_claim_by_claim_on_the_page_and_the_command(
    cast, shared, login, tmp_path
):
    """issue 13: the shared 835 and 277 samples, through the upload pages and the commands: each
    of their claims reported by its number (none is ours: all unmatched), no 500, no traceback."""
    folder = shared / "data/x12_835_277_samples"
    client = login(cast.acme.biller)
    remits, acks = sorted(folder.glob("*/*.835")), sorted(folder.glob("*/*.277"))
    assert len(remits) >= 5 and len(acks) >= 4
    for path in remits:
        claims = _ids(path.read_text(), "CLP")
        out = StringIO()
        call_command("remittance", "import", str(path), "--json", stdout=out)
        report = orjson.loads(out.getvalue())
        assert set(report["unmatched"]) == claims and claims, path.name
        page = client.post("/billing/remittance/", {"file": SimpleUploadedFile(path.name, path.read_bytes())})  # fmt: skip
        assert page.status_code == 200, path.name
        assert all(f"<li>{c}</li>" in page.content.decode() for c in claims), path.name
    for path in acks:
        claims = _ids(path.read_text(), "TRN")
        out = StringIO()
        call_command("claims", "ack", str(path), "--json", stdout=out)
        report = orjson.loads(out.getvalue())
        assert set(report["unmatched"]) == claims, (path.name, report)
        assert claims or len(report["notes"]) > 1, report  # a status of the whole file, in words
        page = client.post("/billing/acknowledgments/", {"file": SimpleUploadedFile(path.name, path.read_bytes())})  # fmt: skip
        assert page.status_code == 200, path.name
        assert "already read" in page.content.decode() or all(
            f"<li>{c}</li>" in page.content.decode() for c in claims
        ), path.name
    with scopes_disabled():
        assert not RemittanceLine.objects.filter(claim__isnull=False).exists()  # none ours
        assert not Claim.objects.exists()
