"""Who qualifies for CCM, PCM and APCM on a given date, with the reasons (cms-rules §2, §4, §9).

Pure: facts and ``as_of`` in, a frozen ``Eligibility`` out.  Nothing here reads the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Literal

from ccm.codes import (
    INITIATING_VISITS_CPT,
    INITIATING_VISITS_SNOMED,
    classify_icd10,
    classify_snomed,
    group_name,
    match_conditions,
    normalize_icd10,
)
from ccm.rules.coverage import WORDS as coverage_words

#: (system, code, onset, abatement, clinical_status); system "ICD-10-CM" or "SNOMED"
#: (FHIR system URIs accepted); clinical_status a FHIR code or None (= active).
ConditionFact = tuple[str, str, date | None, date | None, str | None]
#: (date, code or codes (CPT/HCPCS or SNOMED encounter type), FHIR encounter class e.g. "AMB")
EncounterFact = tuple[date, str | tuple[str, ...], str | None]

Program = Literal["ccm", "pcm", "apcm"]
Status = Literal["eligible", "not_eligible", "unverified"]

ACTIVE_STATUSES = frozenset({"active", "recurrence", "relapse"})
_ICD_SYSTEMS = frozenset({"icd-10-cm", "icd10cm", "icd10", "http://hl7.org/fhir/sid/icd-10-cm"})
_SNOMED_SYSTEMS = frozenset({"snomed", "snomed ct", "sct", "http://snomed.info/sct"})


@dataclass(frozen=True, slots=True)
class PatientFacts:
    """What the EMR and the Medicare eligibility check tell us about one patient."""

    conditions: tuple[ConditionFact, ...] = ()
    part_b: bool | None = None  # None: coverage not verified
    qmb: bool | None = None  # None: QMB status not verified
    deceased_date: date | None = None
    encounters: tuple[EncounterFact, ...] = ()
    #: the coverage state when it is more than Part B yes/no (ccm.rules.coverage.STATES):
    #: "medicare_advantage" and "no_part_b" say why there is no fee-for-service Part B
    coverage: str = ""


@dataclass(frozen=True, slots=True)
class Reason:
    """One step of the decision, naming the cms-rules section it applies."""

    rule: str
    text: str


@dataclass(frozen=True, slots=True)
class QualifyingCondition:
    """An active chronic condition code and the condition (group) it counts as."""

    system: str
    code: str
    groups: frozenset[str]
    counted_as: str | None  # the condition key it counts as, None when it adds no new condition
    source: str


@dataclass(frozen=True, slots=True)
class ProgramEligibility:
    """The verdict for one program, with its reasons."""

    program: Program
    status: Status
    reasons: tuple[Reason, ...]
    initiating_visit_needed: bool
    apcm_code: str | None = None  # G0556 / G0557 / G0558 for APCM

    @property
    def eligible(self) -> bool:
        """True only for a verified yes; unverified coverage is never assumed."""
        return self.status == "eligible"


@dataclass(frozen=True, slots=True)
class Eligibility:
    """Eligibility for every care-management program on ``as_of``."""

    as_of: date
    conditions: tuple[QualifyingCondition, ...]
    chronic_condition_count: int
    last_initiating_visit: date | None
    ccm: ProgramEligibility
    pcm: ProgramEligibility
    apcm: ProgramEligibility


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (Feb 29 falls back to Feb 28)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _active(fact: ConditionFact, as_of: date) -> bool:
    _system, _code, onset, abatement, clinical_status = fact
    if onset is not None and onset > as_of:
        return False
    if abatement is not None and abatement <= as_of:
        return False
    return clinical_status is None or clinical_status.strip().lower() in ACTIVE_STATUSES


def qualifying_conditions(facts: PatientFacts, as_of: date) -> tuple[QualifyingCondition, ...]:
    """Active chronic conditions on ``as_of``, codes for the same condition counted once (cms-rules §2)."""
    keys: dict[str, frozenset[str]] = {}
    found: dict[str, tuple[str, str, frozenset[str], str]] = {}
    for fact in facts.conditions:
        if not _active(fact, as_of):
            continue
        chronic = _chronic(fact[0], fact[1])
        if chronic is not None:
            item, condition_keys, row = chronic
            keys[item] = condition_keys
            found[item] = row
    counted = match_conditions(keys)
    return tuple(
        QualifyingCondition(system, code, groups, counted.get(item), source)
        for item, (system, code, groups, source) in found.items()
    )


@lru_cache(maxsize=1 << 16)  # few distinct codes, asked once per distinct condition set
def _chronic(
    system: str, code: str
) -> tuple[str, frozenset[str], tuple[str, str, frozenset[str], str]] | None:
    """A chronic code's item, the condition keys it may count as, and its row; else None."""
    system = system.strip().lower()
    if system in _ICD_SYSTEMS:
        match = classify_icd10(code)
        fallback = "cat:" + normalize_icd10(code)[:3]
    elif system in _SNOMED_SYSTEMS:
        match = classify_snomed(code)
        icd = match.icd10cm if match else None
        fallback = "cat:" + normalize_icd10(icd)[:3] if icd else "snomed:" + code.strip()
    else:
        return None
    if match is None or not match.chronic:
        return None
    item = f"{match.system}|{match.code}"
    return (
        item,
        match.groups or frozenset({fallback}),
        (
            match.system,
            match.code,
            match.groups,
            match.source,
        ),
    )


def _is_initiating_visit(encounter: EncounterFact) -> bool:
    _day, codes, encounter_class = encounter
    code_list = (codes,) if isinstance(codes, str) else codes
    if any(c in INITIATING_VISITS_CPT for c in code_list):
        return True
    ambulatory = (encounter_class or "").strip().upper() == "AMB"
    return ambulatory and any(c in INITIATING_VISITS_SNOMED for c in code_list)


def last_initiating_visit(facts: PatientFacts, as_of: date) -> date | None:
    """Date of the latest qualifying face-to-face visit on or before ``as_of`` (cms-rules §4)."""
    days = [e[0] for e in facts.encounters if e[0] <= as_of and _is_initiating_visit(e)]
    return max(days, default=None)


def _visit_reason(program: Program, last_visit: date | None, as_of: date) -> tuple[bool, Reason]:
    years = 3 if program == "apcm" else 1
    window = "3 years" if years == 3 else "12 months"
    since = years_before(as_of, years)
    if last_visit is not None and last_visit >= since:
        return False, Reason(
            "cms-rules §4",
            f"seen {last_visit.isoformat()}, within {window}: no initiating visit needed",
        )
    seen = f"last seen {last_visit.isoformat()}" if last_visit else "no qualifying visit on record"
    return True, Reason(
        "cms-rules §4",
        f"{seen}: an initiating visit (E/M, AWV, IPPE or TCM) is needed (none since {since.isoformat()})",
    )


def _coverage_reasons(facts: PatientFacts, as_of: date) -> tuple[Status | None, list[Reason]]:
    if facts.deceased_date is not None and facts.deceased_date <= as_of:
        text = f"patient died {facts.deceased_date.isoformat()}: not eligible for any program"
        return "not_eligible", [Reason("cms-rules §2", text)]
    if facts.part_b is None:
        return "unverified", [
            Reason(
                "cms-rules §9",
                "Medicare Part B coverage unverified: check eligibility before enrolling",
            )
        ]
    if facts.coverage in ("medicare_advantage", "no_part_b"):
        return "not_eligible", [Reason("cms-rules §9", coverage_words[facts.coverage])]
    if not facts.part_b:
        return "not_eligible", [
            Reason("cms-rules §9", "no Medicare Part B coverage: these are Part B services")
        ]
    reasons = [Reason("cms-rules §9", "Medicare Part B coverage verified")]
    if facts.qmb:
        reasons.append(
            Reason("cms-rules §9", "QMB: bill no deductible or coinsurance to the patient")
        )
    return None, reasons


def eligibility(facts: PatientFacts, as_of: date) -> Eligibility:
    """Decide CCM, PCM and APCM eligibility on ``as_of``, with reasons (cms-rules §2, §4, §9)."""
    conditions = qualifying_conditions(facts, as_of)
    counted = [c for c in conditions if c.counted_as is not None]
    count = len(counted)
    names = ", ".join(
        f"{c.code} ({group_name(c.counted_as) if not c.counted_as.startswith(('cat:', 'snomed:')) else c.counted_as})"
        for c in counted
        if c.counted_as is not None
    )
    listing = f": {names}" if names else ""
    gate, coverage = _coverage_reasons(facts, as_of)
    last_visit = last_initiating_visit(facts, as_of)
    dead = (
        gate == "not_eligible" and facts.deceased_date is not None and facts.deceased_date <= as_of
    )

    within_a_year = _visit_reason("ccm", last_visit, as_of)  # CCM's and PCM's window: 12 months
    visits = {
        "ccm": within_a_year,
        "pcm": within_a_year,
        "apcm": _visit_reason("apcm", last_visit, as_of),
    }

    def verdict(
        program: Program, needed: int, rule_text: str, extra: list[Reason]
    ) -> ProgramEligibility:
        reasons = list(coverage)
        enough = count >= needed
        reasons.append(
            Reason("cms-rules §2", f"{count} active chronic condition(s){listing}; {rule_text}")
        )
        reasons.extend(extra)
        visit_needed, visit_reason = visits[program]
        if not dead:
            reasons.append(visit_reason)
        status: Status = gate if gate is not None else ("eligible" if enough else "not_eligible")
        if not enough:
            status = "not_eligible"
        return ProgramEligibility(program, status, tuple(reasons), visit_needed and not dead)

    ccm = verdict("ccm", 2, "CCM needs 2 or more", [])
    pcm = verdict(
        "pcm",
        1,
        "PCM needs 1 or more",
        [
            Reason(
                "cms-rules §2",
                "PCM also needs one complex condition at significant risk, needing a disease-specific "
                "care plan: a clinical judgment for the billing practitioner, not checked here",
            )
        ],
    )
    if count >= 2 and facts.qmb is True:
        level, level_text = "G0558", "2+ chronic conditions and QMB"
    elif count >= 2:
        level, level_text = "G0557", "2+ chronic conditions"
        if facts.qmb is None:
            level_text += " (QMB status unverified: G0558 if the patient is a QMB)"
    else:
        level, level_text = "G0556", "0-1 chronic conditions"
    apcm_base = verdict(
        "apcm",
        0,
        "APCM accepts any number",
        [Reason("cms-rules §2", f"APCM level {level}: {level_text}")],
    )
    apcm = ProgramEligibility(
        "apcm",
        apcm_base.status,
        apcm_base.reasons,
        apcm_base.initiating_visit_needed,
        None if dead else level,
    )
    return Eligibility(as_of, conditions, count, last_visit, ccm, pcm, apcm)
