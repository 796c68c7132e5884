"""What a patient's Medicare coverage on a day means for care management: one answer for the
audit, the worklist, the patient page and enrolment (docs/billing-rules.md, "Coverage").

Readers (FHIR, CSV, C-CDA, HL7v2) map payer data to a coverage *kind* (`KINDS`); the rows in
force on a day decide the patient's *state*, the values `ccm eligibility audit --json` prints
(spec/cli.md): ``part_b`` (Medicare Part B fee-for-service), ``medicare_advantage`` (Part C:
bill the plan, never a fee-for-service opportunity), ``no_part_b`` (Medicare known, but only
Part A and/or D), ``unverified`` (nothing known: never assumed) and ``none`` (known absent).

CCM, PCM and APCM are Part B services (cms-rules §9). Which kinds imply Part B enrolment is
not in cms-rules.md: `CoveragePolicy` holds that reading as data (a caller may pass its own),
each entry saying why. Pure: no Django, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ccm.coverage_kinds import (
    ADVANTAGE,
    DUAL_KINDS,
    FULL_DUAL,
    KINDS,
    MEDICAID,
    MEDIGAP,
    OTHER,
    OTHER_DUAL,
    PART_A,
    PART_B,
    PART_D,
    QI,
    QMB,
    SLMB,
)

__all__ = [
    "ADVANTAGE",
    "DUAL_KINDS",
    "FULL_DUAL",
    "KINDS",
    "MEDICAID",
    "MEDIGAP",
    "OTHER",
    "OTHER_DUAL",
    "PART_A",
    "PART_B",
    "PART_D",
    "QI",
    "QMB",
    "SLMB",
    "STATES",
    "CoveragePolicy",
    "CoverageStanding",
    "cost_sharing_words",
    "coverage_in_words",
    "patient_owes_cost_sharing",
    "standing",
    "stored",
]

#: The states, as spec/cli.md names them.
STATES = ("part_b", "medicare_advantage", "no_part_b", "unverified", "none")


@dataclass(frozen=True, slots=True)
class CoveragePolicy:
    """Which kinds say the patient has Part B. cms-rules.md is silent on enrolment rules, so
    this is ccm's reading, kept as data: QMB, SLMB and QI are Medicare Savings Programs that
    pay the Part B premium, Medigap is sold only to people with Parts A and B, and a
    full-benefit or unnamed dual eligible is a Medicare beneficiary with Medicaid paying the
    premiums. A practice that reads it otherwise passes its own policy."""

    implies_part_b: frozenset[str] = frozenset({PART_B, MEDIGAP, *DUAL_KINDS})
    medicare_without_part_b: frozenset[str] = frozenset({PART_A, PART_D})


DEFAULT_POLICY = CoveragePolicy()

#: What each state means, in the words every screen shows (the worklist, the patient page and
#: the audit say the same thing because they all read this).
WORDS = {
    "part_b": "Medicare Part B (fee-for-service)",
    "medicare_advantage": "Medicare Advantage (Part C): bill the plan, not Medicare fee-for-service",
    "no_part_b": "Medicare without Part B (Part A and/or D only): care management is a Part B"
    " service, not billable",
    "unverified": "Medicare Part B unverified: check eligibility before enrolling",
    "none": "no Medicare coverage: care management is a Part B service, not billable",
}
MEDICARE_STATUS_UNKNOWN = (
    "Medicare status unknown: under 65 with no Medicare entitlement in the data"
    " (disability or ESRD entitlement would show as coverage); not an opportunity until verified"
)


@dataclass(frozen=True, slots=True)
class CoverageStanding:
    """A patient's coverage on a day: the state, the dual status, and what it means."""

    state: str  # one of STATES
    dual: str = ""  # one of DUAL_KINDS, or ""
    note: str = ""  # why, when the data needs explaining (a coverage that ended)

    @property
    def part_b(self) -> bool | None:
        """Part B fee-for-service for the rules: True, False, or None when unverified."""
        return None if self.state == "unverified" else self.state == "part_b"

    @property
    def qmb(self) -> bool:
        return self.dual == QMB

    @property
    def fee_for_service(self) -> bool:
        """Whether Medicare fee-for-service is billed: only with Part B and no Part C."""
        return self.state == "part_b"

    @property
    def words(self) -> str:
        text = WORDS[self.state]
        if self.state == "part_b" and self.dual:
            text += "; " + cost_sharing_words(self.dual)
        return text


def standing(
    kinds: Iterable[str], ended_part_b: date | None = None, policy: CoveragePolicy = DEFAULT_POLICY
) -> CoverageStanding:
    """The state from the kinds of coverage in force on a day.

    Medicare Advantage wins over everything (a Part C enrollee's Part B services are billed to
    the plan); then anything implying Part B; then Part A or D alone; then other payers (Part B
    known absent). Nothing at all is unverified, unless Part B is known to have ended.
    """
    found = set(kinds)
    dual = next((d for d in DUAL_KINDS if d in found), "")
    if ADVANTAGE in found:
        return CoverageStanding("medicare_advantage", dual)
    if found & policy.implies_part_b:
        return CoverageStanding("part_b", dual)
    if found & policy.medicare_without_part_b:
        return CoverageStanding("no_part_b", dual)
    if found:
        return CoverageStanding("none", dual)
    if ended_part_b is not None:
        return CoverageStanding(
            "none", "", f"Medicare Part B coverage ended {ended_part_b.isoformat()}"
        )
    return CoverageStanding("unverified")


def stored(state: str, part_b: bool | None, qmb: bool) -> CoverageStanding:
    """The standing of a patient row: its stored state, or (rows written before states were
    stored, or by hand) what its Part B flag says."""
    if state not in STATES:
        state = "unverified" if part_b is None else "part_b" if part_b else "none"
    return CoverageStanding(state, QMB if qmb else "")


def cost_sharing_words(dual: str) -> str:
    """Who pays the Part B deductible and coinsurance of a dual eligible (cms-rules §9): a QMB
    owes nothing (42 U.S.C. §1396a(n)(3)(B)); any other dual owes what Medicaid does not pay
    (cms-rules §9 says Medicaid "may pay" it, by state: UNCONFIRMED, so the patient's share is
    billed as usual and Medicaid is the secondary payer)."""
    if dual == QMB:
        return "QMB: bill no deductible or coinsurance to the patient"
    return f"{KINDS[dual]}: the patient owes the coinsurance Medicaid does not pay"


def patient_owes_cost_sharing(dual: str) -> bool:
    """Only a QMB is never billed deductible or coinsurance (cms-rules §9)."""
    return dual != QMB


#: The patient header's short words for each state, beside `WORDS` (the same states, so the
#: header, the worklist and the audit cannot disagree on who is billed).
HEADER_WORDS = {
    "part_b": "Medicare Part B — bill Medicare; the patient owes the coinsurance",
    "medicare_advantage": "Medicare Advantage — bill the plan",
    "no_part_b": "Not Medicare Part B — no Medicare claim",
    "unverified": "Unverified — verify Medicare Part B before billing",
    "none": "Not Medicare Part B — no Medicare claim",
}
QMB_HEADER_WORDS = "Medicare Part B (QMB) — bill Medicare; the patient owes nothing"
MEDICAID_HEADER_WORDS = "Medicaid — not Medicare Part B: no Medicare claim"


def coverage_in_words(
    kinds: Iterable[str], part_b: bool | None, qmb: bool, policy: CoveragePolicy = DEFAULT_POLICY
) -> str:
    """What the patient header says about who pays (cms-rules §9), from the same `standing` the
    audit and the worklist read: KINDS are the coverage kinds in force today, PART_B the
    patient's verified Part B flag, QMB whether the patient is a Qualified Medicare
    Beneficiary. Where the kinds say nothing of Part B (none at all, or Part A or D alone),
    the flags decide; a QMB is never billed cost sharing."""
    found = set(kinds)
    state = standing(found, policy=policy).state
    flags = stored("", part_b, qmb).state
    if state == "unverified" or (state == "no_part_b" and flags != "unverified"):
        state = flags
    if state == "part_b" and (qmb or QMB in found):
        return QMB_HEADER_WORDS
    if state == "none" and MEDICAID in found:
        return MEDICAID_HEADER_WORDS
    return HEADER_WORDS[state]
