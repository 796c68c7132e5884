"""The X12 277CA claim acknowledgment (005010X214), read and written; 277 status (X212) is read too.

Per claim (TRN*2 = our CLM01): accepted into adjudication or rejected, with the status codes
(STC) in words and the payer's claim control number (REF*1K). Statuses sent above the claim
level (the whole file, or one billing provider) are kept as notes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from ccm.x12.ack999 import AckError
from ccm.x12.segments import X12Error, date8, isa, money, segment, split_segments, text
from ccm.x12.status_codes import ACCEPTED, REJECTED, status_words

VERSION = "005010X214"
CLAIM_LEVELS = {"PT", "22", "23"}  # 277CA patient level; 277 X212 subscriber and dependent


@dataclass(frozen=True, slots=True)
class Status:
    """One STC composite: category (507), status (508), entity (98)."""

    category: str
    code: str = ""
    entity: str = ""

    @property
    def words(self) -> str:
        return status_words(self.category, self.code, self.entity)


@dataclass(frozen=True, slots=True)
class ClaimAck:
    """How the payer or clearinghouse received one claim."""

    claim_id: str
    statuses: tuple[Status, ...]
    payer_claim_id: str = ""
    segment: int = field(default=0, compare=False)

    @property
    def rejected(self) -> bool:
        return any(s.category in REJECTED for s in self.statuses)

    @property
    def accepted(self) -> bool:
        return not self.rejected and any(s.category in ACCEPTED for s in self.statuses)

    @property
    def outcome(self) -> str:
        """accepted, rejected or status (pending, finalized: information only)."""
        return "rejected" if self.rejected else "accepted" if self.accepted else "status"


@dataclass(frozen=True, slots=True)
class ClaimAcknowledgment:
    """One 277 transaction: its reference (BHT03), per-claim results, notes above claims."""

    reference: str
    claims: tuple[ClaimAck, ...]
    notes: tuple[str, ...] = ()


def _get(raw: list[str], index: int) -> str:
    return raw[index].strip() if len(raw) > index else ""


def _statuses(seg: list[str], component: str) -> list[Status]:
    out = []
    for index in (1, 10, 11):
        composite = _get(seg, index)
        if composite:
            parts = [*composite.split(component), "", ""]
            out.append(Status(parts[0], parts[1], parts[2]))
    return out


@dataclass
class _Level:
    code: str
    claim_id: str = ""
    payer_claim_id: str = ""
    statuses: list[Status] = field(default_factory=list)
    start: int = 0


def read_277(raw: str) -> tuple[ClaimAcknowledgment, ...]:
    """Every 277 transaction of an interchange; AckError naming the segment otherwise."""
    try:
        segments, component = split_segments(raw)
    except X12Error as error:
        raise AckError(str(error)) from None
    found: list[ClaimAcknowledgment] = []
    started, reference = 0, ""
    claims: list[ClaimAck] = []
    notes: list[str] = []
    level: _Level | None = None

    def end_level() -> None:
        if level is None:
            return
        if level.code in CLAIM_LEVELS and level.claim_id:
            claims.append(
                ClaimAck(level.claim_id, tuple(level.statuses), level.payer_claim_id, level.start)
            )
        elif level.statuses:
            notes.extend(f"HL {level.code}: {s.words}" for s in level.statuses)

    for number, seg in enumerate(segments, 1):
        tag = seg[0].strip()
        where = f"segment {number} ({tag[:3]})"
        if tag == "ST":
            if _get(seg, 1) != "277":
                raise AckError(f"{where}: ST01: not a 277: {_get(seg, 1)[:10]!r}")
            started, reference, claims, notes, level = number, "", [], [], None
        elif not started:
            continue
        elif tag == "BHT":
            reference = _get(seg, 3)
        elif tag == "HL":
            end_level()
            level = _Level(_get(seg, 3), start=number)
            if not level.code:
                raise AckError(f"{where}: HL03: the hierarchical level code is missing")
        elif level is None:
            continue
        elif tag == "TRN" and _get(seg, 1) == "2":
            level.claim_id = _get(seg, 2)
        elif tag == "STC":
            if not _get(seg, 1):
                raise AckError(f"{where}: STC01: the claim status is missing")
            if not level.statuses or level.code not in CLAIM_LEVELS:
                level.statuses.extend(_statuses(seg, component))
        elif tag == "REF" and _get(seg, 1) == "1K":
            level.payer_claim_id = _get(seg, 2)
        elif tag == "SE":
            end_level()
            found.append(ClaimAcknowledgment(reference, tuple(claims), tuple(notes)))
            started, level = 0, None
    if started:
        raise AckError(f"segment {started} (ST): the 277 has no SE: the file is cut short")
    if not found:
        raise AckError("no 277 transaction (ST*277 … SE) in the file")
    return tuple(found)


def write_277ca(
    answers: list[tuple[str, str, str, str, Decimal]],
    payer: tuple[str, str],
    created: dt.datetime,
    control_number: int,
) -> str:
    """A 277CA for our claims, for tests and the demo: ANSWERS is (claim number, category,
    status code, payer claim control number or "", charge) per claim; PAYER is (name, id)."""
    day = date8(created.date())
    total = money(sum((a[4] for a in answers), Decimal("0")))
    body = [
        segment("ST", "277", "0001", VERSION),
        segment("BHT", "0085", "08", f"ACK{control_number}", day, created.strftime("%H%M"), "TH"),
        segment("HL", "1", "", "20", "1"),
        segment("NM1", "PR", "2", text(payer[0]), "", "", "", "", "PI", text(payer[1])),
        segment("TRN", "1", f"BATCH{control_number}"),
        segment("DTP", "050", "D8", day),
        segment("DTP", "009", "D8", day),
        segment("HL", "2", "1", "21", "1"),
        segment("NM1", "41", "2", "SUBMITTER", "", "", "", "", "46", "SUBMITTER"),
        segment("TRN", "2", f"GROUP{control_number}"),
        segment("STC", "A1:19:PR", day, "WQ", total),
        segment("HL", "3", "2", "19", "1"),
        segment("NM1", "85", "2", "BILLING PROVIDER", "", "", "", "", "XX", "1234567893"),
        segment("TRN", "1", "0"),
        segment("STC", "A1:19:PR", "", "WQ", total),
    ]
    for n, (claim_id, category, status, payer_claim, charge) in enumerate(answers, 4):
        rejected = category not in ACCEPTED
        body += [
            segment("HL", n, "3", "PT"),
            segment("NM1", "QC", "1", "PATIENT", "", "", "", "", "MI", "UNKNOWN"),
            segment("TRN", "2", text(claim_id)),
            segment("STC", f"{category}:{status}", day, "U" if rejected else "WQ", money(charge)),
        ]
        if payer_claim:
            body.append(segment("REF", "1K", text(payer_claim)))
        body.append(segment("DTP", "472", "D8", day))
    body.append(segment("SE", len(body) + 1, "0001"))
    return "\n".join(
        [
            isa(payer[1], "SUBMITTER", created, control_number, "P"),
            segment("GS", "HN", text(payer[1]), "SUBMITTER", day, created.strftime("%H%M"),
                    control_number, "X", VERSION),
            *body,
            segment("GE", "1", control_number),
            segment("IEA", "1", f"{control_number:09d}"),
        ]
    ) + "\n"  # fmt: skip
