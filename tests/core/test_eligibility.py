from datetime import date

from ccm.rules.eligibility import PatientFacts, eligibility, years_before

AS_OF = date(2026, 3, 15)
DIABETES = ("ICD-10-CM", "E11.9", date(2020, 1, 1), None, "active")
DIABETES_2 = ("ICD-10-CM", "E11.65", date(2021, 1, 1), None, "active")
HYPERTENSION = ("http://snomed.info/sct", "59621000", date(2019, 5, 1), None, "active")
OFFICE_VISIT = (date(2025, 11, 20), "99214", "AMB")


def facts(**changes: object) -> PatientFacts:
    base: dict[str, object] = {
        "conditions": (DIABETES, HYPERTENSION),
        "part_b": True,
        "qmb": False,
        "encounters": (OFFICE_VISIT,),
    }
    base.update(changes)
    return PatientFacts(**base)  # type: ignore[arg-type]


def test_two_chronic_conditions_and_part_b_qualify_for_everything():
    result = eligibility(facts(), AS_OF)
    assert result.chronic_condition_count == 2
    assert result.ccm.eligible and result.pcm.eligible and result.apcm.eligible
    assert not result.ccm.initiating_visit_needed
    assert result.apcm.apcm_code == "G0557"
    assert all(r.rule.startswith("cms-rules §") for r in result.ccm.reasons)


def test_two_codes_for_one_condition_are_one_condition():
    result = eligibility(facts(conditions=(DIABETES, DIABETES_2)), AS_OF)
    assert result.chronic_condition_count == 1
    assert not result.ccm.eligible and result.pcm.eligible
    assert result.apcm.apcm_code == "G0556"


def test_pcm_reasons_say_high_risk_is_a_clinical_judgment():
    result = eligibility(facts(), AS_OF)
    assert any("clinical judgment" in r.text for r in result.pcm.reasons)


def test_visit_exactly_twelve_months_ago_still_counts():
    visit = (years_before(AS_OF, 1), "99213", "AMB")
    assert not eligibility(facts(encounters=(visit,)), AS_OF).ccm.initiating_visit_needed


def test_visit_twelve_months_and_one_day_ago_needs_a_new_visit():
    visit = (date(2025, 3, 14), "99213", "AMB")
    result = eligibility(facts(encounters=(visit,)), AS_OF)
    assert result.ccm.initiating_visit_needed
    assert not result.apcm.initiating_visit_needed  # APCM looks back 3 years


def test_visits_after_as_of_and_99211_do_not_count():
    visits = ((date(2026, 3, 16), "99214", "AMB"), (date(2026, 1, 2), "99211", "AMB"))
    result = eligibility(facts(encounters=visits), AS_OF)
    assert result.last_initiating_visit is None and result.ccm.initiating_visit_needed


def test_synthea_snomed_office_visit_counts_only_when_ambulatory():
    checkup = (date(2026, 1, 5), ("185349003",), "AMB")
    assert eligibility(facts(encounters=(checkup,)), AS_OF).last_initiating_visit == date(
        2026, 1, 5
    )
    emergency = (date(2026, 1, 5), ("185349003",), "EMER")
    assert eligibility(facts(encounters=(emergency,)), AS_OF).last_initiating_visit is None


def test_deceased_patient_is_eligible_for_nothing():
    result = eligibility(facts(deceased_date=date(2026, 2, 1)), AS_OF)
    assert not (result.ccm.eligible or result.pcm.eligible or result.apcm.eligible)
    assert result.apcm.apcm_code is None
    assert "died" in result.ccm.reasons[0].text


def test_part_b_unknown_is_unverified_never_assumed():
    result = eligibility(facts(part_b=None), AS_OF)
    assert result.ccm.status == "unverified" and not result.ccm.eligible
    assert "unverified" in result.ccm.reasons[0].text


def test_no_part_b_is_not_eligible():
    assert eligibility(facts(part_b=False), AS_OF).ccm.status == "not_eligible"


def test_abated_resolved_and_future_conditions_do_not_count():
    abated = ("ICD-10-CM", "I10", date(2019, 1, 1), date(2026, 3, 1), None)
    resolved = ("ICD-10-CM", "J45.909", date(2019, 1, 1), None, "resolved")
    future = ("ICD-10-CM", "N18.30", date(2026, 3, 16), None, "active")
    result = eligibility(facts(conditions=(DIABETES, abated, resolved, future)), AS_OF)
    assert result.chronic_condition_count == 1
    assert not result.ccm.eligible


def test_acute_conditions_do_not_count():
    sinusitis = ("SNOMED", "444814009", date(2026, 3, 1), None, "active")
    result = eligibility(facts(conditions=(DIABETES, sinusitis)), AS_OF)
    assert result.chronic_condition_count == 1


def test_qmb_with_two_conditions_is_g0558():
    assert eligibility(facts(qmb=True), AS_OF).apcm.apcm_code == "G0558"
    assert eligibility(facts(qmb=True, conditions=(DIABETES,)), AS_OF).apcm.apcm_code == "G0556"


def test_qmb_unknown_stays_g0557_and_says_so():
    result = eligibility(facts(qmb=None), AS_OF)
    assert result.apcm.apcm_code == "G0557"
    assert any("QMB status unverified" in r.text for r in result.apcm.reasons)


def test_leap_day_lookback():
    assert years_before(date(2028, 2, 29), 1) == date(2027, 2, 28)
