"""The demo's clinical picture (ccm.population.clinical_picture): it follows the conditions."""

import datetime as dt
import random

from ccm.population import STOPPED_MEDICINE, clinical_picture

VISITS = [dt.date(2026, m, 10) for m in (1, 4, 7, 10)]


def test_labs_and_medicines_follow_the_conditions():
    picture = clinical_picture(["E11.9", "N18.32"], VISITS, random.Random(1))
    kinds = [m.kind for m in picture.measurements]
    assert kinds.count("blood_pressure") == kinds.count("weight") == len(VISITS)
    assert kinds.count("hba1c") == len(VISITS)
    egfr = [m.value for m in picture.measurements if m.kind == "egfr"]
    assert len(egfr) == len(VISITS) and all(27 <= v <= 44 for v in egfr)  # stage 3b, drifting
    assert [m[1] for m in picture.medicines] == [
        "24 HR Metformin hydrochloride 500 MG Extended Release Oral Tablet"
    ]


def test_no_diabetes_no_hba1c_and_a_stopped_diuretic_only_with_hypertension():
    for seed in range(50):
        picture = clinical_picture(["J44.9", "M81.0"], VISITS, random.Random(seed))
        assert {m.kind for m in picture.measurements} == {"blood_pressure", "weight"}
        assert STOPPED_MEDICINE[0] not in {m[0] for m in picture.medicines}
    stopped = [
        clinical_picture(["I10"], VISITS, random.Random(seed)).medicines for seed in range(50)
    ]
    assert any((*STOPPED_MEDICINE, "stopped") in m for m in stopped)


def test_the_same_seed_gives_the_same_picture():
    assert clinical_picture(["I10"], VISITS, random.Random(7)) == clinical_picture(
        ["I10"], VISITS, random.Random(7)
    )
