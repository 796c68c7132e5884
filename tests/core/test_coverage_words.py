"""Coverage in words: whom care management is billed to (cms-rules §9)."""

import pytest

from ccm.rules import coverage_in_words


@pytest.mark.parametrize(
    ("kind", "part_b", "qmb", "words"),
    [
        ("medicare_advantage", False, False, "Medicare Advantage — bill the plan"),
        ("medicare_part_b", True, False, "Medicare Part B — bill Medicare; the patient owes the coinsurance"),
        ("medicare_part_b", True, True, "Medicare Part B (QMB) — bill Medicare; the patient owes nothing"),
        ("qmb", True, False, "Medicare Part B (QMB) — bill Medicare; the patient owes nothing"),
        (None, True, False, "Medicare Part B — bill Medicare; the patient owes the coinsurance"),
        ("medicaid", False, False, "Medicaid — not Medicare Part B: no Medicare claim"),
        ("other", None, False, "Not Medicare Part B — no Medicare claim"),
        (None, None, False, "Unverified — verify Medicare Part B before billing"),
    ],
)  # fmt: skip
def test_coverage_in_words(kind, part_b, qmb, words):  # type: ignore[no-untyped-def]
    assert coverage_in_words(kind, part_b, qmb) == words


def test_unverified_coverage_is_never_called_part_b():
    assert "bill Medicare" not in coverage_in_words(None, None, True)
