"""PHQ-2, PHQ-9 and GAD-7. Text: Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and
colleagues, with an educational grant from Pfizer Inc. "No permission required to reproduce,
translate, display or distribute" (https://www.phqscreeners.com/). Cut-offs: cutoffs.py."""

from __future__ import annotations

from collections.abc import Mapping

from ccm.instruments import cutoffs
from ccm.instruments.base import Instrument, Item, Option, Result, band

SOURCE = (
    "PHQ and GAD-7 screeners, Spitzer, Williams, Kroenke et al.; free to use (phqscreeners.com)"
)
FREQUENCY = (
    Option("0", "Not at all", 0),
    Option("1", "Several days", 1),
    Option("2", "More than half the days", 2),
    Option("3", "Nearly every day", 3),
)
PHQ_ITEMS = (
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself — or that you are a failure or have let yourself or your "
    "family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed? Or the opposite — "
    "being so fidgety or restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead or of hurting yourself in some way",
)
GAD_ITEMS = (
    "Feeling nervous, anxious, or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid, as if something awful might happen",
)
PROMPT = "Over the last 2 weeks, how often have you been bothered by any of the following problems?"


def _items(texts: tuple[str, ...], prefix: str) -> tuple[Item, ...]:
    return tuple(Item(f"{prefix}{n}", text, FREQUENCY) for n, text in enumerate(texts, 1))


def _phq9(total: int, picked: Mapping[str, tuple[Option, ...]]) -> Result:
    reasons = []
    positive = total >= cutoffs.PHQ9_POSITIVE
    if positive:
        reasons.append(f"PHQ-9 {total} ≥ {cutoffs.PHQ9_POSITIVE} (Kroenke 2001)")
    urgent = picked["q9"][0].points >= cutoffs.PHQ9_ITEM9_URGENT
    if urgent:
        reasons.append("Question 9 (thoughts of self-harm) answered above 'not at all'")
    band_ = band(total, cutoffs.PHQ9_BANDS)
    return Result(total, band_, positive or urgent, urgent, tuple(reasons))


def _phq2(total: int, picked: Mapping[str, tuple[Option, ...]]) -> Result:
    positive = total >= cutoffs.PHQ2_POSITIVE
    reasons = (f"PHQ-2 {total} ≥ {cutoffs.PHQ2_POSITIVE}: give the PHQ-9 (Kroenke 2003)",)
    return Result(
        total,
        "positive screen" if positive else "negative screen",
        positive,
        False,
        reasons if positive else (),
    )


def _gad7(total: int, picked: Mapping[str, tuple[Option, ...]]) -> Result:
    positive = total >= cutoffs.GAD7_POSITIVE
    reasons = (f"GAD-7 {total} ≥ {cutoffs.GAD7_POSITIVE} (Spitzer 2006)",) if positive else ()
    return Result(total, band(total, cutoffs.GAD7_BANDS), positive, False, reasons)


PHQ9 = Instrument(
    "phq9", "PHQ-9", PROMPT, _items(PHQ_ITEMS, "q"), SOURCE, _phq9, 27, tags=("depression",)
)
PHQ2 = Instrument(
    "phq2",
    "PHQ-2",
    PROMPT,
    _items(PHQ_ITEMS[:2], "q"),
    SOURCE,
    _phq2,
    6,
    follow_up="phq9",
    tags=("depression",),
)
GAD7 = Instrument(
    "gad7", "GAD-7", PROMPT, _items(GAD_ITEMS, "q"), SOURCE, _gad7, 21, tags=("anxiety",)
)
