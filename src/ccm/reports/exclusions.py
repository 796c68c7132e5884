"""The denominator exclusions of CMS122v13 and CMS165v13, from what ccm's imports hold: each
patient's diagnoses (conditions, ICD-10-CM) and encounters (their CPT or HCPCS type).

Source: eCQI Resource Center, eCQMs for the 2025 performance period, CMS122v13 "Diabetes:
Glycemic Status Assessment Greater Than 9%" and CMS165v13 "Controlling High Blood Pressure",
"Denominator Exclusions", with the libraries they include (Hospice, PalliativeCare,
AdvancedIllnessandFrailty). Both measures exclude a patient
- in hospice care for any part of the measurement period (a Hospice Encounter in it);
- receiving palliative care for any part of it (a Palliative Care Encounter, or its diagnosis
  Z51.5, in it);
- 66 or older at its end, frail during it (a Frailty Diagnosis overlapping it or a Frailty
  Encounter in it) with advanced illness (an Advanced Illness diagnosis starting in the year
  before it or during it) — for CMS165 only up to 80: from 81 frailty alone excludes.
CMS165 also excludes a patient with end-stage renal disease, chronic kidney disease stage 5 or a
kidney transplant (diagnosis), or dialysis or a kidney transplant (encounter), before or during
the period, and one with a pregnancy diagnosis overlapping it.

Not applied, because ccm does not import what they read: living long term in a nursing home
(the measures read a housing status assessment), dementia medications as evidence of advanced
illness, frailty devices and symptoms, and hospice as a discharge disposition or an order.

Which codes belong to each value set is configurable data (exclusions.yaml; `ValueSets.load`),
never a constant here: the shipped file lists the small value sets in full and leaves the large
ones empty: what an empty value set would show is never found (`ValueSets.empty` names them).
A diagnosis without an onset date counts as started in any window (the EMR did not say when),
as `measures` reads the measures' own diagnoses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from .measures import Period, age_on

DEFAULT_FILE = Path(__file__).with_name("exclusions.yaml")
#: The advanced illness and frailty exclusion applies from this age at the period's end.
FRAILTY_AGE = 66
#: CMS165v13: from this age frailty alone excludes (no advanced illness needed).
FRAILTY_ALONE_AGE = 81
#: Advanced illness counts when its diagnosis starts in this many years before the period, or in it.
ADVANCED_ILLNESS_YEARS_BEFORE = 1

CMS122 = "CMS122"
CMS165 = "CMS165"

#: What each exclusion reads (value set names of exclusions.yaml), per measure.
USES = {
    "hospice": ("hospice_encounter",),
    "palliative care": ("palliative_care",),
    "frailty and advanced illness": ("frailty_diagnosis", "frailty_encounter", "advanced_illness"),
    "kidney failure, dialysis or transplant": (
        "end_stage_renal_disease", "chronic_kidney_disease_stage_5",
        "kidney_transplant_recipient", "dialysis_services", "kidney_transplant",
    ),
    "pregnancy": ("pregnancy",),
}  # fmt: skip
EXCLUSIONS = {
    CMS122: ("hospice", "palliative care", "frailty and advanced illness"),
    CMS165: (
        "hospice", "palliative care", "frailty and advanced illness",
        "kidney failure, dialysis or transplant", "pregnancy",
    ),
}  # fmt: skip


def normal(code: str) -> str:
    """A code as value sets are matched: no dot, no spaces, upper case."""
    return code.replace(".", "").strip().upper()


@dataclass(frozen=True, slots=True)
class ValueSet:
    name: str
    oid: str
    codes: frozenset[tuple[str, str]]  # (system, normal code): icd10cm, cpt, hcpcs, snomed


@dataclass(frozen=True, slots=True)
class ValueSets:
    """The exclusions' value sets, by the names exclusions.yaml gives them."""

    sets: Mapping[str, ValueSet]

    @classmethod
    def load(cls, path: Path | None = None) -> ValueSets:
        """Read PATH (default: the shipped exclusions.yaml); every name USES reads must be there."""
        return _load(path or DEFAULT_FILE)

    def has(self, name: str, system: str, code: str) -> bool:
        return (system.lower(), normal(code)) in self.sets[name].codes

    def empty(self, measure: str) -> list[ValueSet]:
        """The value sets MEASURE's exclusions read that hold no code: what they would show is
        never found (the page names them)."""
        names = dict.fromkeys(n for e in EXCLUSIONS[measure] for n in USES[e])
        return [self.sets[n] for n in names if not self.sets[n].codes]

    def codes(self, system: str) -> set[str]:
        """Every normal code of SYSTEM in any value set (what the refresh needs to read)."""
        return {code for s in self.sets.values() for sys_, code in s.codes if sys_ == system}


@cache
def _load(path: Path) -> ValueSets:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    sets = {}
    for name, body in raw.items():
        codes = frozenset(
            (system.lower(), normal(str(code)))
            for system, listed in (body.get("codes") or {}).items()
            for code in listed or ()
        )
        sets[name] = ValueSet(str(body["name"]), str(body["oid"]), codes)
    missing = {n for names in USES.values() for n in names} - set(sets)
    if missing:
        raise ValueError(f"{path}: value sets missing: {', '.join(sorted(missing))}")
    return ValueSets(sets)


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """A condition as imported: ICD-10-CM code, onset and abatement (None: not sent)."""

    code: str
    onset: dt.date | None = None
    abatement: dt.date | None = None

    def overlaps(self, first: dt.date, last: dt.date) -> bool:
        """Active some day in [FIRST, LAST]; an unknown onset or end is taken as open."""
        return (self.onset is None or self.onset <= last) and (
            self.abatement is None or self.abatement >= first
        )


@dataclass(frozen=True, slots=True)
class Visit:
    """An encounter as imported: its day and its type code (system cpt, hcpcs or snomed)."""

    day: dt.date
    system: str
    code: str


def excluded(
    measure: str,
    birth: dt.date,
    diagnoses: Iterable[Diagnosis],
    visits: Iterable[Visit],
    period: Period,
    sets: ValueSets,
) -> str | None:
    """Why a patient in MEASURE's denominator leaves it (the first exclusion met, in the order
    of EXCLUSIONS), or None."""
    diagnoses, visits = list(diagnoses), list(visits)

    def diagnosed(name: str, first: dt.date, last: dt.date) -> bool:
        return any(sets.has(name, "icd10cm", d.code) and d.overlaps(first, last) for d in diagnoses)

    def started(name: str, first: dt.date, last: dt.date) -> bool:
        return any(
            sets.has(name, "icd10cm", d.code) and (d.onset is None or first <= d.onset <= last)
            for d in diagnoses
        )

    def visited(name: str, first: dt.date, last: dt.date) -> bool:
        return any(sets.has(name, v.system, v.code) and first <= v.day <= last for v in visits)

    start, end = period.first, period.last
    age = age_on(birth, end)
    before = dt.date(start.year - ADVANCED_ILLNESS_YEARS_BEFORE, start.month, start.day)
    ever = dt.date.min
    checks = {
        "hospice": lambda: visited("hospice_encounter", start, end),
        "palliative care": lambda: (
            visited("palliative_care", start, end) or diagnosed("palliative_care", start, end)
        ),
        "frailty and advanced illness": lambda: _frail_and_ill(
            measure,
            age,
            frail=diagnosed("frailty_diagnosis", start, end)
            or visited("frailty_encounter", start, end),
            ill=lambda: started("advanced_illness", before, end),
        ),  # fmt: skip
        "kidney failure, dialysis or transplant": lambda: (
            any(
                diagnosed(name, ever, end)
                for name in (
                    "end_stage_renal_disease",
                    "chronic_kidney_disease_stage_5",
                    "kidney_transplant_recipient",
                )
            )  # fmt: skip
            or visited("dialysis_services", ever, end)
            or visited("kidney_transplant", ever, end)
        ),
        "pregnancy": lambda: diagnosed("pregnancy", start, end),
    }
    for exclusion in EXCLUSIONS[measure]:
        if checks[exclusion]():
            return exclusion
    return None


def _frail_and_ill(measure: str, age: int, frail: bool, ill: object) -> bool:
    """66 or older and frail, with advanced illness; CMS165 from 81: frail alone."""
    if age < FRAILTY_AGE or not frail:
        return False
    if measure == CMS165 and age >= FRAILTY_ALONE_AGE:
        return True
    return bool(ill())  # type: ignore[operator]
