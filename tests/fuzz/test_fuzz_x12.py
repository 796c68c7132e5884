"""Fuzz suites of the X12 readers (835, 999/997, 277CA): the real samples and our own files
mutated. A result or an X12Error naming the segment, never another exception or a hang; a
remittance read is balanced arithmetic on finite amounts."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

from fuzzing import fuzz, mutated, shared_files

from ccm.x12.ack277 import read_277, write_277ca
from ccm.x12.ack999 import read_999, write_999
from ccm.x12.remit835 import read_835
from ccm.x12.segments import X12Error

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
CREATED = dt.datetime(2026, 4, 3, 10, 0)
REMITTANCES = [p.read_bytes() for p in shared_files("x12_835_277_samples/*/*.835")] + [
    (GOLDEN / "ccm_remit.835").read_bytes()
]
FUNCTIONAL = [p.read_bytes() for p in shared_files("x12_837_samples/*/*.997")] + [
    write_999(
        7, {"0001": ("A", ()), "0002": ("R", (("NM1", 17, "8"),))}, "M", "S", CREATED, 3
    ).encode()
]
STATUSES = [p.read_bytes() for p in shared_files("x12_835_277_samples/*/*.277")] + [
    write_277ca([("C1", "A2", "20", "P1", Decimal(0)), ("C2", "A7", "164", "", Decimal(5))],
                ("M", "1"), CREATED, 4).encode()
]  # fmt: skip


def _text(data: bytes) -> str:
    """As the upload page and the commands read a file: ASCII, anything else replaced."""
    return data.decode("ascii", errors="replace")


@fuzz("X12 835 remittance", mutated(REMITTANCES))
def test_fuzz_835(data):  # type: ignore[no-untyped-def]
    try:
        remits = read_835(_text(data))
    except X12Error as error:
        assert str(error)
        return
    for remit in remits:
        amounts = [remit.payment_amount, *(c.paid for c in remit.claims),
                   *(a.amount for c in remit.claims for a in c.all_adjustments()),
                   *(p.amount for p in remit.provider_adjustments)]  # fmt: skip
        assert all(a.is_finite() and abs(a) < Decimal(10) ** 18 for a in amounts)
        assert remit.balanced == (remit.payment_amount == remit.claims_amount - remit.plb_amount)


@fuzz("X12 999/997 acknowledgment", mutated(FUNCTIONAL))
def test_fuzz_999(data):  # type: ignore[no-untyped-def]
    try:
        for ack in read_999(_text(data)):
            assert ack.group_number and all(t.control_number for t in ack.transactions)
    except X12Error as error:
        assert str(error)


@fuzz("X12 277CA acknowledgment", mutated(STATUSES))
def test_fuzz_277(data):  # type: ignore[no-untyped-def]
    try:
        for ack in read_277(_text(data)):
            assert all(c.claim_id and c.outcome for c in ack.claims)
    except X12Error as error:
        assert str(error)
