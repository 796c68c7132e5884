"""The 835 reader: a round trip on remittances we write, validated by pyx12, and codes in words."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import x12_samples as samples

from ccm.x12.carc import carc_action, carc_words
from ccm.x12.rarc import rarc_words
from ccm.x12.remit835 import RemittanceError, read_835, write_835
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
    assert "another practice" in carc_action("B20").lower()
    assert rarc_words("N290").startswith("N290: Missing/incomplete/invalid rendering provider")
    assert carc_words("999") == "999: (see the X12 CARC list)"
