"""Fixed inputs for the 837I golden file: an FQHC and an RHC, months on both sides of the
G0511 transition (cms-rules §13), a replacement and a void."""

import datetime as dt
from decimal import Decimal

from x12_samples import subscriber

from ccm.x12.claim837i import (
    Address,
    BillingProvider,
    Claim,
    ClaimBatch,
    Interchange,
    Payer,
    Practitioner,
    ServiceLine,
)
from ccm.x12.claim837p import Receiver, Submitter

CREATED = dt.datetime(2025, 11, 3, 8, 15)
MEDICARE_A = Payer(name="Medicare Part A", id="04111")
FQHC = BillingProvider(
    name="Riverbend Community Health Center",
    npi="1245319599",
    tin="234567891",
    address=Address("200 River Rd", "Marion", "IL", "62959-1234"),
)
RHC = BillingProvider(
    name="Prairie Rural Health Clinic",
    npi="1497758544",
    tin="345678912",
    address=Address("9 Grain Elevator Way", "Paxton", "IL", "60957-0009"),
)
DOC = Practitioner(family_name="Acmedoc", given_name="Pat", npi="1003000126")
NP = Practitioner(family_name="Nurse", given_name="Riley", npi="1932102084")
SEPTEMBER = (dt.date(2025, 9, 1), dt.date(2025, 9, 30))
OCTOBER = (dt.date(2025, 10, 1), dt.date(2025, 10, 31))


def envelope(number: int = 7) -> Interchange:
    return Interchange(
        submitter=Submitter("Acme Care Services", "ACMECCM", "Billing Office", "(217) 555-0100"),
        receiver=Receiver("Medicare MAC", "MACJ6A"),
        created=CREATED,
        interchange_number=number,
        group_number=number,
        usage="T",
    )


def fqhc_claims() -> tuple[Claim, ...]:
    return (
        Claim(  # September 2025: the month's CCM is one G0511 line
            claim_id="F1G0511SEP2025",
            subscriber=subscriber(0),
            payer=MEDICARE_A,
            diagnoses=("E11.9", "I10"),
            lines=(ServiceLine("0521", "G0511", 1, Decimal("54.67"), dt.date(2025, 9, 4)),),
            facility_type="77",
            statement_from=SEPTEMBER[0],
            statement_to=SEPTEMBER[1],
            attending=DOC,
        ),
        Claim(  # October 2025: the individual codes, the clinic's chosen revenue code
            claim_id="F2INDIVOCT2025",
            subscriber=subscriber(1),
            payer=MEDICARE_A,
            diagnoses=("I50.9", "N18.30", "E78.5"),
            lines=(
                ServiceLine("0521", "99490", 1, Decimal("60.49"), dt.date(2025, 10, 9)),
                ServiceLine("0521", "99439", 2, Decimal("91.86"), dt.date(2025, 10, 9)),
            ),
            facility_type="77",
            statement_from=OCTOBER[0],
            statement_to=OCTOBER[1],
            attending=DOC,
            rendering=NP,
        ),
        Claim(  # a replacement of an October claim the MAC numbered
            claim_id="F3REPLOCT2025",
            subscriber=subscriber(2),
            payer=MEDICARE_A,
            diagnoses=("J44.9", "I48.91"),
            lines=(ServiceLine("0521", "99487", 1, Decimal("131.65"), dt.date(2025, 10, 20)),),
            facility_type="77",
            statement_from=OCTOBER[0],
            statement_to=OCTOBER[1],
            attending=DOC,
            frequency="7",
            original_reference="25290000123401",
        ),
    )


def rhc_claims() -> tuple[Claim, ...]:
    return (
        Claim(  # a void of a September G0511 claim
            claim_id="R1VOIDSEP2025",
            subscriber=subscriber(3),
            payer=MEDICARE_A,
            diagnoses=("E11.9", "I10"),
            lines=(ServiceLine("0521", "G0511", 1, Decimal("54.67"), dt.date(2025, 9, 12)),),
            facility_type="71",
            statement_from=SEPTEMBER[0],
            statement_to=SEPTEMBER[1],
            attending=NP,
            frequency="8",
            original_reference="25270000555501",
        ),
        Claim(  # APCM, billed as itself on both sides of the transition
            claim_id="R2APCMOCT2025",
            subscriber=subscriber(4),
            payer=MEDICARE_A,
            diagnoses=("E11.9", "I10"),
            lines=(ServiceLine("0521", "G0557", 1, Decimal("48.84"), dt.date(2025, 10, 31)),),
            facility_type="71",
            statement_from=OCTOBER[0],
            statement_to=OCTOBER[1],
            attending=NP,
        ),
    )


def batches() -> tuple[ClaimBatch, ...]:
    return (ClaimBatch(FQHC, fqhc_claims()), ClaimBatch(RHC, rhc_claims()))
