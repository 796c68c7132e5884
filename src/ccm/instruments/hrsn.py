"""Social needs: the ten core questions of the CMS Accountable Health Communities Health-Related
Social Needs Screening Tool (CMS Center for Medicare and Medicaid Innovation, 2017;
https://www.cms.gov/priorities/innovation/files/worksheets/ahcm-screeningtool.pdf), a U.S.
government work. Positive per domain as the tool's guide says; safety: cutoffs.py."""

from __future__ import annotations

from collections.abc import Mapping

from ccm.instruments import cutoffs
from ccm.instruments.base import Instrument, Item, Option, Result

SOURCE = "CMS AHC Health-Related Social Needs Screening Tool, core questions (public domain)"
FOOD = (
    Option("often", "Often true", 1),
    Option("sometimes", "Sometimes true", 1),
    Option("never", "Never true", 0),
)
HOW_OFTEN = tuple(
    Option(str(n), label, n)
    for n, label in enumerate(("Never", "Rarely", "Sometimes", "Fairly often", "Frequently"), 1)
)
ITEMS = (
    Item(
        "living",
        "What is your living situation today?",
        (
            Option("steady", "I have a steady place to live", 0),
            Option(
                "worried",
                "I have a place to live today, but I am worried about losing it in the future",
                1,
            ),
            Option(
                "no_steady",
                "I do not have a steady place to live (I am temporarily staying with others, in a "
                "hotel, in a shelter, living outside on the street, on a beach, in a car, abandoned "
                "building, bus or train station, or in a park)",
                1,
            ),
        ),
    ),
    Item(
        "housing_problems",
        "Think about the place you live. Do you have problems with any of the following? "
        "(Choose all that apply.)",
        (
            Option("pests", "Pests such as bugs, ants, or mice", 1),
            Option("mold", "Mold", 1),
            Option("lead", "Lead paint or pipes", 1),
            Option("heat", "Lack of heat", 1),
            Option("oven", "Oven or stove not working", 1),
            Option("smoke", "Smoke detectors missing or not working", 1),
            Option("leaks", "Water leaks", 1),
            Option("none", "None of the above", 0),
        ),
        multiple=True,
    ),
    Item(
        "food_worry",
        "Within the past 12 months, you worried that your food would run out before you got "
        "money to buy more.",
        FOOD,
    ),
    Item(
        "food_ran_out",
        "Within the past 12 months, the food you bought just didn't last and you didn't have "
        "money to get more.",
        FOOD,
    ),
    Item(
        "transportation",
        "In the past 12 months, has lack of reliable transportation kept you from medical "
        "appointments, meetings, work or from getting things needed for daily living?",
        (Option("yes", "Yes", 1), Option("no", "No", 0)),
    ),
    Item(
        "utilities",
        "In the past 12 months has the electric, gas, oil, or water company threatened to shut "
        "off services in your home?",
        (
            Option("yes", "Yes", 1),
            Option("no", "No", 0),
            Option("already", "Already shut off", 1),
        ),
    ),
    Item(
        "hurt",
        "How often does anyone, including family and friends, physically hurt you?",
        HOW_OFTEN,
    ),
    Item(
        "insult",
        "How often does anyone, including family and friends, insult or talk down to you?",
        HOW_OFTEN,
    ),
    Item(
        "threaten",
        "How often does anyone, including family and friends, threaten you with harm?",
        HOW_OFTEN,
    ),
    Item(
        "scream",
        "How often does anyone, including family and friends, scream or curse at you?",
        HOW_OFTEN,
    ),
)
DOMAINS = (
    ("Housing instability", ("living",)),
    ("Housing quality", ("housing_problems",)),
    ("Food insecurity", ("food_worry", "food_ran_out")),
    ("Transportation", ("transportation",)),
    ("Utilities", ("utilities",)),
)
SAFETY = ("hurt", "insult", "threaten", "scream")


def _interpret(total: int, picked: Mapping[str, tuple[Option, ...]]) -> Result:
    needs = [name for name, keys in DOMAINS if any(o.points for k in keys for o in picked[k])]
    safety = sum(picked[k][0].points for k in SAFETY)
    if safety >= cutoffs.HRSN_SAFETY_POSITIVE:
        needs.append("Interpersonal safety")
    label = ", ".join(needs) if needs else "no needs found"
    reasons = tuple(f"{need} (AHC HRSN)" for need in needs)
    urgent = safety >= cutoffs.HRSN_SAFETY_POSITIVE
    return Result(len(needs), label, bool(needs), urgent, reasons)


HRSN = Instrument(
    "hrsn",
    "Social needs (AHC HRSN)",
    "Please answer each question about the past 12 months or today.",
    ITEMS,
    SOURCE,
    _interpret,
    len(DOMAINS) + 1,
    tags=("social",),
)
