"""Each claim goes out once, in a file written and checked before anything is marked sent."""

import datetime as dt

import orjson
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_scopes import scopes_disabled

from ccmweb.billing import testdata
from ccmweb.billing.export import ExportRefused, export_claims
from ccmweb.billing.models import BillingSettings, Claim, ClaimExport
from ccmweb.billing.services import close_month
from ccmweb.billing.x12check import x12_errors
from ccmweb.patients.models import Patient

NOW = dt.datetime(2026, 4, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def closed(cast):  # type: ignore[no-untyped-def]
    with scopes_disabled():
        Patient.objects.filter(pk=cast.acme.patient.pk).update(
            given_name="José", family_name="Muñoz"
        )
        testdata.billable_month(cast.acme, minutes=45)
        close_month(cast.acme.north, testdata.MONTH, now=NOW)
        yield cast.acme


def export_json(tmp_path, name="claims.837"):  # type: ignore[no-untyped-def]
    from io import StringIO

    out = StringIO()
    call_command("claims", "export", "--practice", "acme-north", "--month", "2026-03",
                 "--format", "837p", "-o", str(tmp_path / name), "--json", stdout=out)  # fmt: skip
    return orjson.loads(out.getvalue())


def test_an_accented_name_is_transliterated_and_the_file_passes_pyx12(closed, tmp_path):
    report = export_json(tmp_path)
    text = (tmp_path / "claims.837").read_text(encoding="ascii")
    assert report["claims"] == 1 and report["file"] == str(tmp_path / "claims.837")
    assert "NM1*IL*1*MUNOZ*JOSE****MI*" in text and x12_errors(text) == []
    with scopes_disabled():
        assert Claim.objects.get().status == Claim.Status.SENT


def test_a_second_export_sends_nothing_and_writes_no_file(closed, tmp_path):
    export_json(tmp_path)
    again = export_json(tmp_path, "again.837")
    assert again == {"claims": 0, "file": None, "usage": "T", "held": [], "findings": []}
    assert not (tmp_path / "again.837").exists()


def test_a_failed_write_changes_nothing(closed, tmp_path):
    with pytest.raises(CommandError):
        export_json(tmp_path / "missing-folder")
    with scopes_disabled():
        assert Claim.objects.get().status == Claim.Status.APPROVED
        assert not ClaimExport.objects.exists()
    assert export_json(tmp_path)["claims"] == 1


def test_a_five_digit_billing_zip_refuses_the_export_with_the_fix(closed):
    with scopes_disabled():
        type(closed.north).objects.filter(pk=closed.north.pk).update(postal_code="62701")
        closed.north.refresh_from_db()
        with pytest.raises(ExportRefused, match=r"ZIP\+4"):
            export_claims(closed.north, testdata.MONTH, "837p", now=NOW)
        assert Claim.objects.get().status == Claim.Status.APPROVED


def test_production_files_only_with_a_real_submitter_and_receiver(closed):
    with scopes_disabled():
        first = export_claims(closed.north, testdata.MONTH, "837p", now=NOW)
        assert first.usage == "T" and "*T*:~" in first.text.splitlines()[0]
        Claim.objects.update(status=Claim.Status.APPROVED, sent_at=None, export=None)
        BillingSettings.objects.filter(practice=closed.north).update(
            submitter_id="ACMECCM", receiver_id="MACJ6"
        )
        second = export_claims(closed.north, testdata.MONTH, "837p", now=NOW)
    assert second.usage == "P" and "*P*:~" in second.text.splitlines()[0]


def test_add_on_lines_follow_their_base_code(closed):
    with scopes_disabled():
        text = export_claims(closed.north, testdata.MONTH, "837p", now=NOW).text
    codes = [s.split("*")[1] for s in text.splitlines() if s.startswith("SV1*")]
    assert codes == ["HC:99490", "HC:99439"]


def test_a_claim_with_a_category_code_is_held_out_with_the_reason(closed):
    with scopes_disabled():
        Claim.objects.update(diagnoses=["E11", "I10"])
        done = export_claims(closed.north, testdata.MONTH, "837p", now=NOW)
        claim = Claim.objects.get()
    assert done.text is None and claim.status == Claim.Status.APPROVED
    assert "E11 is a category, not a billable ICD-10-CM code, in FY2026" in done.held[0][1]


def test_a_fiscal_year_whose_code_set_is_not_loaded_is_a_finding(cast):
    with scopes_disabled():
        testdata.enrolled(cast.acme)
        testdata.log_time(cast.acme, cast.acme.patient, dt.date(2026, 10, 6), 25)
        october = testdata.MONTH.__class__(2026, 10)
        close_month(cast.acme.north, october, now=dt.datetime(2026, 11, 2, tzinfo=dt.UTC))
        done = export_claims(cast.acme.north, october, "837p", now=NOW)
    assert done.count == 1 and "ICD-10-CM FY2027" in done.findings[0]
