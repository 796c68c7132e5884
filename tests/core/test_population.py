"""The population generator: realistic, deterministic per (seed, index), valid codes and identifiers."""

import datetime as dt
import re

import pytest

from ccm.codes import classify_icd10, is_valid_icd10cm
from ccm.population import BLOCK, GeneratedPatient, generate_patients

TODAY = dt.date(2026, 3, 15)
# CMS MBI format (the same pattern as ccmweb.patients.validators.MBI_RE, restated: no Django here).
_A = "AC-HJKMNP-RT-Y"
MBI = re.compile(rf"[1-9][{_A}][0-9{_A}][0-9][{_A}][0-9{_A}][0-9][{_A}][{_A}][0-9][0-9]")


@pytest.fixture(scope="module")
def population() -> list[GeneratedPatient]:
    return list(generate_patients(2000, seed=7, today=TODAY))


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def test_ages_are_65_to_95_and_skew_young(population: list[GeneratedPatient]) -> None:
    ages = [age_on(p.birth_date, TODAY) for p in population]
    assert min(ages) >= 65 and max(ages) <= 95
    assert 0.4 < sum(a < 75 for a in ages) / len(ages) < 0.6
    assert any(a >= 90 for a in ages)


def test_conditions_are_valid_icd10cm_codes_in_their_ccw_group(population) -> None:  # type: ignore[no-untyped-def]
    seen = set()
    for patient in population:
        for condition in patient.conditions:
            seen.add(condition.icd10_code)
            assert condition.onset_date < TODAY
            assert age_on(patient.birth_date, condition.onset_date) >= 39
    for code in seen:
        assert is_valid_icd10cm(code, billable=True), code
        match = classify_icd10(code)
        assert match is not None and match.chronic, code
    assert len(seen) > 20


def test_each_patient_has_each_condition_group_at_most_once(population) -> None:  # type: ignore[no-untyped-def]
    for patient in population:
        groups = [c.group for c in patient.conditions]
        assert len(groups) == len(set(groups))


@pytest.mark.parametrize(
    ("group", "low", "high"),
    [
        ("hypertension", 0.50, 0.64),
        ("hyperlipidemia", 0.40, 0.54),
        ("heart_failure", 0.09, 0.20),
        ("alzheimers_disease_and_related_disorders_or_senile_dementia", 0.06, 0.17),
        ("stroke_transient_ischemic_attack", 0.015, 0.07),
    ],
)
def test_prevalence_is_near_medicare_ffs(population, group, low, high) -> None:  # type: ignore[no-untyped-def]
    share = sum(any(c.group == group for c in p.conditions) for p in population) / len(population)
    assert low < share < high


def test_dementia_is_commoner_with_age(population) -> None:  # type: ignore[no-untyped-def]
    def share(patients: list[GeneratedPatient]) -> float:
        return sum(
            any(c.group.startswith("alzheimers") for c in p.conditions) for p in patients
        ) / len(patients)

    young = [p for p in population if age_on(p.birth_date, TODAY) < 75]
    old = [p for p in population if age_on(p.birth_date, TODAY) >= 85]
    assert share(old) > 2 * share(young)


def test_encounters_fall_in_the_two_years_before_today(population) -> None:  # type: ignore[no-untyped-def]
    two_years_ago = TODAY - dt.timedelta(days=730)
    for patient in population:
        dates = [e.date for e in patient.encounters]
        assert dates == sorted(dates)
        assert all(two_years_ago <= d < TODAY for d in dates)
        if patient.deceased_date:
            assert all(d <= patient.deceased_date for d in dates)
    per_year = sum(len(p.encounters) for p in population) / len(population) / 2
    assert 3 <= per_year <= 6
    codes = {e.type_code for p in population for e in p.encounters}
    assert {"99213", "99214", "99215", "G0439", "99284", "99223"} <= codes


def test_more_conditions_mean_more_visits(population) -> None:  # type: ignore[no-untyped-def]
    def visits(patients: list[GeneratedPatient]) -> float:
        return sum(len(p.encounters) for p in patients) / len(patients)

    few = [p for p in population if len(p.conditions) <= 1]
    many = [p for p in population if len(p.conditions) >= 5]
    assert visits(many) > visits(few) + 1


def test_coverage_mix_and_identifiers(population) -> None:  # type: ignore[no-untyped-def]
    n = len(population)
    assert 0.86 < sum(p.coverage == "medicare_part_b" for p in population) / n < 0.94
    assert 0.05 < sum(p.coverage == "medicare_advantage" for p in population) / n < 0.11
    assert 0.005 < sum(p.part_b is None for p in population) / n < 0.04
    assert 0.05 < sum(p.qmb for p in population) / n < 0.11
    deceased = [p for p in population if p.deceased_date]
    assert 0 < len(deceased) < 0.03 * n
    assert all(p.deceased_date and p.deceased_date < TODAY for p in deceased)
    assert all(MBI.fullmatch(p.mbi) for p in population)
    assert len({p.mbi for p in population}) == n
    assert len({p.mrn for p in population}) == n
    assert all(re.fullmatch(r"\(\d{3}\) 555-01\d\d", p.phone) for p in population)


def test_patient_i_is_the_same_whatever_n() -> None:
    small = list(generate_patients(10, seed=3, today=TODAY))
    large = list(generate_patients(BLOCK + 100, seed=3, today=TODAY))
    assert small == large[:10]
    assert [p.index for p in large] == list(range(BLOCK + 100))


def test_start_skips_to_the_same_patients() -> None:
    everyone = list(generate_patients(BLOCK + 50, seed=3, today=TODAY))
    assert (
        list(generate_patients(BLOCK + 50, seed=3, today=TODAY, start=BLOCK - 5))
        == (everyone[BLOCK - 5 :])
    )


def test_another_seed_is_another_population() -> None:
    one = list(generate_patients(50, seed=1, today=TODAY))
    two = list(generate_patients(50, seed=2, today=TODAY))
    assert [p.mrn for p in one] == [p.mrn for p in two]
    assert [p.family_name for p in one] != [p.family_name for p in two]


def test_names_and_conditions_do_not_move_with_today() -> None:
    today = list(generate_patients(30, seed=5, today=TODAY))
    next_month = list(generate_patients(30, seed=5, today=TODAY + dt.timedelta(days=31)))
    assert [(p.given_name, p.family_name, p.mbi) for p in today] == [
        (p.given_name, p.family_name, p.mbi) for p in next_month
    ]
    assert [[c.icd10_code for c in p.conditions] for p in today] == [
        [c.icd10_code for c in p.conditions] for p in next_month
    ]


def test_leap_day_today_works() -> None:
    patients = list(generate_patients(300, seed=1, today=dt.date(2028, 2, 29)))
    assert all(65 <= age_on(p.birth_date, dt.date(2028, 2, 29)) <= 95 for p in patients)
