"""issue 18: an FQHC's months go out as 837I claims with the professional claims' lifecycle —
the demo FQHC closes the last G0511 month and the first month of the individual codes into
837I files pyx12 accepts, their 835 posts, and a replacement carries the payer's claim number.
"""

import datetime as dt
import io
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import orjson
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_scopes import scope, scopes_disabled

from ccm.periods import BillingMonth
from ccm.rules import month_policy
from ccm.x12.ack277 import write_277ca
from ccm.x12.segments import split_segments
from ccmweb.billing import testdata
from ccmweb.billing.acks import import_ack
from ccmweb.billing.export import ExportRefused, export_claims
from ccmweb.billing.models import Claim, LedgerEntry, RemittanceLine
from ccmweb.billing.remittance import post_remittance
from ccmweb.billing.remittance_demo import write_month_835
from ccmweb.billing.services import close_month
from ccmweb.billing.x12check import x12_errors
from ccmweb.enrollment.models import Enrollment
from ccmweb.tenants.models import Practice, RevenueCodeSetting
from ccmweb.timelog.models import MonthMDM, TimeEntry

pytestmark = pytest.mark.django_db
SEPTEMBER, OCTOBER = BillingMonth(2025, 9), BillingMonth(2025, 10)
NOW = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def demo_fqhc(module_db, django_db_blocker) -> int:  # type: ignore[no-untyped-def]
    """The demo (40 patients) made once for the module (tests/web/conftest.py `module_db`):
    the FQHC's id."""
    with pytest.MonkeyPatch.context() as env, django_db_blocker.unblock():
        env.setenv("CCM_DEMO_PASSWORD", "a-demo-password-for-scripts")
        call_command("demo", patients=40, stdout=io.StringIO())
        with scopes_disabled():
            practice = Practice.objects.get(slug="demo-fqhc")
        with scope(organization=practice.organization):
            patient = first_ccm_patient(practice)
            for month in (SEPTEMBER, OCTOBER):  # each bills at least this patient's month
                base = month_policy(month).base_unit("ccm")
                assert base is not None
                set_minutes(patient, month, base.minutes)
        return practice.pk


@pytest.fixture
def fqhc(demo_fqhc, db):  # type: ignore[no-untyped-def]
    with scopes_disabled():
        practice = Practice.objects.get(pk=demo_fqhc)
    with scope(organization=practice.organization):
        yield practice


def first_ccm_patient(practice: Practice) -> Any:
    """The practice's first patient enrolled in CCM (by id)."""
    enrollment = (
        Enrollment.objects.filter(patient__practice=practice, program="ccm", status="enrolled")
        .select_related("patient__coordinator")
        .order_by("patient_id")
        .first()
    )
    assert enrollment is not None, "the demo FQHC has no CCM patient"
    return enrollment.patient


def set_minutes(patient: Any, month: BillingMonth, minutes: int) -> TimeEntry:
    """PATIENT's staff time in MONTH made one entry of MINUTES, without MDM (no complex CCM).
    The demo's minutes are drawn per patient id, which on PostgreSQL depends on the tests run
    before (its sequences are not rolled back): a month these tests bill is set here."""
    local = ZoneInfo(patient.practice.time_zone)
    start, end = (
        dt.datetime.combine(m.first, dt.time(), tzinfo=local) for m in (month, month.next())
    )
    TimeEntry.objects.filter(patient=patient, started_at__gte=start, started_at__lt=end).delete()
    MonthMDM.objects.filter(patient=patient, month=month.first).delete()
    staff = SimpleNamespace(coordinator=patient.coordinator)
    return testdata.log_time(staff, patient, month.first + dt.timedelta(days=14), minutes)


def segments(text: str, tag: str) -> list[list[str]]:
    found, _ = split_segments(text)
    return [s for s in found if s[0] == tag]


def test_the_demo_fqhc_months_close_into_837i_files_pyx12_accepts_and_their_835_posts(fqhc):
    close_month(fqhc, SEPTEMBER, now=NOW)
    close_month(fqhc, OCTOBER, now=NOW)
    september = export_claims(fqhc, SEPTEMBER, "837i", now=NOW)
    october = export_claims(fqhc, OCTOBER, "837i", now=NOW)
    assert september.count and october.count, (september.held, october.held)
    for done in (september, october):
        assert done.record is not None and done.record.file_format == "837i"
        assert done.text is not None and "005010X223A2" in done.text
        assert x12_errors(done.text) == []
        assert all(c[5] == "77:A:1" for c in segments(done.text, "CLM"))  # FQHC original
        assert not segments(done.text, "SV1")  # no professional line, no place of service
    codes = {m: {s[2].split(":")[1] for s in segments(d.text or "", "SV2")}
             for m, d in (("09", september), ("10", october))}  # fmt: skip
    assert codes["09"] == {"G0511"}  # through 2025-09-30: G0511 for CCM/PCM
    assert "G0511" not in codes["10"] and codes["10"]  # after: the individual codes
    assert {s[1] for s in segments(october.text or "", "SV2")} == {"0521"}  # the default 052X
    attending = [s for s in segments(october.text or "", "NM1") if s[1] == "71"]
    assert len(attending) == october.count  # the attending provider the guide requires

    raw, count = write_month_835(fqhc, OCTOBER, "paid", [], [], trace="FQHC1", now=NOW)
    postings = post_remittance(raw, fqhc.organization)
    claims = Claim.objects.filter(practice=fqhc, month=OCTOBER.first, current=True)
    assert count == claims.count() == october.count
    assert [p.status for p in postings] == ["posted"] and postings[0].balanced
    assert set(claims.values_list("status", flat=True)) == {"paid"}
    paid = sum(LedgerEntry.objects.filter(claim__in=claims, kind="paid").values_list(
        "amount", flat=True), Decimal("0"))  # fmt: skip
    coinsurance = sum(
        (line.patient_responsibility for line in RemittanceLine.objects.filter(claim__in=claims)),
        Decimal("0"),
    )
    expected = sum(claims.values_list("expected", flat=True), Decimal("0"))
    lines = sum(c.lines.count() for c in claims)  # each line's share is rounded to the cent
    assert paid + coinsurance == expected
    assert abs(coinsurance - expected * Decimal("0.2")) <= Decimal("0.005") * lines
    # FQHC: 20% coinsurance, no deductible (cms-rules §13)


def test_an_fqhc_replacement_goes_as_an_837i_naming_the_payers_claim(fqhc):
    policy = month_policy(OCTOBER)
    base, add_on = policy.base_unit("ccm"), policy.add_on_unit("ccm")
    assert base is not None and add_on is not None
    patient = first_ccm_patient(fqhc)
    entry = set_minutes(patient, OCTOBER, base.minutes + add_on.minutes)  # one add-on unit
    close_month(fqhc, OCTOBER, now=NOW)
    first = export_claims(fqhc, OCTOBER, "837i", now=NOW)
    claim = Claim.objects.get(practice=fqhc, month=OCTOBER.first, current=True, patient=patient)
    codes = sorted(claim.lines.values_list("code", flat=True))
    assert first.count and codes == sorted([base.code, add_on.code]), codes
    raw, _ = write_month_835(fqhc, OCTOBER, "paid", [], [], trace="FQHC2", now=NOW)
    post_remittance(raw, fqhc.organization)
    claim.refresh_from_db()
    payer_claim = claim.payer_claim_id
    assert payer_claim
    # amended down to the base unit exactly: still billable, but changed (a replacement, not
    # a void)
    testdata.log_time(SimpleNamespace(coordinator=entry.user), patient, entry.started_at.date(),
                      base.minutes, amends=entry, note="Amended: fewer minutes")  # fmt: skip
    close_month(fqhc, OCTOBER, now=NOW + dt.timedelta(days=1))
    again = export_claims(fqhc, OCTOBER, "837i", now=NOW + dt.timedelta(days=1))
    assert again.count == 1 and x12_errors(again.text or "") == []
    (clm,) = segments(again.text or "", "CLM")
    assert clm[5] == "77:A:7"  # type of bill 0777: a replacement
    assert ["REF", "F8", payer_claim] in segments(again.text or "", "REF")


def test_an_837i_rejected_by_a_277ca_queues_with_its_fix(fqhc):
    close_month(fqhc, OCTOBER, now=NOW)
    done = export_claims(fqhc, OCTOBER, "837i", now=NOW)
    claim = Claim.objects.filter(export=done.record).first()
    assert claim is not None
    ack = write_277ca(
        [(claim.number, "A7", "562", "", claim.total_charge)],
        ("MEDICARE", "12502"), dt.datetime(2026, 1, 6, 8, 0), 7,
    )  # fmt: skip
    report = import_ack(ack, fqhc.organization)
    claim.refresh_from_db()
    assert report["rejected"] == 1 and claim.status == "rejected"


def test_the_practice_type_decides_the_claim_form(fqhc, tmp_path):
    close_month(fqhc, OCTOBER, now=NOW)
    with pytest.raises(ExportRefused, match="bills on the 837I, not the 837P"):
        export_claims(fqhc, OCTOBER, "837p", now=NOW)
    assert not Claim.objects.filter(practice=fqhc, sent_at__isnull=False).exists()
    RevenueCodeSetting.objects.create(
        organization=fqhc.organization, practice=fqhc, effective_from=dt.date(2025, 10, 1),
        revenue_code="0529",
    )  # fmt: skip
    out, target = io.StringIO(), tmp_path / "october.837"
    call_command(
        "claims", "export", "--practice", "demo-fqhc", "--month", "2025-10", "--format", "837i",
        "-o", str(target), "--json", stdout=out,
    )  # fmt: skip
    report = orjson.loads(out.getvalue())
    text = target.read_text()
    assert report["claims"] > 0 and x12_errors(text) == []
    assert {s[1] for s in segments(text, "SV2")} == {"0529"}  # the practice's dated choice
    with pytest.raises(CommandError, match="837I"):
        call_command(
            "claims", "export", "--practice", "demo-clinic", "--month", "2025-10",
            "--format", "837i", "-o", str(tmp_path / "x.837"),
        )  # fmt: skip
