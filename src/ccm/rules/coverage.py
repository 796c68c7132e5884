"""Coverage in words: whom a patient's care management is billed to (cms-rules §9).

Care-management codes are ordinary Part B services (§9): Medicare fee-for-service is billed
for them and the patient owes the coinsurance, nothing if a QMB. A Medicare Advantage patient
has no Part B fee-for-service coverage (the month rules hold such a month, restrictions.py):
the plan is billed under its own contract, which the spec does not cover. Unverified coverage
is never assumed (§9, eligibility.py).
"""

from __future__ import annotations

PART_B = "medicare_part_b"
ADVANTAGE = "medicare_advantage"
MEDICAID = "medicaid"
QMB = "qmb"

_WORDS = {
    ADVANTAGE: "Medicare Advantage — bill the plan",
    MEDICAID: "Medicaid — not Medicare Part B: no Medicare claim",
}


def coverage_in_words(kind: str | None, part_b: bool | None, qmb: bool) -> str:
    """What the header says about who pays (cms-rules §9): KIND is the current coverage's kind
    (medicare_part_b, medicare_advantage, medicaid, qmb, other or None), PART_B the verified
    Part B flag, QMB whether the patient is a Qualified Medicare Beneficiary."""
    if kind in _WORDS:
        return _WORDS[kind]
    if kind in (PART_B, QMB) or part_b:
        if qmb or kind == QMB:
            return "Medicare Part B (QMB) — bill Medicare; the patient owes nothing"
        return "Medicare Part B — bill Medicare; the patient owes the coinsurance"
    if part_b is False or kind:
        return "Not Medicare Part B — no Medicare claim"
    return "Unverified — verify Medicare Part B before billing"
