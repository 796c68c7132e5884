"""Screening instruments score as their publications say; cut-offs live in one module."""

import ast
from pathlib import Path

import pytest

import ccm.instruments
from ccm.instruments import INSTRUMENTS, instrument, score
from ccm.instruments.base import AnswerError


def all_answered(key, value):
    return {item.key: value for item in instrument(key).items}


@pytest.mark.parametrize(
    ("answers", "total", "band", "positive", "urgent"),
    [
        (["0"] * 9, 0, "none to minimal", False, False),
        (["1"] * 4 + ["0"] * 5, 4, "none to minimal", False, False),
        (["1"] * 8 + ["0"], 8, "mild", False, False),
        (["2"] * 5 + ["0"] * 4, 10, "moderate", True, False),
        (["3"] * 8 + ["0"], 24, "severe", True, False),
        (["0"] * 8 + ["1"], 1, "none to minimal", True, True),  # self-harm item alone
    ],
)
def test_phq9_bands_cut_off_and_item_nine(answers, total, band, positive, urgent):
    result = score(instrument("phq9"), {f"q{n}": a for n, a in enumerate(answers, 1)})
    assert (result.score, result.band, result.positive, result.urgent) == (
        total,
        band,
        positive,
        urgent,
    )


def test_phq2_positive_at_three_points_to_the_phq9():
    assert not score(instrument("phq2"), {"q1": "1", "q2": "1"}).positive
    result = score(instrument("phq2"), {"q1": "2", "q2": "1"})
    assert result.positive and instrument("phq2").follow_up == "phq9"


def test_gad7_cut_off_at_ten():
    assert score(instrument("gad7"), all_answered("gad7", "1")).score == 7
    high = {**all_answered("gad7", "1"), "q1": "3", "q2": "3"}
    assert score(instrument("gad7"), high).positive


def test_falls_the_first_two_statements_count_double():
    answers = all_answered("falls", "no")
    assert score(instrument("falls"), {**answers, "s1": "yes", "s3": "yes"}).score == 3
    result = score(instrument("falls"), {**answers, "s1": "yes", "s2": "yes"})
    assert result.score == 4 and result.positive


def test_adl_and_iadl():
    adl = {**all_answered("adl", "independent"), "bathing": "needs_help"}
    assert score(instrument("adl"), adl).score == 5 and not score(instrument("adl"), adl).positive
    adl["dressing"] = "needs_help"
    assert score(instrument("adl"), adl).positive
    iadl = {**all_answered("iadl", "independent"), "finances": "needs_help"}
    result = score(instrument("iadl"), iadl)
    assert (result.score, result.band, result.positive) == (7, "needs help with 1 of 8", False)


def test_hrsn_domains_and_safety():
    calm = {
        "living": "steady",
        "housing_problems": ["none"],
        "food_worry": "never",
        "food_ran_out": "never",
        "transportation": "no",
        "utilities": "no",
        "hurt": "1",
        "insult": "1",
        "threaten": "1",
        "scream": "1",
    }
    assert not score(instrument("hrsn"), calm).positive
    needy = {**calm, "food_worry": "sometimes", "housing_problems": ["mold", "heat"]}
    result = score(instrument("hrsn"), needy)
    assert result.band == "Housing quality, Food insecurity" and not result.urgent
    unsafe = {**calm, "hurt": "3", "insult": "3", "threaten": "2", "scream": "3"}
    assert score(instrument("hrsn"), unsafe).urgent


def test_an_unanswered_or_invented_answer_names_the_question():
    with pytest.raises(AnswerError, match="PHQ-9 question 3: choose an answer"):
        score(instrument("phq9"), {"q1": "0", "q2": "0"})
    with pytest.raises(AnswerError, match="GAD-7 question 1: not one of its answers"):
        score(instrument("gad7"), all_answered("gad7", "9"))


def test_every_instrument_cites_its_source_and_thresholds_live_in_cutoffs():
    assert set(INSTRUMENTS) == {"phq2", "phq9", "gad7", "falls", "adl", "iadl", "hrsn"}
    assert all(i.source for i in INSTRUMENTS.values())
    here = Path(ccm.instruments.__file__).parent
    for path in here.glob("*.py"):
        if path.name == "cutoffs.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Compare):
                for side in (node.left, *node.comparators):
                    if isinstance(side, ast.Constant) and isinstance(side.value, int):
                        assert side.value in (0, 1), f"{path.name}: a threshold written inline"


def test_discharge_contact_is_due_two_business_days_later():
    import datetime as dt

    from ccm.rules.care_transitions import contact_due, in_transition_period

    thursday = dt.date(2026, 3, 5)
    assert contact_due(thursday) == dt.date(2026, 3, 9)  # Friday, then Monday
    assert contact_due(dt.date(2026, 3, 2)) == dt.date(2026, 3, 4)
    assert in_transition_period(thursday, dt.date(2026, 4, 4))
    assert not in_transition_period(thursday, dt.date(2026, 4, 5))
    assert not in_transition_period(thursday, dt.date(2026, 3, 4))
