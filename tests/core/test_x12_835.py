"""The 835 reader: a round trip on remittances we write, validated by pyx12, and codes in words."""

import dataclasses
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import x12_samples as samples

from ccm.x12.carc import carc_action, carc_words, group_words
from ccm.x12.rarc import rarc_words
from ccm.x12.remit835 import Adjustment, ProviderAdjustment, RemittanceError, read_835
from ccm.x12.remit835_write import write_835
from ccmweb.billing.x12check import x12_errors

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def written() -> str:
    return write_835(
        samples.remittance(), "12502", "Acme North Clinic", dt.datetime(2026, 4, 20, 8, 0), 7
    )


def test_remittance_matches_the_golden_file():
    import os

    path = GOLDEN / "ccm_remit.835"
    if os.getenv("CCM_UPDATE_GOLDEN") == "1":
        path.write_text(written())
    assert written() == path.read_text()


def test_golden_835_passes_pyx12_with_zero_errors():
    assert x12_errors(GOLDEN / "ccm_remit.835") == []


def test_round_trip_gives_back_the_same_remittance():
    assert read_835(written()) == (samples.remittance(),)


def test_paid_claim_reads_status_amounts_and_service_adjustments():
    paid = read_835(written())[0].claims[0]
    assert (paid.status, paid.paid, paid.patient_responsibility) == (
        "1",
        Decimal("51.84"),
        Decimal("12.96"),
    )
    assert [(a.group, a.reason, a.amount) for a in paid.all_adjustments()] == [
        ("CO", "45", Decimal("1.33")),
        ("PR", "2", Decimal("12.96")),
    ]
    assert paid.services[0].service_date == dt.date(2026, 3, 4)
    assert not paid.denied


def test_denied_claim_carries_its_reason_and_remarks():
    denied = read_835(written())[0].claims[1]
    assert denied.denied
    assert denied.adjustments[0].reason == "B20"
    assert denied.all_remarks() == ("N290", "M86")


def test_payment_header_is_read():
    remit = read_835(written())[0]
    assert (remit.payment_amount, remit.trace_number, remit.payment_date) == (
        Decimal("51.84"),
        "EFT20260420",
        dt.date(2026, 4, 20),
    )


def test_single_line_interchange_with_other_delimiters_is_read():
    one_line = written().replace("\n", "").replace("*", "|").replace("~", "\\")
    assert read_835(one_line) == (samples.remittance(),)


def test_a_bad_amount_names_the_segment_and_element():
    broken = written().replace("CLP*C1A2B3C4D5E6*1*66.13*51.84", "CLP*C1A2B3C4D5E6*1*66.13*5X.84")
    with pytest.raises(RemittanceError, match=r"CLP.*CLP04"):
        read_835(broken)


def test_an_837_is_not_a_remittance():
    with pytest.raises(RemittanceError, match="not an 835"):
        read_835((GOLDEN / "ccm_month.837").read_text())


def test_common_codes_read_in_words():
    assert carc_words("45") == "45: Charge exceeds fee schedule/maximum allowable"
    assert carc_words("2") == "2: Coinsurance amount"
    assert group_words("PR").startswith("patient responsibility")
    assert group_words("ZZ") == "ZZ"  # an unknown group stays its code
    assert "another practice" in carc_action("B20").lower()
    assert rarc_words("N290").startswith("N290: Missing/incomplete/invalid rendering provider")
    assert carc_words("999") == "999: (see the X12 CARC list)"


@pytest.mark.parametrize(
    "amount", ["1e400", "1E+9999999", "NaN", "Infinity", "-inf", "1" * 19, "12.3.4", "5-", ""]
)
def test_amounts_outside_x12s_decimal_type_are_errors_naming_the_segment(amount):
    broken = written().replace(
        "CLP*C1A2B3C4D5E6*1*66.13*51.84", f"CLP*C1A2B3C4D5E6*1*66.13*{amount}"
    )
    with pytest.raises(RemittanceError, match=r"segment \d+ \(CLP\).*CLP04"):
        read_835(broken)


def test_an_exponent_in_adjustment_units_is_refused_at_once():
    broken = written().replace("CAS*PR*2*12.96", "CAS*PR*2*12.96*1E+9999999")
    with pytest.raises(RemittanceError, match=r"\(CAS\).*CAS04"):
        read_835(broken)


@pytest.mark.parametrize("raw", ["", "hello", "GS*HP*X~ST*835*1~SE*2*1~", "ISA*00*short~"])
def test_a_file_without_an_isa_header_is_a_clear_error(raw):
    with pytest.raises(RemittanceError, match="ISA"):
        read_835(raw)


def test_a_file_cut_before_its_se_is_refused():
    cut = written().split("SE*")[0]
    with pytest.raises(RemittanceError, match=r"no SE"):
        read_835(cut)


def test_provider_level_adjustments_balance_the_check():
    remit = dataclasses.replace(
        samples.remittance(),
        payment_amount=Decimal("41.84"),
        provider_adjustments=(
            ProviderAdjustment(
                "1234567893", dt.date(2026, 12, 31), "WO", "OFFSET1", Decimal("12.00")
            ),
            ProviderAdjustment("1234567893", dt.date(2026, 12, 31), "L6", "", Decimal("-2.00")),
        ),
    )
    text = write_835(remit, "12502", "Acme", dt.datetime(2026, 4, 20, 8, 0), 7)
    (read,) = read_835(text)
    assert read.provider_adjustments == remit.provider_adjustments
    assert (read.claims_amount, read.plb_amount, read.balanced) == (
        Decimal("51.84"), Decimal("10.00"), True,
    )  # fmt: skip
    assert x12_errors(text) == []


def test_reversal_crossover_and_zero_pay_read_as_such():
    base = samples.remittance().claims[0]
    reversal = dataclasses.replace(base, status="22", charge=-base.charge, paid=-base.paid,
                                   patient_responsibility=-base.patient_responsibility, services=())  # fmt: skip
    crossed = dataclasses.replace(base, status="19", crossover_payer="AARP MEDIGAP")
    zero = dataclasses.replace(
        base, paid=Decimal("0"), patient_responsibility=Decimal("0"), services=(),
        adjustments=(Adjustment("CO", "16", base.charge),), remarks=("MA130",),
    )  # fmt: skip
    remit = dataclasses.replace(
        samples.remittance(), claims=(reversal, crossed, zero), payment_amount=Decimal("0")
    )
    text = write_835(remit, "12502", "Acme", dt.datetime(2026, 4, 20, 8, 0), 7)
    (read,) = read_835(text)
    assert [c.reversal for c in read.claims] == [True, False, False]
    assert read.claims[0].paid == -base.paid and read.claims[1].forwarded
    assert read.claims[1].crossover_payer == "AARP MEDIGAP"
    assert read.claims[2].denied and read.claims[2].all_remarks() == ("MA130",)
    assert read.balanced and x12_errors(text) == []


def test_the_guides_835_examples_read_balanced_with_their_claims(shared):
    folder = shared / "data/x12_835_277_samples"
    read = {p.name: read_835(p.read_text()) for p in sorted(folder.glob("*/*.835"))}
    assert len(read) == 6 and all(r.balanced for remits in read.values() for r in remits)
    (part_a,) = read["medicare-part-a.835"]
    assert [c.claim_id for c in part_a.claims] == ["666123", "777777"]
    assert part_a.plb_amount == Decimal("-1.27") and part_a.provider_adjustments[0].reason == "CV"
    (managed,) = read["managed-care.835"]
    assert managed.payment_date is None and "BPR" in managed.warnings[0]
    (secondary,) = read["secondary-payment.835"]
    assert {c.status for c in secondary.claims} == {"2"}
