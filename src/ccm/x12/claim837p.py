"""The X12 5010 837P professional claim (TR3 005010X222A1), written from frozen dataclasses.

Control numbers and the creation time come in as arguments, never from the clock, so a file
is reproducible byte for byte (tests/golden/*.837). Medicare Part B: the subscriber is the
patient (no 2000C loop), SBR09 is MB and the member id is the MBI.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from ccm.x12.segments import COMPONENT, date8, isa, money, segment, text

VERSION = "005010X222A1"
CLAIMS_PER_TRANSACTION = 5000  # the TR3's recommended ceiling per ST/SE
FREQUENCIES = {"1": "original", "7": "replacement", "8": "void"}
SEX_CODES = {"female": "F", "male": "M"}


@dataclass(frozen=True, slots=True)
class Address:
    """A street address; the 837P wants a nine-digit ZIP for the billing provider when known."""

    line: str
    city: str
    state: str
    postal_code: str


@dataclass(frozen=True, slots=True)
class Submitter:
    """1000A: who sends the file (the practice or its CCM service company) and whom to call."""

    name: str
    id: str
    contact_name: str
    contact_phone: str


@dataclass(frozen=True, slots=True)
class Receiver:
    """1000B: the Medicare Administrative Contractor or clearinghouse that receives the file."""

    name: str
    id: str


@dataclass(frozen=True, slots=True)
class BillingProvider:
    """2010AA: the practice as billing entity: its NPI, TIN and street address (no PO box)."""

    name: str
    npi: str
    tin: str
    address: Address


@dataclass(frozen=True, slots=True)
class Practitioner:
    """2310B: the rendering practitioner, written when not the billing provider itself."""

    family_name: str
    given_name: str
    npi: str


@dataclass(frozen=True, slots=True)
class Subscriber:
    """2010BA: the Medicare beneficiary (subscriber and patient), identified by the MBI."""

    family_name: str
    given_name: str
    mbi: str
    birth_date: dt.date
    sex: str
    address: Address


@dataclass(frozen=True, slots=True)
class Payer:
    """2010BB: the payer, for Part B the MAC's payer id."""

    name: str
    id: str


@dataclass(frozen=True, slots=True)
class ServiceLine:
    """2400: one code, its units, charge and date of service; pointers into the claim's diagnoses."""

    code: str
    units: int
    charge: Decimal
    service_date: dt.date
    diagnosis_pointers: tuple[int, ...] = (1, 2)
    modifiers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Claim:
    """2000B/2300: one patient's claim for one month, with the qualifying chronic conditions."""

    claim_id: str
    subscriber: Subscriber
    payer: Payer
    diagnoses: tuple[str, ...]
    lines: tuple[ServiceLine, ...]
    place_of_service: str = "11"
    frequency: str = "1"
    original_reference: str = ""
    rendering: Practitioner | None = None

    @property
    def total_charge(self) -> Decimal:
        """CLM02 must equal the sum of the line charges."""
        return sum((line.charge for line in self.lines), Decimal("0"))


@dataclass(frozen=True, slots=True)
class ClaimBatch:
    """One billing provider's claims, sent as one or more 837P transactions."""

    billing_provider: BillingProvider
    claims: tuple[Claim, ...]


@dataclass(frozen=True, slots=True)
class Interchange:
    """The envelope: who, when, which control numbers, production (P) or test (T)."""

    submitter: Submitter
    receiver: Receiver
    created: dt.datetime
    interchange_number: int
    group_number: int
    first_transaction_number: int = 1
    usage: str = "P"


def check_claim(claim: Claim) -> list[str]:
    """What would make a payer reject this claim before adjudication, in words."""
    problems = []
    where = f"claim {claim.claim_id}"
    if not claim.diagnoses:
        problems.append(f"{where}: diagnoses: at least one is required")
    if len(claim.diagnoses) > 12:
        problems.append(f"{where}: diagnoses: at most 12 fit on a claim")
    if not claim.lines:
        problems.append(f"{where}: lines: at least one service line is required")
    if len(claim.lines) > 50:
        problems.append(f"{where}: lines: at most 50 service lines fit on a claim")
    if claim.frequency not in FREQUENCIES:
        problems.append(f"{where}: frequency: must be 1, 7 or 8")
    if claim.frequency in ("7", "8") and not claim.original_reference:
        problems.append(f"{where}: original_reference: a replacement or void names the original")
    if len(claim.claim_id) > 20 or not claim.claim_id:
        problems.append(f"{where}: claim_id: 1 to 20 characters")
    if not claim.subscriber.mbi:
        problems.append(f"{where}: subscriber.mbi: missing")
    for number, line in enumerate(claim.lines, 1):
        if line.units < 1:
            problems.append(f"{where}: line {number}: units must be at least 1")
        if any(p < 1 or p > len(claim.diagnoses) for p in line.diagnosis_pointers):
            problems.append(f"{where}: line {number}: diagnosis pointer outside the diagnoses")
    return problems


def _icd(code: str) -> str:
    return code.replace(".", "").upper()


def _zip(postal_code: str) -> str:
    return postal_code.replace("-", "").replace(" ", "")


def _address(address: Address) -> list[str]:
    return [
        segment("N3", text(address.line)),
        segment("N4", text(address.city), text(address.state), _zip(address.postal_code)),
    ]


def _claim_segments(claim: Claim, hl_parent: int, hl: int, billing_npi: str) -> list[str]:
    sub = claim.subscriber
    out = [
        segment("HL", hl, hl_parent, "22", "0"),
        segment("SBR", "P", "18", "", "", "", "", "", "", "MB"),
        segment(
            "NM1",
            "IL",
            "1",
            text(sub.family_name),
            text(sub.given_name),
            "",
            "",
            "",
            "MI",
            text(sub.mbi),
        ),
        *_address(sub.address),
        segment("DMG", "D8", date8(sub.birth_date), SEX_CODES.get(sub.sex, "U")),
        segment(
            "NM1", "PR", "2", text(claim.payer.name), "", "", "", "", "PI", text(claim.payer.id)
        ),
        segment(
            "CLM",
            text(claim.claim_id),
            money(claim.total_charge),
            "",
            "",
            COMPONENT.join((claim.place_of_service, "B", claim.frequency)),
            "Y",
            "A",
            "Y",
            "Y",
        ),
    ]
    if claim.frequency in ("7", "8"):
        out.append(segment("REF", "F8", text(claim.original_reference)))
    codes = [_icd(c) for c in claim.diagnoses]
    out.append(
        segment(
            "HI",
            *[f"{'ABK' if i == 0 else 'ABF'}{COMPONENT}{code}" for i, code in enumerate(codes)],
        )
    )
    if claim.rendering is not None and claim.rendering.npi != billing_npi:
        r = claim.rendering
        out.append(
            segment(
                "NM1", "82", "1", text(r.family_name), text(r.given_name), "", "", "", "XX", r.npi
            )
        )
    for number, line in enumerate(claim.lines, 1):
        procedure = COMPONENT.join(("HC", text(line.code), *[text(m) for m in line.modifiers]))
        pointers = COMPONENT.join(str(p) for p in line.diagnosis_pointers[:4])
        out += [
            segment("LX", number),
            segment("SV1", procedure, money(line.charge), "UN", line.units, "", "", pointers),
            segment("DTP", "472", "D8", date8(line.service_date)),
        ]
    return out


def _transaction(
    env: Interchange, batch: BillingProvider, claims: Sequence[Claim], number: int
) -> list[str]:
    control = f"{number:04d}"
    provider = batch
    body = [
        segment("ST", "837", control, VERSION),
        segment(
            "BHT",
            "0019",
            "00",
            f"{env.interchange_number}{control}",
            date8(env.created.date()),
            env.created.strftime("%H%M"),
            "CH",
        ),
        segment(
            "NM1", "41", "2", text(env.submitter.name), "", "", "", "", "46", text(env.submitter.id)
        ),
        segment(
            "PER",
            "IC",
            text(env.submitter.contact_name),
            "TE",
            "".join(ch for ch in env.submitter.contact_phone if ch.isdigit()),
        ),
        segment(
            "NM1", "40", "2", text(env.receiver.name), "", "", "", "", "46", text(env.receiver.id)
        ),
        segment("HL", "1", "", "20", "1"),
        segment("NM1", "85", "2", text(provider.name), "", "", "", "", "XX", provider.npi),
        *_address(provider.address),
        segment("REF", "EI", provider.tin),
    ]
    for hl, claim in enumerate(claims, 2):
        body += _claim_segments(claim, 1, hl, provider.npi)
    body.append(segment("SE", len(body) + 1, control))
    return body


def _chunks(claims: tuple[Claim, ...], size: int) -> Iterator[tuple[Claim, ...]]:
    for start in range(0, len(claims), size):
        yield claims[start : start + size]


def write_837p(
    env: Interchange,
    batches: Sequence[ClaimBatch],
    newline: bool = True,
    claims_per_transaction: int = CLAIMS_PER_TRANSACTION,
) -> str:
    """The whole interchange as text; raises ValueError naming every claim a payer would reject."""
    problems = [p for batch in batches for claim in batch.claims for p in check_claim(claim)]
    if problems:
        raise ValueError("; ".join(problems))
    created = env.created
    segments = [
        isa(env.submitter.id, env.receiver.id, created, env.interchange_number, env.usage),
        segment(
            "GS",
            "HC",
            text(env.submitter.id),
            text(env.receiver.id),
            date8(created.date()),
            created.strftime("%H%M"),
            env.group_number,
            "X",
            VERSION,
        ),
    ]
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
