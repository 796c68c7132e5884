import csv
import gzip
from datetime import date
from importlib import resources
from pathlib import Path

import orjson
import pytest

from ccm import codes
from ccm.codes import (
    APCM,
    APCM_BEHAVIORAL,
    CCM,
    COMPLEX_CCM,
    INITIATING_VISITS,
    RHC_FQHC_CARE_MANAGEMENT,
    classify_icd10,
    classify_snomed,
    condition_groups,
    count_conditions,
    group_name,
    is_valid_icd10cm,
)

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
BUNDLES = SHARED / "data" / "synthea_r4_bundles_dev" / "bundles"


def data_rows(name: str) -> list[list[str]]:
    text = resources.files("ccm.codes.data").joinpath(name).read_text(encoding="utf-8")
    return list(csv.reader(line for line in text.splitlines() if not line.startswith("#")))[1:]


def test_dotted_undotted_and_case_give_the_same_groups():
    assert condition_groups("E11.9") == condition_groups("e119") == frozenset({"diabetes"})


def test_two_diabetes_codes_share_a_group():
    assert condition_groups("E11.9") & condition_groups("E11.65")
    assert count_conditions(["E11.9", "E11.65"]) == 1


def test_diabetes_and_hypertension_do_not_share_a_group():
    assert not condition_groups("E11.9") & condition_groups("I10")
    assert count_conditions(["E11.9", "I10"]) == 2


def test_code_in_no_group_has_no_groups():
    assert condition_groups("J01.90") == frozenset()
    assert condition_groups("") == frozenset()


def test_nested_ccw_groups_are_folded_so_alzheimers_counts_once():
    assert count_conditions(["G30.9", "F03.90"]) == 1


def test_a_combination_code_can_stand_for_the_condition_the_others_leave():
    assert count_conditions(["I13.0", "I10", "N18.30"]) == 3


def test_codes_outside_groups_count_by_three_character_category():
    assert count_conditions(["K21.9", "K21.0", "M10.9"]) == 2


def test_every_ccw_code_is_valid_icd10cm_or_flagged():
    for code, _group, status in data_rows("ccw_codes.csv"):
        if status in ("ok", "expanded"):
            assert is_valid_icd10cm(code, billable=True), code
        elif status == "not_billable":
            assert is_valid_icd10cm(code) and not is_valid_icd10cm(code, billable=True), code
        else:
            assert status == "invalid" and not is_valid_icd10cm(code), code


def test_every_snomed_row_names_a_known_group_and_a_valid_icd10cm_code():
    known = set(codes.all_groups()) | set(codes.FOLDED_GROUPS)
    for _snomed, group, icd, _comment in data_rows("snomed_groups.csv"):
        assert not group or group in known
        assert is_valid_icd10cm(icd, billable=True), icd
        if not group:
            match = classify_icd10(icd)
            assert match is not None and match.chronic, icd


def test_classify_icd10_ccw_and_cci_fallback():
    diabetes = classify_icd10("E11.9")
    assert diabetes is not None
    assert diabetes.source == "ccw" and diabetes.chronic and diabetes.groups == {"diabetes"}
    gout = classify_icd10("M10.9")
    assert gout is not None and gout.source == "ahrq_cci" and gout.chronic and not gout.groups
    assert classify_icd10("J01.90") is None


def test_acute_ccw_categories_are_not_chronic():
    mi = classify_icd10("I21.9")
    assert mi is not None and not mi.chronic


def test_snomed_diabetes_maps_to_diabetes():
    match = classify_snomed("44054006")
    assert match is not None
    assert match.groups == {"diabetes"} and match.chronic and match.source == "snomed_map"
    assert match.icd10cm == "E11.9"


def test_prediabetes_and_acute_snomed_codes_are_not_chronic():
    assert classify_snomed("15777000") is None  # prediabetes
    assert classify_snomed("444814009") is None  # viral sinusitis


def test_group_name():
    assert group_name("diabetes") == "Diabetes"
    assert group_name("hepatitis_c") == "Hepatitis C"


def test_tables_load_once_on_first_use():
    """Lazy and cached: the speed itself is measured in bench/, not asserted in a test."""
    from ccm.codes import conditions

    loaders = (conditions._ccw, conditions._cci, conditions._snomed, conditions._group_names)
    for cached in (*loaders, conditions.classify_icd10, conditions.classify_snomed):
        getattr(cached, "cache_clear", lambda: None)()  # classify_* may memoise too
    condition_groups("E11.9")
    classify_icd10("M10.9")
    classify_snomed("44054006")
    group_name("diabetes")
    classify_icd10("I10")
    assert all(loader.cache_info().misses == 1 for loader in loaders)


def test_code_sets_union_membership_and_dates():
    both = CCM | COMPLEX_CCM
    assert "99490" in both and "99487" in both and "99424" not in both
    assert len(both) == 6
    assert "G0556" not in APCM.active_on(date(2024, 12, 31))
    assert "G0556" in APCM.active_on(date(2025, 1, 1))
    assert "G0568" not in APCM_BEHAVIORAL.active_on(date(2025, 12, 31))
    assert "G0511" in RHC_FQHC_CARE_MANAGEMENT.active_on(date(2025, 9, 30))
    assert "G0511" not in RHC_FQHC_CARE_MANAGEMENT.active_on(date(2025, 10, 1))
    assert "99211" not in INITIATING_VISITS and "99213" in INITIATING_VISITS
    assert all(code.comment for code in codes.CARE_MANAGEMENT)


@pytest.mark.skipif(not BUNDLES.is_dir(), reason=f"shared Synthea data not found at {BUNDLES}")
def test_synthea_bundles_classify():
    chronic_groups: set[str] = set()
    for path in sorted(BUNDLES.glob("*.json.gz"))[:25]:
        bundle = orjson.loads(gzip.decompress(path.read_bytes()))
        for entry in bundle["entry"]:
            resource = entry["resource"]
            if resource["resourceType"] != "Condition":
                continue
            for coding in resource["code"]["coding"]:
                match = classify_snomed(coding["code"])
                if match is not None:
                    chronic_groups |= match.groups
    assert {"hypertension", "diabetes"} & chronic_groups
    assert len(chronic_groups) >= 3


def test_icd10cm_validity_categories_leaves_and_what_is_no_code():
    """A category is valid but not billable, a leaf both; the data file's comment words and
    its leaf mark "*" are never codes."""
    assert is_valid_icd10cm("E11") and not is_valid_icd10cm("E11", billable=True)
    assert is_valid_icd10cm("e11.9", billable=True)
    for not_a_code in ("E119*", "E11*", "*", "FY2026", "ICD-10-CM", "Source:", "", "E11.99"):
        assert not is_valid_icd10cm(not_a_code), not_a_code
