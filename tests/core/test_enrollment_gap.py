"""GapRules joins cached halves of the eligibility verdict; it must equal one direct call."""

import datetime as dt

from ccm.enrollment_gap import GapRules
from ccm.population import generate_patients
from ccm.rules.eligibility import PatientFacts, eligibility, last_initiating_visit

AS_OF = dt.date(2026, 2, 28)


def direct(patient):  # type: ignore[no-untyped-def]
    """What the audit showed before the cache: one eligibility call on all the facts."""
    conditions = tuple(
        sorted(
            ("ICD-10-CM", c.icd10_code, c.onset_date, None, "active") for c in patient.conditions
        )
    )
    qmb = patient.qmb if patient.part_b is not None else None
    facts = PatientFacts(
        conditions=conditions,
        part_b=patient.part_b,
        qmb=qmb,
        deceased_date=patient.deceased_date,
        encounters=tuple((e.date, e.type_code, e.encounter_class) for e in patient.encounters),
    )
    verdict = eligibility(facts, AS_OF)
    reasons: list[str] = []
    for program in (verdict.ccm, verdict.apcm):
        reasons += [r.text for r in program.reasons if r.text not in reasons]
    return verdict, reasons


def test_cached_verdicts_equal_direct_eligibility_on_generated_patients():
    rules = GapRules(AS_OF)
    checked = dead = 0
    for patient in generate_patients(3000, seed=7, today=dt.date(2026, 3, 15)):
        verdict, reasons = direct(patient)
        active = tuple(
            sorted(
                ("ICD-10-CM", c.icd10_code, None, None, None)
                for c in patient.conditions
                if c.onset_date <= AS_OF
            )
        )
        encounters = tuple((e.date, e.type_code, e.encounter_class) for e in patient.encounters)
        gap = rules.decide(
            active,
            patient.part_b,
            patient.qmb if patient.part_b is not None else None,
            patient.deceased_date,
            last_initiating_visit(PatientFacts(encounters=encounters), AS_OF),
        )
        assert list(gap.reasons) == reasons, patient.index
        assert gap.condition_count == verdict.chronic_condition_count
        assert gap.initiating_visit_needed == verdict.ccm.initiating_visit_needed
        assert gap.apcm_code == verdict.apcm.apcm_code
        checked += 1
        dead += gap.dead
    assert checked == 3000 and dead > 0
    assert len(rules._facts) < 3000  # patients share condition sets: the cache is used
