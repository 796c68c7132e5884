"""Falls risk: CDC STEADI "Stay Independent" checklist (12 statements, yes/no; the first two
count 2 points, the rest 1). A U.S. government work, free to use: CDC, STEADI — Older Adult
Fall Prevention, https://www.cdc.gov/steadi/. Cut-off: cutoffs.FALLS_AT_RISK."""

from __future__ import annotations

from collections.abc import Mapping

from ccm.instruments import cutoffs
from ccm.instruments.base import Instrument, Item, Option, Result

SOURCE = "CDC STEADI Stay Independent brochure (public domain)"
STATEMENTS = (
    ("I have fallen in the past year.", 2),
    ("I use or have been advised to use a cane or walker to get around safely.", 2),
    ("Sometimes I feel unsteady when I am walking.", 1),
    ("I steady myself by holding onto furniture when walking at home.", 1),
    ("I am worried about falling.", 1),
    ("I need to push with my hands to stand up from a chair.", 1),
    ("I have some trouble stepping up onto a curb.", 1),
    ("I often have to rush to the toilet.", 1),
    ("I have lost some feeling in my feet.", 1),
    ("I take medicine that sometimes makes me feel light-headed or more tired than usual.", 1),
    ("I take medicine to help me sleep or improve my mood.", 1),
    ("I often feel sad or depressed.", 1),
)


def _interpret(total: int, picked: Mapping[str, tuple[Option, ...]]) -> Result:
    at_risk = total >= cutoffs.FALLS_AT_RISK
    reasons = (
        (f"Stay Independent {total} ≥ {cutoffs.FALLS_AT_RISK} (CDC STEADI)",) if at_risk else ()
    )
    return Result(
        total, "may be at risk for falling" if at_risk else "low risk", at_risk, False, reasons
    )


FALLS = Instrument(
    "falls",
    "Falls risk (STEADI Stay Independent)",
    "Please answer yes or no to each statement.",
    tuple(
        Item(f"s{n}", text, (Option("yes", "Yes", points), Option("no", "No", 0)))
        for n, (text, points) in enumerate(STATEMENTS, 1)
    ),
    SOURCE,
    _interpret,
    14,
    tags=("falls",),
)
