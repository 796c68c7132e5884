"""What a comprehensive care plan holds (cms-rules §5), so every screen asks one list.

CMS names no format ("Medicare does not specify a certain format", NOR-MR); the list of
typical contents comes from secondary sources (verbatim MLN wording UNCONFIRMED, §5). Three
elements are structured per problem (the problem itself, its measurable goals, its planned
interventions with who is responsible); the rest are one text each. Pure: plain data in,
plain data out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Element:
    """One element of the plan: its key in the stored content, its label for staff, its label
    for the patient's copy (plain language), and the cms-rules section it comes from."""

    key: str
    label: str
    plain_label: str
    per_problem: bool = False
    source: str = "cms-rules §5"


#: The elements in the order CMS's sources list them (cms-rules §5, "Typical contents").
ELEMENTS: tuple[Element, ...] = (
    Element("problems", "Problem list", "What we are working on", per_problem=True),
    Element("expected_outcome", "Expected outcome", "What we hope for"),
    Element("prognosis", "Prognosis", "What to expect"),
    Element(
        "goals",
        "Measurable treatment goals",
        "Your goals",
        per_problem=True,
        source="cms-rules §5 (measurable: NOR-QA A4, NOR-MR Q1)",
    ),
    Element(
        "cognitive_functional", "Cognitive and functional assessment", "Memory and daily living"
    ),
    Element("symptom_management", "Symptom management", "When symptoms change"),
    Element(
        "interventions",
        "Planned interventions and who is responsible",
        "What we will do, and who does it",
        per_problem=True,
    ),
    Element("medication_management", "Medication management", "Your medicines"),
    Element("environmental", "Environmental evaluation", "Your home and surroundings"),
    Element("caregiver", "Caregiver assessment", "The people who help you"),
    Element("community_services", "Community and social services", "Help in your community"),
    Element(
        "coordination",
        "Coordination with outside agencies and specialists",
        "Your other care providers",
    ),
    Element("review_schedule", "Periodic review and revision", "When we review this plan"),
)

#: The elements kept as one text each (the rest live inside each problem).
TEXT_ELEMENTS: tuple[Element, ...] = tuple(e for e in ELEMENTS if not e.per_problem)

GOAL_STATUSES: tuple[tuple[str, str], ...] = (
    ("not_started", "Not started"),
    ("in_progress", "In progress"),
    ("met", "Met"),
    ("not_met", "Not met"),
)


def unmeasurable_goals(goals: Sequence[Mapping[str, Any]]) -> list[int]:
    """1-based positions of goals without a target or a due date: a goal must be measurable
    (cms-rules §5, NOR-QA A4)."""
    return [n for n, g in enumerate(goals, 1) if not g.get("target") or not g.get("due")]


def missing_elements(content: Mapping[str, Any]) -> list[Element]:
    """The elements a plan leaves empty, in list order: shown beside the plan, never a block
    (cms-rules §5 lists typical contents, not required ones)."""
    problems = content.get("problems") or []
    missing = []
    for element in ELEMENTS:
        if element.key == "problems":
            empty = not problems
        elif element.per_problem:
            empty = not any(p.get(element.key) for p in problems)
        else:
            empty = not str((content.get("elements") or {}).get(element.key, "")).strip()
        if empty:
            missing.append(element)
    return missing
