"""CMS122/CMS165 denominator exclusions (ccm.reports.exclusions), read as the measures define
them; the value sets are data (exclusions.yaml), so a test can fill the ones that ship empty."""

import datetime as dt

import pytest

from ccm.reports import exclusions, measures
from ccm.reports.exclusions import CMS122, CMS165, Diagnosis, ValueSets, Visit

PERIOD = measures.Period.ending(dt.date(2026, 3, 31))
SHIPPED = ValueSets.load()


def why(measure, born, diagnoses=(), visits=(), sets=SHIPPED):  # type: ignore[no-untyped-def]
    return exclusions.excluded(measure, born, diagnoses, visits, PERIOD, sets)


def test_codes_match_without_dots_or_case():
    assert SHIPPED.has("end_stage_renal_disease", "icd10cm", "n186")
    assert SHIPPED.has("palliative_care", "HCPCS", "G9054")
    assert not SHIPPED.has("end_stage_renal_disease", "icd10cm", "N18.5")


def test_hospice_and_palliative_care_count_only_inside_the_period():
    born = dt.date(1960, 1, 1)
    assert why(CMS122, born, visits=[Visit(dt.date(2025, 4, 1), "hcpcs", "G9473")]) == "hospice"
    assert why(CMS122, born, visits=[Visit(dt.date(2025, 3, 31), "hcpcs", "G9473")]) is None
    ended = Diagnosis("Z51.5", dt.date(2024, 1, 1), dt.date(2025, 3, 31))
    assert why(CMS165, born, [ended]) is None
    assert why(CMS165, born, [Diagnosis("Z51.5", dt.date(2024, 1, 1))]) == "palliative care"


def test_kidney_failure_excludes_from_cms165_only():
    esrd = [Diagnosis("N18.6", dt.date(2010, 1, 1))]
    born = dt.date(1960, 1, 1)
    assert why(CMS165, born, esrd) == "kidney failure, dialysis or transplant"
    assert why(CMS122, born, esrd) is None
    assert why(CMS165, born, visits=[Visit(dt.date(2019, 1, 1), "cpt", "50360")]) is not None


def test_frailty_alone_from_81_and_with_advanced_illness_from_66():
    frail = [Visit(dt.date(2025, 6, 1), "cpt", "99504")]
    assert why(CMS165, dt.date(1945, 3, 31), visits=frail) == "frailty and advanced illness"
    assert why(CMS165, dt.date(1945, 4, 1), visits=frail) is None  # 80: needs advanced illness
    assert why(CMS122, dt.date(1945, 3, 31), visits=frail) is None  # CMS122: never frailty alone


def test_an_empty_value_set_finds_nothing_and_is_named():
    assert why(CMS165, dt.date(1990, 1, 1), [Diagnosis("Z33.1", dt.date(2025, 6, 1))]) is None
    assert "Pregnancy" in [s.name for s in SHIPPED.empty(CMS165)]
    assert "Pregnancy" not in [s.name for s in SHIPPED.empty(CMS122)]  # not CMS122's exclusion


def test_a_value_set_file_missing_one_is_refused(tmp_path):
    path = tmp_path / "sets.yaml"
    path.write_text("hospice_encounter: {name: H, oid: '1', codes: {}}\n")
    with pytest.raises(ValueError, match="value sets missing"):
        ValueSets.load(path)
