"""Coverage in words: whom care management is billed to (cms-rules §9)."""

import pytest

from ccm.rules import coverage_in_words
from ccm.rules.coverage import HEADER_WORDS, standing


@pytest.mark.parametrize(
    ("kinds", "part_b", "qmb", "words"),
    [
        (["medicare_advantage"], False, False, "Medicare Advantage — bill the plan"),
        (["medicare_part_b"], True, False, "Medicare Part B — bill Medicare; the patient owes the coinsurance"),
        (["medicare_part_b"], True, True, "Medicare Part B (QMB) — bill Medicare; the patient owes nothing"),
        (["qmb"], True, False, "Medicare Part B (QMB) — bill Medicare; the patient owes nothing"),
        ([], True, False, "Medicare Part B — bill Medicare; the patient owes the coinsurance"),
        (["medicaid"], False, False, "Medicaid — not Medicare Part B: no Medicare claim"),
        (["other"], None, False, "Not Medicare Part B — no Medicare claim"),
        ([], None, False, "Unverified — verify Medicare Part B before billing"),
        (["medicare_part_a"], True, False, "Medicare Part B — bill Medicare; the patient owes the coinsurance"),
        (["medicare_part_a"], None, False, "Not Medicare Part B — no Medicare claim"),
    ],
)  # fmt: skip
def test_coverage_in_words(kinds, part_b, qmb, words):  # type: ignore[no-untyped-def]
    assert coverage_in_words(kinds, part_b, qmb) == words


def test_unverified_coverage_is_never_called_part_b():
    assert "bill Medicare" not in coverage_in_words([], None, True)


def test_advantage_beside_part_b_is_billed_to_the_plan_as_the_audit_says():
    """The header once picked Part B when a patient had both; the audit and the worklist say
    Medicare Advantage wins. Both now read `standing`."""
    kinds = ["medicare_part_b", "medicare_advantage"]
    assert standing(kinds).state == "medicare_advantage"
    assert coverage_in_words(kinds, True, False) == HEADER_WORDS["medicare_advantage"]
