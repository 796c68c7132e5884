"""Chronic-condition groups for ICD-10-CM and SNOMED CT codes.

Groups are the 69 CMS Chronic Conditions Warehouse (CCW) categories (Tuva Project
transcription, see ``data/ccw_groups.csv``).  ICD-10-CM codes outside every CCW group may
still be chronic by the AHRQ HCUP Chronic Condition Indicator (``data/ahrq_cci_chronic.csv``),
a flagged fallback that gives no group.  SNOMED CT codes map to the same groups through the
hand-curated ``data/snomed_groups.csv``.

Tables load lazily on first use, once, into dicts (cms-rules §2: CMS keeps no list of
chronic conditions, so these lists are ccm's documented choice, not CMS's).
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Literal

Source = Literal["ccw", "ahrq_cci", "snomed_map"]
ICD10CM = "ICD-10-CM"
SNOMED = "SNOMED"

#: CCW categories that name an acute event or an acute infection rather than a condition
#: expected to last 12 months (cms-rules §2).  Their codes still group (so two codes for
#: one MI count once), but ``ConditionMatch.chronic`` is False for them.
ACUTE_CCW_GROUPS: frozenset[str] = frozenset(
    {
        "acute_myocardial_infarction",  # the event; "old MI" I25.2 is in ischemic_heart_disease
        "hip_pelvic_fracture",  # an injury; its sequelae are coded elsewhere
        "hepatitis_a",  # self-limited infection
        "hepatitis_e",  # self-limited infection
        "hepatitis_c_acute",  # acute infection; chronic HCV has its own group
    }
)

#: CCW categories nested inside another category, folded into it so that one condition
#: never counts twice: G30.9 is in both "Alzheimer's Disease" and "Alzheimer's Disease and
#: Related Disorders or Senile Dementia" in the source, and is one condition.
FOLDED_GROUPS: dict[str, str] = {
    "alzheimers_disease": "alzheimers_disease_and_related_disorders_or_senile_dementia",
    "schizophrenia": "schizophrenia_and_other_psychotic_disorders",
    "opioid_use_disorder": "drug_use_disorders",  # OUD is a drug use disorder
    "sickle_cell_disease": "anemia",  # every sickle-cell code is also an anemia code
    "acute_myocardial_infarction": "ischemic_heart_disease",  # an MI is ischemic heart disease
    "hepatitis_c_acute": "hepatitis_c",  # one virus, one condition, whatever its phase
    "hepatitis_c_chronic": "hepatitis_c",
    "hepatitis_c_unspecified": "hepatitis_c",
}
_EXTRA_GROUP_NAMES = {"hepatitis_c": "Hepatitis C"}


@dataclass(frozen=True, slots=True)
class ConditionMatch:
    """What ccm knows about one diagnosis code: its condition groups and whether it is chronic."""

    code: str
    system: str
    groups: frozenset[str]
    chronic: bool
    source: Source
    #: set for SNOMED matches when the curated table names a representative ICD-10-CM code
    icd10cm: str | None = None
    #: ICD-10-CM status in the FY2026 code set: ok | not_billable | expanded | invalid
    status: str = "ok"


@dataclass(frozen=True, slots=True)
class _SnomedRow:
    groups: frozenset[str]
    icd10cm: str | None


def normalize_icd10(code: str) -> str:
    """Return an ICD-10-CM code without dot, upper case, so "e11.9" and "E119" compare equal."""
    return code.strip().replace(".", "").upper()


def _rows(name: str) -> Iterator[list[str]]:
    text = resources.files("ccm.codes.data").joinpath(name).read_text(encoding="utf-8")
    reader = csv.reader(line for line in text.splitlines() if line and not line.startswith("#"))
    next(reader)  # header
    yield from reader


@cache
def _group_names() -> dict[str, str]:
    names = {row[0]: row[2] for row in _rows("ccw_groups.csv") if row[0] not in FOLDED_GROUPS}
    return names | _EXTRA_GROUP_NAMES


@dataclass(frozen=True, slots=True)
class _CcwRow:
    groups: frozenset[str]  # folded (counting) groups
    chronic: bool
    status: str


@cache
def _ccw() -> dict[str, _CcwRow]:
    raw: dict[str, set[str]] = {}
    status: dict[str, str] = {}
    for code, group_id, code_status in _rows("ccw_codes.csv"):
        raw.setdefault(code, set()).add(group_id)
        status[code] = code_status
    return {
        code: _CcwRow(
            frozenset(FOLDED_GROUPS.get(g, g) for g in groups),
            not (groups & ACUTE_CCW_GROUPS),
            status[code],
        )
        for code, groups in raw.items()
    }


@cache
def _cci() -> dict[str, int]:
    return {code: int(system) for code, system in _rows("ahrq_cci_chronic.csv")}


@cache
def _snomed() -> dict[str, _SnomedRow]:
    table: dict[str, tuple[set[str], str | None]] = {}
    for snomed, group_id, icd10cm, _comment in _rows("snomed_groups.csv"):
        groups, _icd = table.setdefault(snomed, (set(), icd10cm or None))
        if group_id:  # rows with no CCW category (AHRQ CCI chronic only) give no group
            groups.add(FOLDED_GROUPS.get(group_id, group_id))
    return {k: _SnomedRow(frozenset(g), icd) for k, (g, icd) in table.items()}


def condition_groups(code: str) -> frozenset[str]:
    """CCW group ids of an ICD-10-CM code, so codes for the same condition count once (cms-rules §2)."""
    entry = _ccw().get(normalize_icd10(code))
    return entry.groups if entry else frozenset()


def group_name(group_id: str) -> str:
    """Human name of a condition group id, for findings and screens."""
    return _group_names()[group_id]


def all_groups() -> dict[str, str]:
    """Every condition group id with its name, in CCW order."""
    return dict(_group_names())


def cci_body_system(code: str) -> int | None:
    """AHRQ CCI body system (1-18) of a chronic ICD-10-CM code, or None when CCI says not chronic."""
    return _cci().get(normalize_icd10(code))


@lru_cache(maxsize=1 << 16)  # few distinct codes, asked millions of times (bench_audit)
def classify_icd10(code: str) -> ConditionMatch | None:
    """Say whether an ICD-10-CM code is a chronic condition and which groups it is in (cms-rules §2)."""
    norm = normalize_icd10(code)
    entry = _ccw().get(norm)
    if entry is not None:
        return ConditionMatch(
            norm, ICD10CM, entry.groups, entry.chronic, "ccw", status=entry.status
        )
    if norm in _cci():
        return ConditionMatch(norm, ICD10CM, frozenset(), True, "ahrq_cci")
    return None


@lru_cache(maxsize=1 << 16)  # few distinct codes, asked millions of times (bench_audit)
def classify_snomed(code: str) -> ConditionMatch | None:
    """Classify a SNOMED CT condition code (as EMRs such as Synthea send) into the CCW groups (cms-rules §2)."""
    norm = code.strip()
    row = _snomed().get(norm)
    if row is None:
        return None
    return ConditionMatch(norm, SNOMED, row.groups, True, "snomed_map", icd10cm=row.icd10cm)


def is_valid_icd10cm(code: str, *, billable: bool = False) -> bool:
    """Check a code against the FY2026 ICD-10-CM set; billable=True also requires a leaf."""
    norm = normalize_icd10(code)
    table = _icd10cm_fy2026()
    if "*" in norm:  # the table's own leaf mark, never part of a code
        return False
    return norm + "*" in table or (not billable and norm in table)


@cache
def _icd10cm_fy2026() -> frozenset[str]:
    """Every FY2026 category and code, billable leaves with their trailing "*" as the file
    writes them (built from simple-icd-10-cm). Kept as the file's own tokens so the set is
    built in C: a dict built line by line in Python took 27 ms, a cost every `ccm import`
    and audit paid before its first condition (bench/RESULTS.md, "import")."""
    raw = resources.files("ccm.codes.data").joinpath("icd10cm_fy2026.txt.gz").read_bytes()
    text = gzip.decompress(raw).decode("utf-8")
    start = 0
    while text.startswith("#", start):  # the file's head: comment lines
        start = text.index("\n", start) + 1
    return frozenset(text[start:].split())


def condition_keys(code: str) -> frozenset[str]:
    """Counting keys of an ICD-10-CM code: its groups, else "cat:" + its 3-character category (month-contract)."""
    groups = condition_groups(code)
    return groups if groups else frozenset({"cat:" + normalize_icd10(code)[:3]})


def match_conditions(keys: dict[str, frozenset[str]]) -> dict[str, str]:
    """Assign items to distinct condition keys, each key once: a largest bipartite matching (cms-rules §2)."""
    if all(len(k) == 1 for k in keys.values()):  # the usual case: one key each, often distinct
        single = {item: next(iter(k)) for item, k in keys.items()}
        if len(set(single.values())) == len(single):  # nothing to match: each takes its own
            return single
    items = list(keys)
    ordered = {item: sorted(keys[item]) for item in items}
    owner: dict[str, str] = {}  # condition key -> item

    def assign(item: str, seen: set[str]) -> bool:
        for key in ordered[item]:
            if key in seen:
                continue
            seen.add(key)
            if key not in owner or assign(owner[key], seen):
                owner[key] = item
                return True
        return False

    for item in items:
        assign(item, set())
    position = {item: i for i, item in enumerate(items)}
    return {item: key for key, item in sorted(owner.items(), key=lambda kv: position[kv[1]])}


def distinct_conditions(codes: Iterable[str]) -> dict[str, str]:
    """Assign codes to distinct conditions so codes for the same condition count once (cms-rules §2).

    Returns {code: condition key} for a largest set of codes that can each stand for a
    different condition (a bipartite matching of codes to their ``condition_keys``): E11.9
    and E11.65 are one condition; I13.0 (hypertensive heart and kidney disease with heart
    failure) with I10 and N18.30 are three.
    """
    unique = dict.fromkeys(normalize_icd10(c) for c in codes if c.strip())
    return match_conditions({code: condition_keys(code) for code in unique})


def count_conditions(codes: Iterable[str]) -> int:
    """Number of distinct chronic conditions the codes document, each condition once (cms-rules §2)."""
    return len(distinct_conditions(codes))
