"""One patient's line of the enrollment gap, built from what patients share.

A `Standing` (conditions, coverage, death, enrollment) is decided, priced and serialized once
for all the patients who have it, a `Seen` once per latest-visit day; the audit keeps a patient
as a six-field `Row` (audit.py), and `gaps` turns rows into `PatientGap` lines for the screens.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import orjson

from ccm.enrollment_gap import NO_VISIT, Half
from ccmweb.patients.models import Patient

dumps = orjson.dumps
JSON_BOOL = (b"false", b"true")
#: (rank, source_id, pk, mrn, Standing, Seen): one patient, as the audit keeps a million
Row = tuple[int, str, int, str, "Standing", "Seen"]
#: A rank's group (opportunities 0, coverage unverified 1, Medicare Advantage 2, Medicare status
#: unknown 3, the rest 4) counts in these: no
#: monthly amount in cents comes near it, so a group is a range of ranks (gap_results.LISTS).
GROUP = 10**15


def _texts(texts: tuple[str, ...]) -> bytes:
    return b"".join(b"," + dumps(text) for text in texts)


@dataclass(frozen=True, slots=True, eq=False)
class Standing:
    """What patients with the same conditions, coverage, death and enrollment share: all of
    their audit line but the visit reasons, decided and serialized once."""

    eligible: tuple[str, ...]
    coverage: str  # ccm.rules.coverage.STATES
    expected_cents: int
    deceased: bool
    enrolled_program: str
    enrolled_elsewhere: bool
    ccm: tuple[str, ...]  # reasons before the visit ones, then between and after them
    apcm: tuple[str, ...]
    extra: tuple[str, ...]
    #: Under 65 with no Medicare entitlement in the data: "Medicare status unknown".
    status_unknown: bool = False
    #: Eligible, Part B known, alive, not enrolled here or elsewhere: someone to call.
    opportunity: bool = field(init=False)
    #: The same, but Part B not known from the data: verify coverage first.
    unverified: bool = field(init=False)
    rank: int = field(init=False)  # by group (GROUP), then by value
    head: bytes = field(init=False)  # the JSON line from "eligible" to the reasons' "["
    reasons: tuple[bytes, bytes, bytes] = field(init=False)  # ccm, apcm, extra: ',"…"' each
    tails: tuple[bytes, bytes] = field(init=False)  # after the reasons, visit needed or not

    def __post_init__(self) -> None:
        put = functools.partial(object.__setattr__, self)
        open_case = bool(self.eligible) and not (
            self.enrolled_program or self.enrolled_elsewhere or self.deceased
        )
        put("opportunity", open_case and self.coverage == "part_b")
        put(
            "unverified",
            open_case and self.coverage == "unverified" and not self.status_unknown,
        )
        group = (
            0 if self.opportunity
            else 1 if self.unverified
            else 2 if open_case and self.coverage == "medicare_advantage"  # bill the plan
            else 3 if open_case and self.status_unknown  # under 65: Medicare status unknown
            else 4
        )  # fmt: skip
        put("rank", group * GROUP - self.expected_cents)
        put(
            "head",
            b',"eligible":%s,"enrolled":%s,"coverage":%s,"expected_monthly":%s,"reasons":['
            % (
                dumps(self.eligible),
                JSON_BOOL[bool(self.enrolled_program)],
                dumps(self.coverage),
                dumps(cents(self.expected_cents)),
            ),
        )
        put("reasons", (_texts(self.ccm), _texts(self.apcm), _texts(self.extra)))
        put(
            "tails",
            tuple(
                b'],"opportunity":%s,"deceased":%s,"initiating_visit_needed":%s,'
                b'"enrolled_elsewhere":%s}'
                % (
                    JSON_BOOL[self.opportunity],
                    JSON_BOOL[self.deceased],
                    needed,
                    JSON_BOOL[self.enrolled_elsewhere],
                )
                for needed in JSON_BOOL
            ),
        )


@dataclass(frozen=True, slots=True)
class Seen:
    """The visit part of a line (cms-rules §4), once per latest-visit day."""

    ccm: tuple[str, ...]
    apcm: tuple[str, ...]
    needed: bool
    reasons: tuple[bytes, bytes]  # ccm, apcm: ',"…"' each

    @classmethod
    def of(cls, half: Half) -> Seen:
        needed = half is not NO_VISIT and half.verdict.ccm.initiating_visit_needed
        return cls.stored(half.ccm, half.apcm, needed)

    @classmethod
    def stored(cls, ccm: tuple[str, ...], apcm: tuple[str, ...], needed: bool) -> Seen:
        """The visit part from its reasons (as gap_results stores it)."""
        return cls(ccm, apcm, needed, (_texts(ccm), _texts(apcm)))


NOT_SEEN = Seen.of(NO_VISIT)  # the dead: no visit reasons, no visit needed


@dataclass(slots=True)
class PatientGap:
    """One patient's line of the audit, for the screens and the outreach CSV."""

    pk: int
    uid: Any  # uuid.UUID, for links
    source_id: str
    mrn: str
    name: str
    eligible: list[str]
    enrolled: bool
    coverage: str  # ccm.rules.coverage.STATES
    expected_cents: int
    reasons: list[str]
    opportunity: bool
    unverified: bool
    deceased: bool = False
    initiating_visit_needed: bool = False
    enrolled_program: str = ""
    enrolled_elsewhere: bool = False

    @property
    def expected_monthly(self) -> str:
        return cents(self.expected_cents)


def gaps(rows: Iterable[Row]) -> list[PatientGap]:
    """The rows as PatientGap lines, with the names and uids only the screens need."""
    rows = list(rows)
    people: dict[int, tuple[Any, str, str]] = {}
    for start in range(0, len(rows), 10000):
        pks = [row[2] for row in rows[start : start + 10000]]
        found = Patient.objects.filter(pk__in=pks).values_list(
            "pk", "uid", "given_name", "family_name"
        )
        people.update((pk, (uid, given, family)) for pk, uid, given, family in found)
    lines = []
    for _rank, source_id, pk, mrn, standing, seen in rows:
        if pk not in people:  # deleted since the audit was computed
            continue
        uid, given, family = people[pk]
        lines.append(
            PatientGap(
                pk=pk,
                uid=uid,
                source_id=source_id,
                mrn=mrn,
                name=f"{family}, {given}",
                eligible=list(standing.eligible),
                enrolled=bool(standing.enrolled_program),
                coverage=standing.coverage,
                expected_cents=standing.expected_cents,
                reasons=list(standing.ccm + seen.ccm + standing.apcm + seen.apcm + standing.extra),
                opportunity=standing.opportunity,
                unverified=standing.unverified,
                deceased=standing.deceased,
                initiating_visit_needed=seen.needed,
                enrolled_program=standing.enrolled_program,
                enrolled_elsewhere=standing.enrolled_elsewhere,
            )
        )
    return lines


@functools.lru_cache(maxsize=4096)
def cents(value: int) -> str:
    return f"{Decimal(value) / 100:.2f}"
