"""The X12 999 implementation acknowledgment (005010X231A1), and the older 997, read and written.

A 999 answers one functional group of our 837P (AK1 names its GS06) transaction by
transaction (AK2 names each ST02): accepted (IK5 A, or E: accepted with errors) or rejected
(R, M, W, X), with the segments and elements at fault (IK3, IK4) in words.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ccm.x12.segments import X12Error, date8, isa, segment, split_segments, text

VERSION = "005010X231A1"
ACCEPTED = {"A", "E"}
#: IK501/AK501 and AK901: transaction or group acknowledgment codes.
ACK_WORDS = {
    "A": "accepted",
    "E": "accepted with errors noted",
    "M": "rejected: message authentication code failed",
    "P": "partially accepted: at least one transaction set rejected",
    "R": "rejected",
    "W": "rejected: assurance failed validity tests",
    "X": "rejected: content after decryption could not be analyzed",
}
#: IK304/AK304: segment syntax error codes.
SEGMENT_ERRORS = {
    "1": "unrecognized segment ID",
    "2": "unexpected segment",
    "3": "required segment missing",
    "4": "loop occurs over maximum times",
    "5": "segment exceeds maximum use",
    "6": "segment not in defined transaction set",
    "7": "segment not in proper sequence",
    "8": "segment has data element errors",
    "I4": "implementation 'not used' segment present",
    "I6": "implementation dependent segment missing",
    "I7": "implementation loop occurs under minimum times",
    "I8": "implementation segment below minimum use",
    "I9": "implementation dependent 'not used' segment present",
}
#: IK403/AK403: element syntax error codes.
ELEMENT_ERRORS = {
    "1": "required data element missing",
    "2": "conditional required data element missing",
    "3": "too many data elements",
    "4": "data element too short",
    "5": "data element too long",
    "6": "invalid character in data element",
    "7": "invalid code value",
    "8": "invalid date",
    "9": "invalid time",
    "10": "exclusion condition violated",
    "12": "too many repetitions",
    "13": "too many components",
    "I6": "code value not used in implementation",
    "I9": "implementation dependent data element missing",
    "I10": "implementation 'not used' data element present",
    "I11": "implementation too few repetitions",
    "I12": "implementation pattern match failure",
    "I13": "implementation dependent 'not used' data element present",
}
#: IK502-IK506/AK502-AK506: transaction set syntax error codes.
TRANSACTION_ERRORS = {
    "1": "transaction set not supported",
    "2": "transaction set trailer missing",
    "3": "transaction set control number in header and trailer do not match",
    "4": "number of included segments does not match actual count",
    "5": "one or more segments in error",
    "6": "missing or invalid transaction set identifier",
    "7": "missing or invalid transaction set control number",
    "23": "transaction set control number not unique within the functional group",
    "I5": "implementation one or more segments in error",
    "I6": "implementation convention not supported",
}


class AckError(X12Error):
    """A file that is not a 999/997/277CA we can read; the message names the segment."""


@dataclass(frozen=True, slots=True)
class TransactionAck:
    """One AK2 … IK5: how one of our 837P transactions (ST02) was received."""

    control_number: str
    code: str
    errors: tuple[str, ...] = ()

    @property
    def accepted(self) -> bool:
        return self.code in ACCEPTED

    @property
    def words(self) -> str:
        return ACK_WORDS.get(self.code, f"acknowledgment code {self.code}")


@dataclass(frozen=True, slots=True)
class FunctionalAck:
    """One 999 (or 997): the group it answers (AK1), its transactions, the group's verdict."""

    kind: str
    group_number: str
    functional_id: str
    transactions: tuple[TransactionAck, ...]
    group_code: str = ""
    control_number: str = field(default="", compare=False)


def _get(raw: list[str], index: int) -> str:
    return raw[index].strip() if len(raw) > index else ""


def _words(table: dict[str, str], code: str) -> str:
    return table.get(code, f"code {code}")


def read_999(raw: str) -> tuple[FunctionalAck, ...]:
    """Every 999 or 997 transaction of an interchange; AckError naming the segment otherwise."""
    try:
        segments, component = split_segments(raw)
    except X12Error as error:
        raise AckError(str(error)) from None
    found: list[FunctionalAck] = []
    kind = group = functional = group_code = ""
    transactions: list[TransactionAck] = []
    current: list[str] | None = None  # [control, code] of the AK2 being read
    errors: list[str] = []
    context = ""
    started = 0
    for number, seg in enumerate(segments, 1):
        tag = seg[0].strip()
        where = f"segment {number} ({tag[:3]})"
        if tag == "ST":
            if _get(seg, 1) not in ("999", "997"):
                raise AckError(f"{where}: ST01: not a 999 or 997: {_get(seg, 1)[:10]!r}")
            kind, group, functional, group_code, started = _get(seg, 1), "", "", "", number
            transactions, current, errors = [], None, []
        elif not started:
            continue
        elif tag == "AK1":
            functional, group = _get(seg, 1), _get(seg, 2)
            if not group:
                raise AckError(f"{where}: AK102: the group control number is missing")
        elif tag == "AK2":
            if current is not None:
                raise AckError(f"{where}: AK2 before the IK5 of the one before")
            current, errors = [_get(seg, 2), ""], []
            if not current[0]:
                raise AckError(f"{where}: AK202: the transaction control number is missing")
        elif tag in ("IK3", "AK3"):
            context = f"{_get(seg, 1)} segment at position {_get(seg, 2)}"
            errors.append(f"{context}: {_words(SEGMENT_ERRORS, _get(seg, 4))}")
        elif tag in ("IK4", "AK4"):
            position = _get(seg, 1).split(component)[0]
            bad = _get(seg, 4)
            errors.append(
                f"{context}, element {position}: {_words(ELEMENT_ERRORS, _get(seg, 3))}"
                + (f" ({bad[:40]!r})" if bad else "")
            )
        elif tag in ("IK5", "AK5"):
            if current is None:
                raise AckError(f"{where}: {tag} without AK2")
            code = _get(seg, 1)
            if code not in ACK_WORDS:
                raise AckError(f"{where}: {tag}01: not an acknowledgment code: {code[:10]!r}")
            errors += [
                _words(TRANSACTION_ERRORS, c) for c in (_get(seg, i) for i in range(2, 7)) if c
            ]
            transactions.append(TransactionAck(current[0], code, tuple(errors)))
            current = None
        elif tag == "AK9":
            group_code = _get(seg, 1)
        elif tag == "SE":
            if not group:
                raise AckError(
                    f"{where}: the acknowledgment has no AK1 naming the group it answers"
                )
            found.append(
                FunctionalAck(
                    kind, group, functional, tuple(transactions), group_code, _get(seg, 2)
                )
            )
            started = 0
    if started:
        raise AckError(
            f"segment {started} (ST): the acknowledgment has no SE: the file is cut short"
        )
    if not found:
        raise AckError("no 999 or 997 transaction (ST*999 … SE) in the file")
    return tuple(found)


def write_999(
    group_number: int,
    answers: dict[str, tuple[str, tuple[tuple[str, int, str], ...]]],
    sender: str,
    receiver: str,
    created: dt.datetime,
    control_number: int,
) -> str:
    """A 999 answering our group GROUP_NUMBER: ANSWERS maps each ST02 to (IK5 code,
    ((segment id, position, IK304 code), …)). For tests and the demo."""
    body = [
        segment("ST", "999", "0001", VERSION),
        segment("AK1", "HC", group_number, "005010X222A1"),
    ]
    for control, (code, problems) in answers.items():
        body.append(segment("AK2", "837", control, "005010X222A1"))
        for seg_id, position, error in problems:
            body.append(segment("IK3", seg_id, position, "", error))
        body.append(segment("IK5", code, "5" if code not in ACCEPTED else ""))
    accepted = sum(1 for code, _ in answers.values() if code in ACCEPTED)
    overall = "A" if accepted == len(answers) else "R" if not accepted else "P"
    body.append(segment("AK9", overall, len(answers), len(answers), accepted))
    body.append(segment("SE", len(body) + 1, "0001"))
    return "\n".join(
        [
            isa(sender, receiver, created, control_number, "P"),
            segment("GS", "FA", text(sender), text(receiver), date8(created.date()),
                    created.strftime("%H%M"), control_number, "X", VERSION),
            *body,
            segment("GE", "1", control_number),
            segment("IEA", "1", f"{control_number:09d}"),
        ]
    ) + "\n"  # fmt: skip
