"""999 and 277CA in: rejected claims queue with their fix, and the fixed claim goes out again."""

import datetime as dt
from io import StringIO

import orjson
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django_scopes import scopes_disabled

from ccm.x12.ack277 import write_277ca
from ccm.x12.ack999 import AckError, write_999
from ccmweb.billing import testdata
from ccmweb.billing.acks import import_ack
from ccmweb.billing.export import export_claims
from ccmweb.billing.models import Claim, ClaimAck
from ccmweb.billing.services import close_month
from ccmweb.tenants.models import Membership
from ccmweb.testing.cast import PASSWORD

NOW = dt.datetime(2026, 4, 2, 9, 0, tzinfo=dt.UTC)
LATER = dt.datetime(2026, 4, 3, 10, 0)


@pytest.fixture
def sent(cast):  # type: ignore[no-untyped-def]
    with scopes_disabled():
        testdata.billable_month(cast.acme)
        close_month(cast.acme.north, testdata.MONTH, now=NOW)
        done = export_claims(cast.acme.north, testdata.MONTH, "837p", now=NOW)
        yield cast.acme, Claim.objects.get(), done.record


def ack_277(claim, category="A7", status="33", payer_claim="", control=5):  # type: ignore[no-untyped-def]
    return write_277ca(
        [(claim.number, category, status, payer_claim, claim.total_charge)],
        ("MEDICARE", "12502"), LATER, control,
    )  # fmt: skip


def test_a_999_rejecting_the_transaction_queues_its_claims_once(sent):
    tenant, claim, record = sent
    raw = write_999(
        record.interchange_number, {"0001": ("R", (("NM1", 9, "8"),))}, "M", "S", LATER, 40
    )
    redelivered = write_999(
        record.interchange_number, {"0001": ("R", (("NM1", 9, "8"),))}, "M", "S", LATER, 41
    )
    with scopes_disabled():
        first = import_ack(raw, tenant.org)
        second = import_ack(redelivered, tenant.org)
        claim.refresh_from_db()
        item = ClaimAck.objects.get()
    assert (first["rejected"], second["status"], claim.status) == (1, "already_read", "rejected")
    assert item.status == "open" and "NM1 segment at position 9" in item.reasons[1]


def test_a_277ca_rejection_is_fixed_and_the_claim_goes_out_again_as_a_new_claim(sent):
    tenant, claim, _ = sent
    with scopes_disabled():
        report = import_ack(ack_277(claim), tenant.org)
        item = ClaimAck.objects.get()
        assert item.fix.startswith("Check the patient's MBI and name against the Medicare card.")
        assert "33 Subscriber and subscriber id not found." in item.reasons[0]
        close_month(tenant.north, testdata.MONTH, now=NOW + dt.timedelta(days=2))
        again = export_claims(tenant.north, testdata.MONTH, "837p", now=NOW + dt.timedelta(days=2))
        old, new = Claim.objects.order_by("pk")
        item.refresh_from_db()
    assert report["rejected"] == 1 and (old.current, old.status) == (False, "rejected")
    assert (new.current, new.status, new.frequency) == (True, "sent", "1")
    assert again.count == 1 and f"CLM*{new.number}*" in again.text and item.status == "resolved"


def test_a_277ca_acceptance_keeps_the_payers_claim_number(sent):
    tenant, claim, _ = sent
    with scopes_disabled():
        import_ack(ack_277(claim, "A2", "20", "PCN778"), tenant.org)
        claim.refresh_from_db()
    assert (claim.status, claim.payer_claim_id) == ("accepted", "PCN778")


def test_cli_reads_an_ack_and_reports_json(sent, tmp_path):
    _, claim, _ = sent
    path = tmp_path / "ack.277"
    path.write_text(ack_277(claim, "A2", "20"))
    out = StringIO()
    call_command("claims", "ack", str(path), "--json", stdout=out)
    report = orjson.loads(out.getvalue())
    assert (report["kind"], report["accepted"], report["unmatched"]) == ("277CA", 1, [])


def test_a_malformed_ack_is_a_clear_error_and_changes_nothing(sent, login):
    tenant, claim, _ = sent
    with pytest.raises(AckError, match="ISA"), scopes_disabled():
        import_ack("not x12 at all", tenant.org)
    page = login(tenant.biller).post(
        "/billing/acknowledgments/", {"file": SimpleUploadedFile("x.277", b"ST*277*1~")}
    )
    assert page.status_code == 200 and "could not be read" in page.content.decode()


def test_a_biller_limited_to_south_cannot_touch_a_north_claim(sent, client):
    tenant, claim, _ = sent
    with scopes_disabled():
        user = type(tenant.biller).objects.create_user(username="southbiller", password=PASSWORD)
        Membership.objects.create(user=user, organization=tenant.org, role="biller").practices.set(
            [tenant.south]
        )
    client.post("/login/", {"username": "southbiller", "password": PASSWORD})
    upload = SimpleUploadedFile("ack.277", ack_277(claim).encode())
    page = client.post("/billing/acknowledgments/", {"file": upload}).content.decode()
    with scopes_disabled():
        claim.refresh_from_db()
    assert claim.status == "sent" and not ClaimAck.objects.exists()
    assert "0 rejected" in page and "1 not matched" in page


def test_cli_practice_limit_leaves_other_practices_claims_alone(sent, tmp_path):
    _, claim, _ = sent
    path = tmp_path / "ack.277"
    path.write_text(ack_277(claim))
    out = StringIO()
    call_command("claims", "ack", str(path), "--practice", "acme-south", "--json", stdout=out)
    assert orjson.loads(out.getvalue())["unmatched"] == [claim.number]
    with scopes_disabled():
        claim.refresh_from_db()
    assert claim.status == "sent"


def test_the_guides_277_samples_read_with_per_claim_results(cast, shared):
    folder = shared / "data/x12_835_277_samples"
    with scopes_disabled():
        for path in sorted(folder.glob("*/*.277")):
            report = import_ack(path.read_text(), cast.acme.org)
            assert report["status"] in ("read", "already_read")
        report = import_ack(
            (folder / "277_005010X212/provider-level-status.277").read_text(), cast.bravo.org
        )
    assert report["unmatched"] == ["ABCXYZ1"] and "Entity not approved" in report["notes"][0]
