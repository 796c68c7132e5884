"""999 and 277CA in: transactions and claims accepted or rejected, with the reasons in words."""

import datetime as dt
from decimal import Decimal

import pytest

from ccm.x12.ack277 import read_277, write_277ca
from ccm.x12.ack999 import AckError, read_999, write_999
from ccm.x12.segments import isa
from ccmweb.billing.x12check import x12_errors

CREATED = dt.datetime(2026, 4, 3, 10, 0)
HEAD = isa("MACJ6", "ACMECCM", CREATED, 1, "T")


def test_a_999_we_write_passes_pyx12_and_reads_back():
    text = write_999(
        7, {"0001": ("A", ()), "0002": ("R", (("NM1", 17, "8"),))}, "MACJ6", "ACMECCM", CREATED, 31
    )
    assert x12_errors(text) == []
    (ack,) = read_999(text)
    assert (ack.group_number, ack.group_code) == ("7", "P")
    first, second = ack.transactions
    assert first.accepted and not second.accepted
    assert second.errors[0] == "NM1 segment at position 17: segment has data element errors"
    assert second.words == "rejected"


def test_a_277ca_we_write_passes_pyx12_and_reads_back():
    text = write_277ca(
        [("C1", "A2", "20", "PCN1", Decimal("66.13")), ("C2", "A7", "164", "", Decimal("50"))],
        ("MEDICARE", "12502"), CREATED, 8,
    )  # fmt: skip
    assert x12_errors(text) == []
    (ack,) = read_277(text)
    accepted, rejected = ack.claims
    assert (accepted.claim_id, accepted.outcome, accepted.payer_claim_id) == (
        "C1",
        "accepted",
        "PCN1",
    )
    assert rejected.outcome == "rejected"
    assert rejected.statuses[0].words == (
        "A7 Acknowledgement/Rejected for Invalid Information: 164 Entity's contract/member number."
    )


def test_real_999_samples_read_per_transaction(shared):
    folder = shared / "data/x12_837_samples/hccinfhir_samples"
    (batch,) = read_999((folder / "sample_837_0.997").read_text())
    assert [t.code for t in batch.transactions] == ["A", "R", "R", "R", "R"]
    (single,) = read_999((folder / "sample_837_11.997").read_text())
    assert "PRV segment at position 20, element 2: invalid code value ('ZZ')" in (
        single.transactions[0].errors
    )


def test_real_277_samples_read_per_claim_and_notes_above_claims(shared):
    folder = shared / "data/x12_835_277_samples"
    (status,) = read_277((folder / "277_005010X212/claim-level-status.277").read_text())
    assert [c.claim_id for c in status.claims] == ["ABCXYZ1", "ABCXYZ2", "ABCXYC3"]
    assert [c.outcome for c in status.claims] == ["status"] * 3
    assert "Entity not eligible for benefits" in status.claims[2].statuses[0].words
    (receiver,) = read_277(
        (folder / "277_005010X212/information-receiver-level-status.277").read_text()
    )
    assert receiver.claims == () and receiver.notes[0].startswith("HL 21: E0 Response not possible")


@pytest.mark.parametrize(
    "raw, found",
    [
        ("", "ISA"),
        (
            HEAD + "ST*999*1~AK1*HC*1~AK2*837*1~IK5*Q~SE*5*1~",
            "not an acknowledgment code",
        ),
        (HEAD + "ST*999*1~AK1*HC*1~", "no SE"),
        (HEAD + "ST*835*1~SE*2*1~", "not a 999"),
    ],
)
def test_malformed_999s_are_clear_errors(raw, found):
    with pytest.raises(AckError, match=found):
        read_999(raw)
