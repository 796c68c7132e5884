"""The X12 5010 835 remittance advice (TR3 005010X221A1): read into dataclasses, and write.

The reader takes what posting needs (BPR/TRN payment, CLP claim status, CAS adjustments,
SVC lines, LQ/MOA remarks) and ignores the rest. The writer exists so tests and the demo
can pay the claims we send; it writes only what our reader reads plus the required envelope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from ccm.x12.segments import COMPONENT, date8, isa, money, segment, split_segments, text

VERSION = "005010X221A1"
PAID_STATUSES = {"1", "2", "3", "19", "20", "21"}
STATUS_WORDS = {
    "1": "processed as primary",
    "2": "processed as secondary",
    "3": "processed as tertiary",
    "4": "denied",
    "19": "processed as primary, forwarded",
    "20": "processed as secondary, forwarded",
    "21": "processed as tertiary, forwarded",
    "22": "reversal of previous payment",
    "23": "not our claim, forwarded",
}


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

    @property
    def denied(self) -> bool:
        """Status 4, or processed with nothing paid and nothing left to the patient."""
        return self.status == "4"

    @property
    def reversal(self) -> bool:
        """Status 22: the payer takes back an earlier payment."""
        return self.status == "22"

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
class Remittance:
    """One 835 transaction: the payment (BPR/TRN) and the claims it settles."""

    payer_name: str
    payee_npi: str
    payment_amount: Decimal
    payment_method: str
    trace_number: str
    payment_date: dt.date | None
    claims: tuple[ClaimPayment, ...] = field(default_factory=tuple)


class RemittanceError(ValueError):
    """The file is not an 835 we can read; the message names the segment and element."""


def _amount(raw: list[str], index: int, where: str) -> Decimal:
    value = raw[index] if len(raw) > index else ""
    if value == "":
        return Decimal("0.00")
    try:
        return Decimal(value)
    except InvalidOperation:
        raise RemittanceError(f"{where}: {raw[0]}{index:02d}: not an amount: {value!r}") from None


def _get(raw: list[str], index: int) -> str:
    return raw[index] if len(raw) > index else ""


def _date(value: str, where: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.datetime.strptime(value, "%Y%m%d").date()
    except ValueError:
        raise RemittanceError(f"{where}: not a date CCYYMMDD: {value!r}") from None


def _cas(raw: list[str], where: str) -> list[Adjustment]:
    """CAS carries up to six (reason, amount, quantity) triples after its group code."""
    group = _get(raw, 1)
    out = []
    for start in range(2, 20, 3):
        reason = _get(raw, start)
        if not reason:
            continue
        units = _get(raw, start + 2)
        out.append(
            Adjustment(
                group,
                reason,
                _amount(raw, start + 1, where),
                int(Decimal(units)) if units else None,
            )
        )
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
    mbi: str = ""
    adjustments: list[Adjustment] = field(default_factory=list)
    remarks: list[str] = field(default_factory=list)
    services: list[_Service] = field(default_factory=list)

    def freeze(self) -> ClaimPayment:
        raw = self.raw
        return ClaimPayment(
            claim_id=_get(raw, 1),
            status=_get(raw, 2),
            charge=_amount(raw, 3, self.where),
            paid=_amount(raw, 4, self.where),
            patient_responsibility=_amount(raw, 5, self.where),
            payer_claim_id=_get(raw, 7),
            patient_mbi=self.mbi,
            adjustments=tuple(self.adjustments),
            remarks=tuple(self.remarks),
            services=tuple(s.freeze() for s in self.services),
        )


@dataclass
class _Head:
    """BPR, TRN and N1 of the transaction being read."""

    payer: str = ""
    payee: str = ""
    amount: Decimal = Decimal("0.00")
    method: str = ""
    trace: str = ""
    paid_on: dt.date | None = None


def read_835(raw: str) -> tuple[Remittance, ...]:
    """Every 835 transaction in an interchange, in file order."""
    segments, component = split_segments(raw)
    found: list[Remittance] = []
    head = _Head()
    claims: list[ClaimPayment] = []
    claim: _Claim | None = None
    in_transaction = False
    for number, seg in enumerate(segments, 1):
        tag = seg[0]
        where = f"segment {number} ({tag})"
        if tag == "ST":
            if _get(seg, 1) != "835":
                raise RemittanceError(f"{where}: ST01: not an 835 transaction: {_get(seg, 1)!r}")
            head, claims, claim, in_transaction = _Head(), [], None, True
        elif not in_transaction:
            continue
        elif tag == "BPR":
            head.amount = _amount(seg, 2, where)
            head.method = _get(seg, 4)
            head.paid_on = _date(_get(seg, 16), where)
        elif tag == "TRN":
            head.trace = _get(seg, 2)
        elif tag == "N1" and _get(seg, 1) == "PR":
            head.payer = _get(seg, 2)
        elif tag == "N1" and _get(seg, 1) == "PE":
            head.payee = _get(seg, 4)
        elif tag == "CLP":
            if claim is not None:
                claims.append(claim.freeze())
            claim = _Claim(seg, where)
        elif claim is None:
            continue
        elif tag == "NM1" and _get(seg, 1) == "QC":
            claim.mbi = _get(seg, 9)
        elif tag == "CAS":
            owner = claim.services[-1] if claim.services else claim
            owner.adjustments.extend(_cas(seg, where))
        elif tag == "MOA":
            claim.remarks.extend(code for code in seg[3:8] if code)
        elif tag == "SVC":
            procedure = _get(seg, 1).split(component)
            units = _get(seg, 5)
            claim.services.append(
                _Service(
                    code=procedure[1] if len(procedure) > 1 else procedure[0],
                    charge=_amount(seg, 2, where),
                    paid=_amount(seg, 3, where),
                    units=int(Decimal(units)) if units else 1,
                )
            )
        elif tag == "DTM" and _get(seg, 1) == "472" and claim.services:
            claim.services[-1].service_date = _date(_get(seg, 2), where)
        elif tag == "LQ" and _get(seg, 1) == "HE":
            remark_owner = claim.services[-1] if claim.services else claim
            remark_owner.remarks.append(_get(seg, 2))
        elif tag == "SE":
            if claim is not None:
                claims.append(claim.freeze())
            found.append(
                Remittance(
                    payer_name=head.payer,
                    payee_npi=head.payee,
                    payment_amount=head.amount,
                    payment_method=head.method,
                    trace_number=head.trace,
                    payment_date=head.paid_on,
                    claims=tuple(claims),
                )
            )
            claim, in_transaction = None, False
    if not found:
        raise RemittanceError("no 835 transaction (ST*835 … SE) in the file")
    return tuple(found)


def _cas_segments(adjustments: Sequence[Adjustment]) -> list[str]:
    out = []
    for group in dict.fromkeys(a.group for a in adjustments):
        triples: list[str] = []
        for adj in (a for a in adjustments if a.group == group):
            triples += [adj.reason, money(adj.amount), str(adj.units) if adj.units else ""]
        out.append(segment("CAS", group, *triples))
    return out


def write_835(
    remittance: Remittance,
    payer_id: str,
    payee_name: str,
    created: dt.datetime,
    interchange_number: int,
    usage: str = "T",
) -> str:
    """An 835 for our own claims, for tests and the demo (one transaction, check payment)."""
    paid_on = remittance.payment_date or created.date()
    body = [
        # ST03 is left out: pyx12's X221A1 map marks it "not used" (GS08 names the guide).
        segment("ST", "835", "0001"),
        segment(
            "BPR",
            "I",
            money(remittance.payment_amount),
            "C",
            remittance.payment_method or "CHK",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            date8(paid_on),
        ),
        segment("TRN", "1", text(remittance.trace_number), f"1{text(payer_id)[:9].rjust(9, '0')}"),
        segment("DTM", "405", date8(created.date())),
        segment("N1", "PR", text(remittance.payer_name)),
        segment("N3", "PO BOX 1"),
        segment("N4", "SPRINGFIELD", "IL", "62701"),
        segment("PER", "BL", "PROVIDER SERVICES", "TE", "8005550100"),
        segment("N1", "PE", text(payee_name), "XX", remittance.payee_npi),
        segment("LX", "1"),
    ]
    for claim in remittance.claims:
        body.append(
            segment(
                "CLP",
                text(claim.claim_id),
                claim.status,
                money(claim.charge),
                money(claim.paid),
                money(claim.patient_responsibility) if claim.patient_responsibility else "",
                "MB",
                text(claim.payer_claim_id),
                "11",
                "1",
            )
        )
        body += _cas_segments(claim.adjustments)
        body.append(segment("NM1", "QC", "1", "", "", "", "", "", "MI", text(claim.patient_mbi)))
        if claim.remarks:
            body.append(segment("MOA", "", "", *claim.remarks[:5]))
        for service in claim.services:
            body.append(
                segment(
                    "SVC",
                    f"HC{COMPONENT}{text(service.code)}",
                    money(service.charge),
                    money(service.paid),
                    "",
                    service.units,
                )
            )
            if service.service_date:
                body.append(segment("DTM", "472", date8(service.service_date)))
            body += _cas_segments(service.adjustments)
            body += [segment("LQ", "HE", code) for code in service.remarks]
    body.append(segment("SE", len(body) + 1, "0001"))
    segments = [
        isa(payer_id, payee_name, created, interchange_number, usage),
        segment(
            "GS",
            "HP",
            text(payer_id),
            text(remittance.payee_npi),
            date8(created.date()),
            created.strftime("%H%M"),
            interchange_number,
            "X",
            VERSION,
        ),
        *body,
        segment("GE", "1", interchange_number),
        segment("IEA", "1", f"{interchange_number:09d}"),
    ]
    return "\n".join(segments) + "\n"
