"""The X12 5010 837I institutional claim (TR3 005010X223A2), written from frozen dataclasses.

RHCs and FQHCs bill care management on the institutional claim (cms-rules §13): a type of bill
(071X RHC, 077X FQHC) in CLM05, the statement period, a revenue code and HCPCS/CPT code per
line (SV2), no place of service, and the attending provider (2310A) the guide requires on every
claim but non-scheduled transportation; a rendering provider (2310D) only when it differs from
the attending. Medicare institutional claims go to the Part A side of the MAC (SBR09 MA); the
beneficiary is the subscriber (no 2000C loop). What pyx12 checks of this guide, and how its
map differs from the guide's name, is in docs/x12-837i.md.

Control numbers and the creation time come in as arguments, never from the clock, so a file
is reproducible byte for byte (tests/golden/*.837i).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from ccm.x12.claim837p import (
    SEX_CODES,
    Address,
    BillingProvider,
    Interchange,
    Payer,
    Practitioner,
    Subscriber,
)
from ccm.x12.segments import COMPONENT, date8, isa, money, segment, text

__all__ = [
    "Address",
    "BillingProvider",
    "Claim",
    "ClaimBatch",
    "Interchange",
    "Payer",
    "Practitioner",
    "ServiceLine",
    "Subscriber",
    "check_claim",
    "write_837i",
]

VERSION = "005010X223A2"
CLAIMS_PER_TRANSACTION = 5000  # the TR3's recommended ceiling per ST/SE
FREQUENCIES = {"1": "original", "7": "replacement", "8": "void"}
MEDICARE_PART_A = "MA"  # SBR09: institutional claims to Medicare are processed as Part A
#: CL103, patient status: 01 (discharged to home or self care), what a clinic's outpatient
#: claim reports; CL1 is required in this guide even where no admission took place.
PATIENT_STATUS = "01"
MAX_LINES = 999  # the 2400 loop's repeat in the guide
MAX_OTHER_DIAGNOSES = 24  # two HI segments of 12 after the principal diagnosis
_FOUR_DIGITS = re.compile(r"\d{4}")
_TWO_DIGITS = re.compile(r"\d{2}")
_NINE_DIGIT_ZIP = re.compile(r"\d{9}")
_NPI = re.compile(r"\d{10}")


@dataclass(frozen=True, slots=True)
class ServiceLine:
    """2400: revenue code, HCPCS/CPT code, charge, units and date of service (SV2, DTP*472)."""

    revenue_code: str
    code: str
    units: int
    charge: Decimal
    service_date: dt.date
    modifiers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Claim:
    """2300: one patient's institutional claim for one month (the statement period)."""

    claim_id: str
    subscriber: Subscriber
    payer: Payer
    diagnoses: tuple[str, ...]
    lines: tuple[ServiceLine, ...]
    facility_type: str  # type of bill digits 2-3: 71 RHC, 77 FQHC
    statement_from: dt.date
    statement_to: dt.date
    attending: Practitioner | None
    frequency: str = "1"
    original_reference: str = ""
    rendering: Practitioner | None = None

    @property
    def total_charge(self) -> Decimal:
        """CLM02 must equal the sum of the line charges."""
        return sum((line.charge for line in self.lines), Decimal("0"))

    @property
    def type_of_bill(self) -> str:
        """The UB-04 type of bill, e.g. 0771: facility type and frequency (CLM05-1, CLM05-3)."""
        return f"0{self.facility_type}{self.frequency}"


@dataclass(frozen=True, slots=True)
class ClaimBatch:
    """One billing provider's claims, sent as one or more 837I transactions."""

    billing_provider: BillingProvider
    claims: tuple[Claim, ...]


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def check_provider(provider: BillingProvider) -> list[str]:
    """What the guide refuses of the billing provider (2010AA), in words."""
    problems = []
    if not _NINE_DIGIT_ZIP.fullmatch(_digits(provider.address.postal_code)):
        problems.append(
            f"billing provider {provider.name}: postal code: the 837I needs the nine-digit ZIP+4"
        )
    if not _NPI.fullmatch(provider.npi):
        problems.append(f"billing provider {provider.name}: npi: 10 digits")
    return problems


def check_claim(claim: Claim) -> list[str]:
    """What would make a payer reject this claim before adjudication, in words."""
    problems = []
    where = f"claim {claim.claim_id}"
    if not claim.diagnoses:
        problems.append(f"{where}: diagnoses: a principal diagnosis is required")
    if len(claim.diagnoses) > 1 + MAX_OTHER_DIAGNOSES:
        problems.append(f"{where}: diagnoses: at most {1 + MAX_OTHER_DIAGNOSES} fit on a claim")
    if not claim.lines:
        problems.append(f"{where}: lines: at least one service line is required")
    if len(claim.lines) > MAX_LINES:
        problems.append(f"{where}: lines: at most {MAX_LINES} service lines fit on a claim")
    if claim.frequency not in FREQUENCIES:
        problems.append(f"{where}: frequency: must be 1, 7 or 8")
    if claim.frequency in ("7", "8") and not claim.original_reference:
        problems.append(f"{where}: original_reference: a replacement or void names the original")
    if len(claim.claim_id) > 20 or not claim.claim_id:
        problems.append(f"{where}: claim_id: 1 to 20 characters")
    if not claim.subscriber.mbi:
        problems.append(f"{where}: subscriber.mbi: missing")
    if not _TWO_DIGITS.fullmatch(claim.facility_type):
        problems.append(f"{where}: facility_type: two digits of the type of bill, e.g. 77")
    if claim.attending is None:
        problems.append(f"{where}: attending: the attending provider (2310A) is required")
    elif not _NPI.fullmatch(claim.attending.npi):
        problems.append(f"{where}: attending.npi: 10 digits")
    if claim.statement_from > claim.statement_to:
        problems.append(f"{where}: statement period: the first day is after the last")
    for number, line in enumerate(claim.lines, 1):
        if line.units < 1:
            problems.append(f"{where}: line {number}: units must be at least 1")
        if not _FOUR_DIGITS.fullmatch(line.revenue_code):
            problems.append(f"{where}: line {number}: revenue code must be 4 digits")
        if not claim.statement_from <= line.service_date <= claim.statement_to:
            problems.append(f"{where}: line {number}: date of service outside the statement period")
    return problems


def _icd(code: str) -> str:
    return code.replace(".", "").upper()


def _address(address: Address) -> list[str]:
    return [
        segment("N3", text(address.line)),
        segment("N4", text(address.city), text(address.state), _digits(address.postal_code)),
    ]


def _person(qualifier: str, who: Practitioner) -> str:
    return segment(
        "NM1",
        qualifier,
        "1",
        text(who.family_name),
        text(who.given_name),
        "",
        "",
        "",
        "XX",
        who.npi,
    )


def _claim_segments(claim: Claim, hl: int) -> list[str]:
    sub = claim.subscriber
    out = [
        segment("HL", hl, "1", "22", "0"),
        segment("SBR", "P", "18", "", "", "", "", "", "", MEDICARE_PART_A),
        segment(
            "NM1", "IL", "1", text(sub.family_name), text(sub.given_name), "", "", "", "MI",
            text(sub.mbi),
        ),
        *_address(sub.address),
        segment("DMG", "D8", date8(sub.birth_date), SEX_CODES.get(sub.sex, "U")),
        segment(
            "NM1", "PR", "2", text(claim.payer.name), "", "", "", "", "PI", text(claim.payer.id)
        ),
        # CLM05: facility type : A (UB-04 type of bill) : frequency; CLM06 is not used in 837I.
        segment(
            "CLM", text(claim.claim_id), money(claim.total_charge), "", "",
            COMPONENT.join((claim.facility_type, "A", claim.frequency)), "", "A", "Y", "Y",
        ),
        segment(
            "DTP", "434", "RD8", f"{date8(claim.statement_from)}-{date8(claim.statement_to)}"
        ),
        segment("CL1", "", "", PATIENT_STATUS),
    ]  # fmt: skip
    if claim.frequency in ("7", "8"):
        out.append(segment("REF", "F8", text(claim.original_reference)))
    codes = [_icd(c) for c in claim.diagnoses]
    out.append(segment("HI", f"ABK{COMPONENT}{codes[0]}"))
    others = codes[1:]
    for start in range(0, len(others), 12):
        out.append(segment("HI", *[f"ABF{COMPONENT}{c}" for c in others[start : start + 12]]))
    assert claim.attending is not None  # check_claim refused it otherwise
    out.append(_person("71", claim.attending))
    if claim.rendering is not None and claim.rendering.npi != claim.attending.npi:
        out.append(_person("82", claim.rendering))
    for number, line in enumerate(claim.lines, 1):
        procedure = COMPONENT.join(("HC", text(line.code), *[text(m) for m in line.modifiers]))
        out += [
            segment("LX", number),
            segment("SV2", line.revenue_code, procedure, money(line.charge), "UN", line.units),
            segment("DTP", "472", "D8", date8(line.service_date)),
        ]
    return out


def _transaction(
    env: Interchange, provider: BillingProvider, claims: Sequence[Claim], number: int
) -> list[str]:
    control = f"{number:04d}"
    body = [
        segment("ST", "837", control, VERSION),
        segment(
            "BHT", "0019", "00", f"{env.interchange_number}{control}", date8(env.created.date()),
            env.created.strftime("%H%M"), "CH",
        ),
        segment(
            "NM1", "41", "2", text(env.submitter.name), "", "", "", "", "46", text(env.submitter.id)
        ),
        segment(
            "PER", "IC", text(env.submitter.contact_name), "TE", _digits(env.submitter.contact_phone)
        ),
        segment(
            "NM1", "40", "2", text(env.receiver.name), "", "", "", "", "46", text(env.receiver.id)
        ),
        segment("HL", "1", "", "20", "1"),
        segment("NM1", "85", "2", text(provider.name), "", "", "", "", "XX", provider.npi),
        *_address(provider.address),
        segment("REF", "EI", provider.tin),
    ]  # fmt: skip
    for hl, claim in enumerate(claims, 2):
        body += _claim_segments(claim, hl)
    body.append(segment("SE", len(body) + 1, control))
    return body


def _chunks(claims: tuple[Claim, ...], size: int) -> Iterator[tuple[Claim, ...]]:
    for start in range(0, len(claims), size):
        yield claims[start : start + size]


def write_837i(
    env: Interchange,
    batches: Sequence[ClaimBatch],
    newline: bool = True,
    claims_per_transaction: int = CLAIMS_PER_TRANSACTION,
) -> str:
    """The whole interchange as text; raises ValueError naming every claim a payer would reject."""
    problems = [
        *(p for batch in batches for p in check_provider(batch.billing_provider)),
        *(p for batch in batches for claim in batch.claims for p in check_claim(claim)),
    ]
    if problems:
        raise ValueError("; ".join(problems))
    created = env.created
    segments = [
        isa(env.submitter.id, env.receiver.id, created, env.interchange_number, env.usage),
        segment(
            "GS", "HC", text(env.submitter.id), text(env.receiver.id), date8(created.date()),
            created.strftime("%H%M"), env.group_number, "X", VERSION,
        ),
    ]  # fmt: skip
    number = env.first_transaction_number
    transactions = 0
    for batch in batches:
        for chunk in _chunks(batch.claims, claims_per_transaction):
            segments += _transaction(env, batch.billing_provider, chunk, number)
            number += 1
            transactions += 1
    segments.append(segment("GE", transactions, env.group_number))
    segments.append(segment("IEA", "1", f"{env.interchange_number:09d}"))
    return ("\n" if newline else "").join(segments) + ("\n" if newline else "")
