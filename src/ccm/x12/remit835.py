"""The X12 5010 835 remittance advice (TR3 005010X221A1), read into frozen dataclasses.

What a biller's ledger needs: the payment (BPR, TRN), each claim's decision (CLP with its
CAS adjustments, MOA/LQ remarks, NM1*TT crossover carrier, SVC lines) and the
provider-level adjustments (PLB) that make the check differ from the claims. Malformed
input raises RemittanceError naming the segment; nothing is guessed. The writer, for our
own claims (tests, demos, training), is remit835_write.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from ccm.x12.segments import X12Error, date_ccyymmdd, decimal, split_segments

VERSION = "005010X221A1"
#: CLP02 claim status codes (X12 code source 235 subset used by the 835) in words.
STATUS_WORDS = {
    "1": "processed as primary",
    "2": "processed as secondary",
    "3": "processed as tertiary",
    "4": "denied",
    "19": "processed as primary, forwarded to additional payer(s)",
    "20": "processed as secondary, forwarded to additional payer(s)",
    "21": "processed as tertiary, forwarded to additional payer(s)",
    "22": "reversal of previous payment",
    "23": "not our claim, forwarded to additional payer(s)",
    "25": "predetermination pricing only, no payment",
}
#: Statuses under which the payer processed the claim (paid, or decided with nothing to pay).
PAID_STATUSES = {"1", "2", "3", "19", "20", "21"}
FORWARDED = {"19", "20", "21", "23"}
#: Who paid in which order: CLP02 → 1 primary, 2 secondary, 3 tertiary.
PAYER_ORDER = {"1": 1, "19": 1, "2": 2, "20": 2, "3": 3, "21": 3}
ZERO = Decimal("0.00")


class RemittanceError(X12Error):
    """The file is not an 835 we can read; the message names the segment and element."""


@dataclass(frozen=True, slots=True)
class Adjustment:
    """One CAS triple: group (CO/PR/OA/PI/CR), reason code (CARC), amount."""

    group: str
    reason: str
    amount: Decimal
    units: int | None = None


@dataclass(frozen=True, slots=True)
class ServicePayment:
    """SVC: one service line's charge, payment and adjustments."""

    code: str
    charge: Decimal
    paid: Decimal
    units: int = 1
    service_date: dt.date | None = None
    adjustments: tuple[Adjustment, ...] = ()
    remarks: tuple[str, ...] = ()

    @property
    def denied(self) -> bool:
        """Nothing paid on a charged line, and not because the patient owes it."""
        owed = sum((a.amount for a in self.adjustments if a.group == "PR"), ZERO)
        return self.paid == 0 and self.charge > 0 and owed == 0


@dataclass(frozen=True, slots=True)
class ClaimPayment:
    """CLP: how the payer decided one claim."""

    claim_id: str
    status: str
    charge: Decimal
    paid: Decimal
    patient_responsibility: Decimal
    payer_claim_id: str = ""
    patient_mbi: str = ""
    adjustments: tuple[Adjustment, ...] = ()
    services: tuple[ServicePayment, ...] = ()
    remarks: tuple[str, ...] = ()
    crossover_payer: str = ""
    segment: int = field(default=0, compare=False)

    @property
    def denied(self) -> bool:
        """Status 4, or processed with nothing paid and nothing left to the patient (a
        zero-pay claim such as CO-16 with MA130: the money is not coming)."""
        if self.status == "4":
            return True
        return (
            self.status in PAID_STATUSES
            and self.paid == 0
            and self.patient_responsibility == 0
            and self.charge > 0
        )

    @property
    def reversal(self) -> bool:
        """Status 22: the payer takes back an earlier payment."""
        return self.status == "22"

    @property
    def forwarded(self) -> bool:
        """Crossed over: the payer sent the claim on to another payer (19, 20, 21, 23)."""
        return self.status in FORWARDED

    @property
    def status_words(self) -> str:
        return STATUS_WORDS.get(self.status, f"status {self.status}")

    def all_adjustments(self) -> tuple[Adjustment, ...]:
        """Claim-level and service-level adjustments together."""
        return self.adjustments + tuple(a for s in self.services for a in s.adjustments)

    def all_remarks(self) -> tuple[str, ...]:
        """Claim-level and service-level remark codes, each once, in order."""
        seen: dict[str, None] = dict.fromkeys(self.remarks)
        for service in self.services:
            seen.update(dict.fromkeys(service.remarks))
        return tuple(seen)


@dataclass(frozen=True, slots=True)
class ProviderAdjustment:
    """One PLB adjustment: interest, offsets, recoupments. A positive amount reduces the
    check (BPR02 = Σ CLP04 − Σ PLB), a negative one (interest) adds to it."""

    provider_id: str
    fiscal_period: dt.date | None
    reason: str
    reference: str
    amount: Decimal


#: PLB03-1 adjustment reason codes (X12 element 426) a practice meets, in words.
PLB_WORDS = {
    "72": "authorized return",
    "90": "early payment allowance",
    "AP": "acceleration of benefits",
    "B2": "rebate",
    "B3": "recovery allowance",
    "BD": "bad debt adjustment",
    "BN": "bonus",
    "C5": "temporary allowance",
    "CR": "capitation interest",
    "CS": "adjustment",
    "CT": "capitation payment",
    "CV": "capital passthru",
    "CW": "certified registered nurse anesthetist passthru",
    "DM": "direct medical education passthru",
    "E3": "withholding",
    "FB": "forwarding balance",
    "FC": "fund allocation",
    "GO": "graduate medical education passthru",
    "HM": "hemophilia clotting factor supplement",
    "IP": "incentive premium payment",
    "IR": "internal revenue service withholding",
    "IS": "interim settlement",
    "J1": "nonreimbursable",
    "L3": "penalty",
    "L6": "interest owed",
    "LE": "levy",
    "LS": "lump sum",
    "OA": "organ acquisition passthru",
    "OB": "offset for affiliated providers",
    "PI": "periodic interim payment",
    "PL": "payment final",
    "RA": "retro-activity adjustment",
    "RE": "return on equity",
    "SL": "student loan repayment",
    "TL": "third party liability",
    "WO": "overpayment recovery",
    "WU": "unspecified recovery",
}


@dataclass(frozen=True, slots=True)
class Remittance:
    """One 835 transaction: the payment (BPR/TRN), the claims it settles, the PLB."""

    payer_name: str
    payee_npi: str
    payment_amount: Decimal
    payment_method: str
    trace_number: str
    payment_date: dt.date | None
    claims: tuple[ClaimPayment, ...] = field(default_factory=tuple)
    provider_adjustments: tuple[ProviderAdjustment, ...] = ()
    payer_id: str = ""
    payee_id_qualifier: str = "XX"
    warnings: tuple[str, ...] = field(default=(), compare=False)

    @property
    def claims_amount(self) -> Decimal:
        """Σ CLP04: what the claims were paid, reversals negative."""
        return sum((c.paid for c in self.claims), ZERO)

    @property
    def plb_amount(self) -> Decimal:
        """Σ PLB amounts: what the payer held back (+) or added (−) at provider level."""
        return sum((p.amount for p in self.provider_adjustments), ZERO)

    @property
    def balanced(self) -> bool:
        """The TR3's balancing rule: BPR02 = Σ CLP04 − Σ PLB."""
        return self.payment_amount == self.claims_amount - self.plb_amount


def _get(raw: list[str], index: int) -> str:
    return raw[index].strip() if len(raw) > index else ""


def _amount(raw: list[str], index: int, where: str, required: bool = False) -> Decimal:
    value = _get(raw, index)
    if value == "":
        if required:
            raise RemittanceError(f"{where}: {raw[0]}{index:02d}: amount missing")
        return ZERO
    try:
        return decimal(value, f"{where}: {raw[0]}{index:02d}")
    except X12Error as error:
        raise RemittanceError(str(error)) from None


def _units(raw: list[str], index: int, where: str) -> int | None:
    value = _get(raw, index)
    if not value:
        return None
    return int(_amount(raw, index, where))


def _date(value: str, where: str) -> dt.date | None:
    if not value:
        return None
    try:
        return date_ccyymmdd(value, where)
    except X12Error as error:
        raise RemittanceError(str(error)) from None


def _cas(raw: list[str], where: str) -> list[Adjustment]:
    """CAS carries up to six (reason, amount, quantity) triples after its group code."""
    group = _get(raw, 1)
    if not group:
        raise RemittanceError(f"{where}: CAS01: the adjustment group (CO, PR, OA, PI) is missing")
    out = []
    for start in range(2, 20, 3):
        reason = _get(raw, start)
        if reason:
            out.append(
                Adjustment(
                    group,
                    reason,
                    _amount(raw, start + 1, where, required=True),
                    _units(raw, start + 2, where),
                )
            )
    if not out:
        raise RemittanceError(f"{where}: CAS02: no adjustment reason code")
    return out


def _plb(raw: list[str], where: str, component: str) -> list[ProviderAdjustment]:
    """PLB: provider, fiscal period end, then up to six (reason:reference, amount) pairs."""
    provider, period = _get(raw, 1), _date(_get(raw, 2), where)
    out = []
    for start in range(3, 15, 2):
        composite = _get(raw, start)
        if composite:
            reason, _, reference = composite.partition(component)
            out.append(
                ProviderAdjustment(
                    provider, period, reason, reference, _amount(raw, start + 1, where, True)
                )
            )
    if not out:
        raise RemittanceError(f"{where}: PLB03: no provider adjustment")
    return out


@dataclass
class _Service:
    """An SVC being read: adjustments, date and remarks arrive in the segments after it."""

    code: str
    charge: Decimal
    paid: Decimal
    units: int
    service_date: dt.date | None = None
    adjustments: list[Adjustment] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)

    def freeze(self) -> ServicePayment:
        return ServicePayment(
            self.code,
            self.charge,
            self.paid,
            self.units,
            self.service_date,
            tuple(self.adjustments),
            tuple(self.remarks),
        )


@dataclass
class _Claim:
    """A CLP being read: mutable while its segments arrive, frozen when the next one starts."""

    raw: list[str]
    where: str
    number: int
    mbi: str = ""
    crossover: str = ""
    adjustments: list[Adjustment] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)
    services: list[_Service] = field(default_factory=list)

    def freeze(self) -> ClaimPayment:
        raw, where = self.raw, self.where
        claim_id, status = _get(raw, 1), _get(raw, 2)
        if not claim_id:
            raise RemittanceError(f"{where}: CLP01: the claim number is missing")
        if status not in STATUS_WORDS:
            raise RemittanceError(f"{where}: CLP02: not a claim status code: {status[:10]!r}")
        return ClaimPayment(
            claim_id=claim_id,
            status=status,
            charge=_amount(raw, 3, where, required=True),
            paid=_amount(raw, 4, where, required=True),
            patient_responsibility=_amount(raw, 5, where),
            payer_claim_id=_get(raw, 7),
            patient_mbi=self.mbi,
            adjustments=tuple(self.adjustments),
            remarks=tuple(self.remarks),
            services=tuple(s.freeze() for s in self.services),
            crossover_payer=self.crossover,
            segment=self.number,
        )


@dataclass
class _Transaction:
    """An ST*835 being read."""

    control: str
    start: int
    payer: str = ""
    payer_id: str = ""
    payee: str = ""
    payee_qualifier: str = ""
    amount: Decimal | None = None
    method: str = ""
    trace: str = ""
    paid_on: dt.date | None = None
    claims: list[ClaimPayment] = field(default_factory=list)
    plb: list[ProviderAdjustment] = field(default_factory=list)
    claim: _Claim | None = None
    warnings: list[str] = field(default_factory=list)

    def end_claim(self) -> None:
        if self.claim is not None:
            self.claims.append(self.claim.freeze())
            self.claim = None

    def freeze(self, where: str) -> Remittance:
        self.end_claim()
        if self.amount is None:
            raise RemittanceError(f"{where}: the transaction has no BPR (payment) segment")
        if not self.trace:
            raise RemittanceError(f"{where}: the transaction has no TRN02 trace number")
        return Remittance(
            payer_name=self.payer,
            payee_npi=self.payee,
            payment_amount=self.amount,
            payment_method=self.method,
            trace_number=self.trace,
            payment_date=self.paid_on,
            claims=tuple(self.claims),
            provider_adjustments=tuple(self.plb),
            payer_id=self.payer_id,
            payee_id_qualifier=self.payee_qualifier,
            warnings=tuple(self.warnings),
        )


def read_835(raw: str) -> tuple[Remittance, ...]:
    """Every 835 transaction in an interchange, in file order; RemittanceError otherwise."""
    try:
        segments, component = split_segments(raw)
    except X12Error as error:
        raise RemittanceError(str(error)) from None
    found: list[Remittance] = []
    current: _Transaction | None = None
    for number, seg in enumerate(segments, 1):
        tag = seg[0].strip()
        where = f"segment {number} ({tag[:3]})"
        if tag == "ST":
            if _get(seg, 1) != "835":
                raise RemittanceError(f"{where}: ST01: not an 835 transaction: {_get(seg, 1)!r}")
            if current is not None:
                raise RemittanceError(
                    f"{where}: a new ST before the SE of the one at segment {current.start}"
                )
            current = _Transaction(_get(seg, 2), number)
        elif tag == "SE":
            if current is None:
                raise RemittanceError(f"{where}: SE without ST")
            count = _get(seg, 1)
            if count != str(number - current.start + 1):
                raise RemittanceError(
                    f"{where}: SE01 says {count[:10]!r} segments, the transaction has "
                    f"{number - current.start + 1}: the file is cut or corrupt"
                )
            found.append(current.freeze(where))
            current = None
        elif current is not None:
            _read_segment(current, tag, seg, where, number, component)
    if current is not None:
        raise RemittanceError(
            f"segment {current.start} (ST): the transaction has no SE: the file is cut short"
        )
    if not found:
        raise RemittanceError("no 835 transaction (ST*835 … SE) in the file")
    return tuple(found)


def _read_segment(
    t: _Transaction, tag: str, seg: list[str], where: str, number: int, component: str
) -> None:
    """One segment inside ST … SE."""
    if tag == "BPR":
        t.amount = _amount(seg, 2, where, required=True)
        if _get(seg, 3) == "D":  # a debit: the payer takes money back
            t.amount = -t.amount
        t.method = _get(seg, 4)
        try:  # the payment's effective date: informational, a bad one costs nothing
            t.paid_on = _date(_get(seg, 16), where)
        except RemittanceError as error:
            t.warnings.append(f"{error}; the payment date is left blank")
    elif tag == "TRN":
        t.trace, t.payer_id = _get(seg, 2), _get(seg, 3)
    elif tag == "N1" and _get(seg, 1) == "PR":
        t.payer = _get(seg, 2)
    elif tag == "N1" and _get(seg, 1) == "PE":
        t.payee, t.payee_qualifier = _get(seg, 4), _get(seg, 3)
    elif tag == "CLP":
        t.end_claim()
        t.claim = _Claim(seg, where, number)
    elif tag == "PLB":
        t.end_claim()
        t.plb.extend(_plb(seg, where, component))
    elif t.claim is not None:
        _read_claim_segment(t.claim, tag, seg, where, component)


def _read_claim_segment(
    claim: _Claim, tag: str, seg: list[str], where: str, component: str
) -> None:
    """A segment of the claim being read (2100 and 2110 loops)."""
    if tag == "NM1" and _get(seg, 1) == "QC":
        claim.mbi = _get(seg, 9)
    elif tag == "NM1" and _get(seg, 1) == "TT":
        claim.crossover = _get(seg, 3)
    elif tag == "CAS":
        owner = claim.services[-1] if claim.services else claim
        owner.adjustments.extend(_cas(seg, where))
    elif tag == "MOA":
        claim.remarks.extend(code for code in (_get(seg, i) for i in range(3, 8)) if code)
    elif tag == "MIA":
        claim.remarks.extend(code for code in (_get(seg, i) for i in (5, 20, 21, 22, 23)) if code)
    elif tag == "SVC":
        procedure = _get(seg, 1)
        parts = procedure.split(component) if component in procedure else procedure.split(">")
        claim.services.append(
            _Service(
                code=parts[1] if len(parts) > 1 else parts[0],
                charge=_amount(seg, 2, where, required=True),
                paid=_amount(seg, 3, where, required=True),
                units=_units(seg, 5, where) or 1,
            )
        )
    elif tag == "DTM" and _get(seg, 1) == "472" and claim.services:
        claim.services[-1].service_date = _date(_get(seg, 2), where)
    elif tag == "LQ" and _get(seg, 1) == "HE":
        remark_owner = claim.services[-1] if claim.services else claim
        remark_owner.remarks.append(_get(seg, 2))
