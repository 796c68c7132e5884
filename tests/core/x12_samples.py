"""Fixed inputs for the 837P/835 golden files: two practices' worth of CCM claims."""

import datetime as dt
from decimal import Decimal

from ccm.x12.claim837p import (
    Address,
    BillingProvider,
    Claim,
    ClaimBatch,
    Interchange,
    Payer,
    Practitioner,
    Receiver,
    ServiceLine,
    Submitter,
    Subscriber,
)

CREATED = dt.datetime(2026, 4, 2, 9, 30)
MEDICARE = Payer(name="Medicare Part B", id="12502")
CLINIC = BillingProvider(
    name="Acme North Clinic",
    npi="1234567893",
    tin="123456789",
    address=Address("1 Main St", "Springfield", "IL", "62701-1234"),
)


def envelope(number: int = 1) -> Interchange:
    return Interchange(
        submitter=Submitter("Acme Care Services", "ACMECCM", "Billing Office", "(217) 555-0100"),
        receiver=Receiver("Medicare MAC", "MACJ6"),
        created=CREATED,
        interchange_number=number,
        group_number=number,
        usage="T",
    )


def subscriber(i: int) -> Subscriber:
    return Subscriber(
        family_name=["Doe", "Roe", "O'Hara"][i % 3],
        given_name=["Alice", "Bob", "Cleo"][i % 3],
        mbi="1EG4TE5MK73",
        birth_date=dt.date(1950, 4, 2),
        sex=["female", "male", "unknown"][i % 3],
        address=Address(f"{i + 10} Elm St", "Springfield", "IL", "62704"),
    )


DOC = Practitioner(family_name="Acmedoc", given_name="Pat", npi="1003000126")


def claims() -> tuple[Claim, ...]:
    return (
        Claim(
            claim_id="C1A2B3C4D5E6",
            subscriber=subscriber(0),
            payer=MEDICARE,
            diagnoses=("E11.9", "I10"),
            rendering=DOC,
            lines=(ServiceLine("99490", 1, Decimal("66.13"), dt.date(2026, 3, 4)),),
        ),
        Claim(
            claim_id="C7F8E9D0A1B2",
            subscriber=subscriber(1),
            payer=MEDICARE,
            diagnoses=("I50.9", "N18.3", "E78.5"),
            rendering=DOC,
            lines=(
                ServiceLine("99490", 1, Decimal("66.13"), dt.date(2026, 3, 9), (1, 2, 3)),
                ServiceLine("99439", 2, Decimal("100.48"), dt.date(2026, 3, 9), (1, 2, 3)),
            ),
        ),
        Claim(
            claim_id="C3C3C3C3C3C3",
            subscriber=subscriber(2),
            payer=MEDICARE,
            diagnoses=("J44.9", "I48.91"),
            rendering=None,
            frequency="7",
            original_reference="C3C3C3C3C3C2",
            lines=(ServiceLine("99487", 1, Decimal("143.58"), dt.date(2026, 3, 20)),),
        ),
    )


def batches() -> tuple[ClaimBatch, ...]:
    return (ClaimBatch(CLINIC, claims()),)


def remittance():  # type: ignore[no-untyped-def]
    """Medicare pays the first claim less coinsurance, denies the second (billed elsewhere)."""
    from ccm.x12.remit835 import Adjustment, ClaimPayment, Remittance, ServicePayment

    paid, denied = claims()[0], claims()[1]
    return Remittance(
        payer_name="MEDICARE PART B",
        payee_npi=CLINIC.npi,
        payment_amount=Decimal("51.84"),
        payment_method="CHK",
        trace_number="EFT20260420",
        payment_date=dt.date(2026, 4, 20),
        payer_id="1000012502",
        claims=(
            ClaimPayment(
                paid.claim_id,
                "1",
                Decimal("66.13"),
                Decimal("51.84"),
                Decimal("12.96"),
                "2026110000101",
                paid.subscriber.mbi,
                services=(
                    ServicePayment(
                        "99490",
                        Decimal("66.13"),
                        Decimal("51.84"),
                        1,
                        dt.date(2026, 3, 4),
                        (
                            Adjustment("CO", "45", Decimal("1.33")),
                            Adjustment("PR", "2", Decimal("12.96")),
                        ),
                    ),
                ),
            ),
            ClaimPayment(
                denied.claim_id,
                "4",
                Decimal("166.61"),
                Decimal("0.00"),
                Decimal("0.00"),
                "2026110000102",
                denied.subscriber.mbi,
                adjustments=(Adjustment("CO", "B20", Decimal("166.61")),),
                remarks=("N290",),
                services=(
                    ServicePayment(
                        "99490",
                        Decimal("66.13"),
                        Decimal("0.00"),
                        1,
                        dt.date(2026, 3, 9),
                        (),
                        ("M86",),
                    ),
                ),
            ),
        ),
    )
