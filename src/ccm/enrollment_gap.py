"""Each patient's line of the enrollment gap, from the pure eligibility rules, a million at a time.

``ccm.rules.eligibility`` decides one patient in about 100 µs: 100 s for a million patients,
over the audit's 60 s budget (issue 4). Its verdict depends on the visit history only through
the cms-rules §4 reasons and "initiating visit needed", and on everything else only through
the active condition codes, Part B, QMB and death. So ``GapRules`` asks the rules once per
distinct (conditions, coverage, death) and once per distinct last visit, and joins the two;
patients mostly share both. tests/core/test_enrollment_gap.py checks the join against direct
calls on generated patients. Pure: ``as_of`` comes in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ccm.codes import USUAL_INITIATING_VISIT
from ccm.rules.eligibility import (
    ConditionFact,
    Eligibility,
    PatientFacts,
    ProgramEligibility,
    eligibility,
)

VISIT_RULE = "cms-rules §4"
#: (code, class) of an established-patient office visit: an initiating visit (cms-rules §4)
AN_INITIATING_VISIT = (USUAL_INITIATING_VISIT, "AMB")
#: (program, chronic conditions it needs) in the order the audit lists them (cms-rules §2)
PROGRAMS = (("ccm", 2), ("pcm", 1), ("apcm", 0))


@dataclass(frozen=True, slots=True)
class GapVerdict:
    """What the audit shows of one patient's eligibility."""

    programs: tuple[str, ...]  # the programs the clinical facts qualify for; () when deceased
    condition_count: int
    apcm_code: str | None
    reasons: tuple[str, ...]
    initiating_visit_needed: bool
    dead: bool


@dataclass(frozen=True, slots=True, eq=False)
class Half:
    """The reason texts of one cached call, split the way ``decide`` joins them.

    Compared by identity (``eq=False``): one object per distinct input, so callers can key
    their own caches on it cheaply (the audit keeps one JSON fragment per half).
    """

    verdict: Eligibility
    ccm: tuple[str, ...]  # CCM's reasons (of this half's kind: §4 visit ones, or all the others)
    apcm: tuple[str, ...]  # APCM's that CCM's lack


def _half(verdict: Eligibility, visit: bool) -> Half:
    def texts(program: ProgramEligibility) -> tuple[str, ...]:
        return tuple(r.text for r in program.reasons if (r.rule == VISIT_RULE) == visit)

    ccm = texts(verdict.ccm)
    return Half(verdict, ccm, tuple(t for t in dict.fromkeys(texts(verdict.apcm)) if t not in ccm))


#: The visit half of the dead: the rules give them no visit reasons and need no visit.
NO_VISIT = Half(eligibility(PatientFacts(), date(2000, 1, 1)), (), ())


class GapRules:
    """Eligibility on ``as_of`` for many patients, each distinct part decided once."""

    def __init__(self, as_of: date) -> None:
        self.as_of = as_of
        self._facts: dict[tuple[object, ...], Half] = {}
        self._visits: dict[date | None, Half] = {}

    def facts_half(
        self,
        conditions: tuple[ConditionFact, ...],
        part_b: bool | None,
        qmb: bool | None,
        dead: date | None,
        coverage: str = "",
    ) -> Half:
        """Everything but the §4 visit reasons, once per distinct (conditions, coverage, death);
        ``dead`` is the death date only when on or before ``as_of`` (see ``died``);
        ``coverage`` the state of ccm.rules.coverage when Part B is absent for a named reason."""
        key = (conditions, part_b, qmb, dead, coverage)
        facts = self._facts.get(key)
        if facts is None:
            patient = PatientFacts(
                conditions=conditions,
                part_b=part_b,
                qmb=qmb,
                deceased_date=dead,
                coverage=coverage,
            )
            facts = self._facts[key] = _half(eligibility(patient, self.as_of), visit=False)
        return facts

    def visit_half(self, last_visit: date | None) -> Half:
        """The §4 reasons and "initiating visit needed", once per distinct latest visit day."""
        visit = self._visits.get(last_visit)
        if visit is None:
            encounters = ((last_visit, *AN_INITIATING_VISIT),) if last_visit else ()
            seen = eligibility(PatientFacts(part_b=True, encounters=encounters), self.as_of)
            visit = self._visits[last_visit] = _half(seen, visit=True)
        return visit

    def forget(self) -> None:
        """Let go of the facts halves decided so far (a caller that keeps memory flat over a
        million patients calls it when it forgets its own; each holds a whole `Eligibility`).
        The visit halves stay: one per day."""
        self._facts.clear()

    def died(self, deceased: date | None) -> date | None:
        """The death date if it falls on or before ``as_of``: a later one changes nothing yet."""
        return deceased if deceased is not None and deceased <= self.as_of else None

    def decide(
        self,
        conditions: tuple[ConditionFact, ...],
        part_b: bool | None,
        qmb: bool | None,
        deceased: date | None,
        last_visit: date | None,
    ) -> GapVerdict:
        """One patient: active conditions, coverage, death and the day of the latest initiating
        visit (cms-rules §4; which E/M, AWV, IPPE or TCM it was changes nothing)."""
        dead = self.died(deceased)
        facts = self.facts_half(conditions, part_b, qmb, dead)
        visit = NO_VISIT if dead is not None else self.visit_half(last_visit)
        return join(facts, visit, dead is not None)


def join(facts: Half, visit: Half, dead: bool) -> GapVerdict:
    """One patient's verdict from its two halves (the dead take ``NO_VISIT``)."""
    verdict = facts.verdict
    count = verdict.chronic_condition_count
    return GapVerdict(
        programs=() if dead else tuple(p for p, need in PROGRAMS if count >= need),
        condition_count=count,
        apcm_code=verdict.apcm.apcm_code,
        reasons=facts.ccm + visit.ccm + facts.apcm + visit.apcm,
        initiating_visit_needed=False if dead else visit.verdict.ccm.initiating_visit_needed,
        dead=dead,
    )
