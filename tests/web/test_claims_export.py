"""Claims out: a closed month's 837P passes pyx12; approved claims become sent and stay unchanged."""

import datetime as dt

import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled

from ccmweb.billing import testdata
from ccmweb.billing.export import export_claims
from ccmweb.billing.models import Claim
from ccmweb.billing.services import close_month
from ccmweb.billing.x12check import x12_errors

NOW = dt.datetime(2026, 4, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def closed(cast):  # type: ignore[no-untyped-def]
    with scopes_disabled():
        testdata.billable_month(cast.acme, minutes=45)
        close_month(cast.acme.north, testdata.MONTH, now=NOW)
        yield cast.acme


def test_837p_of_a_closed_month_passes_pyx12(closed):
    with scopes_disabled():
        done = export_claims(closed.north, testdata.MONTH, "837p", now=NOW)
        text, count = done.text, done.count
        claim = Claim.objects.get()
    assert count == 1 and x12_errors(text) == []
    assert f"CLM*{claim.number}*" in text and "NM1*82*1*ACMEDOC*PAT****XX*1003000126~" in text
    assert claim.status == Claim.Status.SENT and claim.sent_at == NOW


def test_cli_close_json_and_export(closed, tmp_path, capsys):
    call_command("month", "close", "--practice", "acme-north", "--month", "2026-03", "--json")
    report = capsys.readouterr().out
    assert (
        '"billable":1' in report and '"claims":1' in report and '"practice":"acme-north"' in report
    )
    out = tmp_path / "claims.837"
    call_command(
        "claims",
        "export",
        "--practice",
        "acme-north",
        "--month",
        "2026-03",
        "--format",
        "837p",
        "-o",
        str(out),
    )
    assert x12_errors(out) == []


def test_ambiguous_practice_slug_asks_for_org(cast):
    from django.core.management.base import CommandError

    with scopes_disabled():
        cast.bravo.north.slug = "acme-north"
        cast.bravo.north.save()
    with pytest.raises(CommandError, match="ORG/SLUG"):
        call_command("month", "close", "--practice", "acme-north", "--month", "2026-03")


def test_biller_exports_from_the_claims_page(closed, login):
    client = login(closed.biller)
    response = client.post(
        "/billing/claims/export/",
        {"practice": str(closed.north.uid), "month": "2026-03", "format": "837p"},
    )
    assert response.status_code == 200 and x12_errors(response.content.decode()) == []


def test_cli_fhir_export_is_a_valid_r4_claim_bundle(closed, tmp_path):
    from fhir.resources.R4B.bundle import Bundle

    out = tmp_path / "claims.json"
    call_command(
        "claims", "export", "--practice", "acme-north", "--month", "2026-03",
        "--format", "fhir", "-o", str(out),
    )  # fmt: skip
    bundle = Bundle.model_validate_json(out.read_text())
    with scopes_disabled():
        claim = Claim.objects.get()
        codes = sorted(claim.lines.values_list("code", flat=True))
    (entry,) = bundle.entry
    fhir_claim = entry.resource
    assert bundle.type == "collection" and fhir_claim.id == claim.number
    assert fhir_claim.patient.identifier.value == claim.mbi
    assert sorted(i.productOrService.coding[0].code for i in fhir_claim.item) == codes
    assert [d.diagnosisCodeableConcept.coding[0].code for d in fhir_claim.diagnosis] == (
        claim.diagnoses
    )
    assert claim.status == Claim.Status.SENT
