"""Money the practice can see: balances per claim, payer and age, patients' share, statements."""

import datetime as dt
from decimal import Decimal
from io import StringIO

import orjson
import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled

from ccmweb.billing import testdata
from ccmweb.billing.export import export_claims
from ccmweb.billing.models import Claim, LedgerEntry
from ccmweb.billing.services import close_month
from ccmweb.patients.models import Patient

NOW = dt.datetime(2026, 4, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def sent(cast):  # type: ignore[no-untyped-def]
    with scopes_disabled():
        testdata.billable_month(cast.acme)
        close_month(cast.acme.north, testdata.MONTH, now=NOW)
        export_claims(cast.acme.north, testdata.MONTH, "837p", now=NOW)
        yield cast.acme, Claim.objects.get()


def run(*args: str) -> dict:  # type: ignore[type-arg]
    out = StringIO()
    call_command(*args, stdout=out)
    return orjson.loads(out.getvalue())  # type: ignore[no-any-return]


def test_balances_follow_a_written_835_paid_then_reversed(sent, tmp_path):
    tenant, claim = sent
    before = run("balances", "--practice", "acme-north", "--json")
    assert before["claims"][0]["payer_balance"] == f"{claim.total_charge:.2f}"
    paid = tmp_path / "paid.835"
    call_command(
        "remittance",
        "write",
        "--practice",
        "acme-north",
        "--month",
        "2026-03",
        "-o",
        str(paid),
        "--trace",
        "P1",
    )
    posted = run("remittance", "import", str(paid), "--json")
    after = run("balances", "--practice", "acme-north", "--json")["claims"][0]
    coinsurance = (claim.expected * Decimal("0.2")).quantize(Decimal("0.01"))
    assert posted["paid"] == 1 and posted["balanced"]
    assert (
        after["patient_responsibility"] == f"{coinsurance:.2f}" and after["payer_balance"] == "0.00"
    )
    assert after["paid"] == f"{claim.expected - coinsurance:.2f}" and after["status"] == "paid"
    reversed_ = tmp_path / "reversed.835"
    call_command("remittance", "write", "--practice", "acme-north", "--month", "2026-03", "-o", str(reversed_),
                 "--claim", f"{claim.number}=reversed", "--plb", "WO:5.00", "--trace", "R1")  # fmt: skip
    report = run("remittance", "import", str(reversed_), "--json")
    undone = run("balances", "--practice", "acme-north", "--json")["claims"][0]
    assert (report["reversed"], report["plb_amount"], report["balanced"]) == (1, "5.00", True)
    assert (undone["paid"], undone["patient_responsibility"], undone["status"]) == (
        "0.00",
        "0.00",
        "reversed",
    )
    with scopes_disabled():
        assert LedgerEntry.objects.filter(claim=claim, kind="reversal").count() == 1


def test_page_shows_payers_by_age_and_a_statement_pdf_under_the_practice_name(
    sent, tmp_path, login
):
    tenant, claim = sent
    paid = tmp_path / "paid.835"
    call_command(
        "remittance", "write", "--practice", "acme-north", "--month", "2026-03", "-o", str(paid)
    )
    call_command("remittance", "import", str(paid))
    client = login(tenant.biller)
    page = client.get("/billing/balances/").content.decode()
    assert "MEDICARE PART B" not in page or "90+" in page
    assert tenant.patient.family_name in page and "Statement (PDF)" in page
    pdf = client.get(f"/billing/balances/{tenant.patient.uid}/statement.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    text = _statement(tenant.patient)
    coinsurance = (claim.expected * Decimal("0.2")).quantize(Decimal("0.01"))
    assert tenant.north.name in text and f"Amount due: ${coinsurance}" in text


def test_a_qmb_patient_is_never_billed_coinsurance(sent, tmp_path, login):
    tenant, claim = sent
    with scopes_disabled():
        Patient.objects.filter(pk=tenant.patient.pk).update(qmb=True)
    paid = tmp_path / "paid.835"
    call_command(
        "remittance", "write", "--practice", "acme-north", "--month", "2026-03", "-o", str(paid)
    )
    call_command("remittance", "import", str(paid))
    patients = run("balances", "--practice", "acme-north", "--json")["patients"]
    assert patients[0]["qmb"] and patients[0]["billable"] == "0.00"
    pdf = login(tenant.biller).get(f"/billing/balances/{tenant.patient.uid}/statement.pdf")
    assert pdf.content.startswith(b"%PDF") and "Amount due: $0.00" in _statement(tenant.patient)


def _statement(patient) -> str:  # type: ignore[no-untyped-def]
    """The statement's text as the PDF renders it (its HTML, without tags)."""
    import re

    from django.template.loader import render_to_string

    from ccmweb.billing.views_money import statement_context

    with scopes_disabled():
        patient.refresh_from_db()
        html = render_to_string("billing/statement_pdf.html", statement_context(patient))
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())
