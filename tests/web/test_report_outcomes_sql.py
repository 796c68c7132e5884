"""The refresh's set-based cohorts and outcomes (reports/outcomes.py) equal their readable
reference patient by patient, on generated populations: the consent history walked record by
record, utilisation counted admission by admission, and CMS122/CMS165 with their exclusions as
`ccm.reports.measures` and `ccm.reports.exclusions` define them. Ages cluster around every
cutoff (18, 66, 75, 81, 85), dates around the period's edges, and every value set holds codes
(the test's own file, so that every exclusion can fire)."""

import datetime as dt
import random
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django_scopes import scope, scopes_disabled

from ccm.periods import BillingMonth
from ccm.reports import exclusions, measures
from ccm.reports.exclusions import CMS122, CMS165, Diagnosis, ValueSets, Visit
from ccmweb.enrollment.models import ConsentRecord
from ccmweb.imports.models import Measurement
from ccmweb.patients.models import Condition, Encounter, Patient
from ccmweb.reports import outcomes

MARCH = BillingMonth(2026, 3)
PERIOD = measures.Period.ending(MARCH.last)  # 2025-04-01 .. 2026-03-31
SETS_YAML = """
hospice_encounter: {name: H, oid: "1", codes: {hcpcs: [G9473]}}
palliative_care: {name: P, oid: "2", codes: {icd10cm: [Z51.5], hcpcs: [G9054]}}
end_stage_renal_disease: {name: E, oid: "3", codes: {icd10cm: [N18.6]}}
chronic_kidney_disease_stage_5: {name: C, oid: "4", codes: {icd10cm: [N18.5]}}
kidney_transplant_recipient: {name: K, oid: "5", codes: {icd10cm: [Z94.0]}}
dialysis_services: {name: D, oid: "6", codes: {cpt: ["90935"]}}
kidney_transplant: {name: T, oid: "7", codes: {cpt: ["50360"]}}
frailty_encounter: {name: F, oid: "8", codes: {cpt: ["99504"]}}
frailty_diagnosis: {name: FD, oid: "9", codes: {icd10cm: [R54]}}
advanced_illness: {name: A, oid: "10", codes: {icd10cm: [C25.0, G30.9]}}
pregnancy: {name: PG, oid: "11", codes: {icd10cm: [Z33.1, O09.00]}}
"""
CODES = ["E11.9", "E10.9", "E13.9", "I10", "N18.6", "N18.5", "Z94.0", "Z51.5", "R54", "C25.0",
         "G30.9", "Z33.1", "O09.00", "N18.31"]  # fmt: skip
VISITS = [("cpt", "99214"), ("hcpcs", "G9473"), ("hcpcs", "G9054"), ("cpt", "90935"),
          ("cpt", "50360"), ("cpt", "99504"), ("snomed", "185349003")]  # fmt: skip
CUTOFFS = (18, 66, 75, 76, 81, 85, 86)


def _day(rng: random.Random) -> dt.date:
    """Mostly near the period's edges and the month, sometimes anywhere in three years."""
    anchors = [PERIOD.first, PERIOD.last, MARCH.first, dt.date(2025, 9, 30), dt.date(2024, 4, 1)]
    if rng.random() < 0.7:
        return rng.choice(anchors) + dt.timedelta(days=rng.randint(-3, 3))
    return dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(1100))


def _birth(rng: random.Random) -> dt.date:
    years = rng.choice(CUTOFFS) if rng.random() < 0.7 else rng.randint(10, 95)
    near = dt.date(PERIOD.last.year - years, PERIOD.last.month, PERIOD.last.day)
    return near + dt.timedelta(days=rng.randint(-2, 2))


def populate(t, seed: int, n: int = 120) -> set[int]:  # type: ignore[no-untyped-def]
    """N patients of random histories in Acme North; returns the ids the rules 'find' eligible."""
    rng = random.Random(seed)
    org, eligible = t.org, set()
    for i in range(n):
        patient = Patient.objects.create(
            organization=org, practice=t.north, mrn=f"G{seed}-{i}", given_name="Gen",
            family_name=f"P{i}", birth_date=_birth(rng), coordinator=t.coordinator,
        )  # fmt: skip
        if rng.random() < 0.4:
            eligible.add(patient.pk)
        at = dt.datetime(2025, 1, 1, 15, tzinfo=dt.UTC)
        for _ in range(rng.choice([0, 1, 1, 2, 3])):
            decision = rng.choice(["accepted", "accepted", "revoked", "declined"])
            ConsentRecord.objects.create(
                organization=org, patient=patient, program="ccm", decision=decision,
                method="verbal", obtained_by=t.coordinator, effective_date=_day(rng),
                obtained_at=at + dt.timedelta(hours=rng.randrange(5)), disclosures_shown="s",
                decline_reason=rng.choice(["", " Moved ", "Cost"]) if decision == "revoked" else "",
            )  # fmt: skip
        for code in ("E11.9", "I10"):  # most are in a denominator, with onsets at the edges
            if rng.random() < 0.7:
                onset = rng.choice([dt.date(2015, 1, 1), None, _day(rng)])
                Condition.objects.create(
                    organization=org, patient=patient, icd10_code=code, onset_date=onset
                )
        if rng.random() < 0.8:
            Encounter.objects.create(
                organization=org, patient=patient, date=dt.date(2025, 11, 15),
                type_system="cpt", type_code="99214",
            )  # fmt: skip
        for _ in range(rng.randrange(3)):
            onset = _day(rng) if rng.random() < 0.8 else None
            Condition.objects.create(
                organization=org, patient=patient, icd10_code=rng.choice(CODES), onset_date=onset,
                abatement_date=_day(rng) if rng.random() < 0.2 else None,
                clinical_status=rng.choice(["active", "active", "resolved", "inactive"]),
            )  # fmt: skip
        for _ in range(rng.randrange(5)):
            system, code = rng.choice(VISITS)
            Encounter.objects.create(
                organization=org, patient=patient, date=_day(rng),
                encounter_class=rng.choice(["AMB", "AMB", "EMER", "IMP"]),
                type_system=system, type_code=code,
            )  # fmt: skip
        if rng.random() < 0.3:  # a readmission pair in March
            day = MARCH.first + dt.timedelta(days=rng.randrange(31))
            for d in (day - dt.timedelta(days=rng.choice([0, 1, 29, 30, 31])), day):
                Encounter.objects.create(
                    organization=org, patient=patient, date=d, encounter_class="IMP"
                )
        for _ in range(rng.randrange(3)):
            Measurement.objects.create(
                organization=org, patient=patient, source_id=f"a{rng.random()}", kind="hba1c",
                date=_day(rng), value=Decimal(rng.choice(["7.0", "9.0", "9.1", "10.2"])),
            )  # fmt: skip
        for _ in range(rng.randrange(4)):
            Measurement.objects.create(
                organization=org, patient=patient, source_id=f"b{rng.random()}",
                kind="blood_pressure", date=_day(rng), value=rng.choice([120, 139, 140, 150]),
                value2=rng.choice([80, 89, 90, None]),
            )  # fmt: skip
    return eligible


def reference_cohorts(practice, month, eligible):  # type: ignore[no-untyped-def]
    """Each patient's consent history walked record by record (the refresh before outcomes.py)."""
    rows = ConsentRecord.objects.filter(patient__practice=practice).order_by(
        "patient_id", "effective_date", "obtained_at", "pk"
    )
    active, consented, first_enrolled = set(), set(), {}
    revoked: Counter[str] = Counter()
    state: dict[int, str] = {}
    for r in rows:
        if r.decision == "accepted":
            first_enrolled.setdefault(r.patient_id, r.effective_date)
        if r.effective_date > month.last:
            continue
        if r.effective_date < month.first:
            state[r.patient_id] = r.decision
            continue
        if r.decision == "accepted":
            consented.add(r.patient_id)
            active.add(r.patient_id)
        elif r.decision == "revoked":
            revoked[r.decline_reason.strip() or "No reason given"] += 1
            if state.get(r.patient_id) == "accepted":
                active.add(r.patient_id)
        state[r.patient_id] = r.decision
    active |= {p for p, decision in state.items() if decision == "accepted"}
    cohorts = {"enrolled": active,
               "before": {p for p, d in first_enrolled.items() if d > month.last},
               "eligible": eligible - set(first_enrolled)}  # fmt: skip
    return cohorts, consented, revoked


def reference_verdicts(patient: Patient, sets: ValueSets) -> dict[str, tuple[bool, bool] | None]:
    """(excluded, numerator) per measure by the core's readable functions; None: not in it."""
    conditions = list(Condition.objects.filter(patient=patient))
    held = [(c.icd10_code, c.onset_date) for c in conditions
            if c.clinical_status not in ("inactive", "remission", "resolved")]  # fmt: skip
    diagnoses = [Diagnosis(c.icd10_code, c.onset_date, c.abatement_date) for c in conditions]
    encounters = list(Encounter.objects.filter(patient=patient))
    visits = [Visit(e.date, e.type_system, e.type_code) for e in encounters]
    visited = any(PERIOD.contains(e.date) for e in encounters)
    found: dict[str, tuple[bool, bool] | None] = {CMS122: None, CMS165: None}
    a1c = [(m.date, m.value) for m in Measurement.objects.filter(patient=patient, kind="hba1c")]
    bp = [(m.date, int(m.value), int(m.value2))
          for m in Measurement.objects.filter(patient=patient, kind="blood_pressure")
          if m.value2 is not None]  # fmt: skip
    poor = measures.hba1c_poor_control(patient.birth_date, held, visited, a1c, PERIOD)
    controlled = measures.bp_controlled(patient.birth_date, held, visited, bp, PERIOD)
    for measure, verdict in ((CMS122, poor), (CMS165, controlled)):
        if verdict is not None:
            why = exclusions.excluded(measure, patient.birth_date, diagnoses, visits, PERIOD, sets)
            found[measure] = (why is not None, verdict)
    return found


def sql_verdicts(t, sets: ValueSets) -> dict[str, dict[int, tuple[bool, bool]]]:  # type: ignore[no-untyped-def]
    found: dict[str, dict[int, tuple[bool, bool]]] = {}
    for measure in (CMS122, CMS165):
        sql, params = outcomes.patient_verdicts(measure, t.org.pk, PERIOD, sets)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found[measure] = {p: (bool(x), bool(n)) for p, _, x, n in cursor.fetchall()}
    return found


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_sql_outcomes_equal_the_reference_patient_by_patient(cast, tmp_path, seed):
    (tmp_path / "sets.yaml").write_text(SETS_YAML)
    sets = ValueSets.load(tmp_path / "sets.yaml")
    t = cast.acme
    with scope(organization=t.org):
        eligible = populate(t, seed)
        expected, consented, revoked = reference_cohorts(t.north, MARCH, eligible)
        with transaction.atomic(), outcomes.cohort_table(t.north, MARCH, eligible):
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT patient_id, cohort FROM {outcomes.COHORT}")
                got: dict[str, set[int]] = defaultdict(set)
                for patient, cohort in cursor.fetchall():
                    got[cohort].add(patient)
            seen = outcomes.enrollment(t.north, MARCH, True)
            verdicts = sql_verdicts(t, sets)
            counted = outcomes.outcomes(t.north, MARCH, sets, True)
        assert dict(got) == {k: v for k, v in expected.items() if v}
        assert (seen.active, seen.consented) == (len(expected["enrolled"]), len(consented))
        assert seen.revoked == revoked
        assert seen.eligible_open == len(eligible - expected["enrolled"])
        cohort_of = {p: c for c, ps in expected.items() for p in ps}
        totals: dict[str, Counter[str]] = defaultdict(Counter)
        fired = Counter()
        with scopes_disabled():
            for patient in Patient.objects.filter(pk__in=cohort_of):
                reference = reference_verdicts(patient, sets)
                for measure in (CMS122, CMS165):
                    assert verdicts[measure].get(patient.pk) == reference[measure], (
                        measure, patient.pk,
                    )  # fmt: skip
                    if reference[measure]:
                        fired[measure, reference[measure][0]] += 1
                _utilisation(patient, totals[cohort_of[patient.pk]])
    for cohort, outcome in counted.items():
        assert outcome.patients == len(expected[cohort])
        c = totals[cohort]
        assert (outcome.ed_visits, outcome.admissions, outcome.readmissions) == (
            c["ed"], c["admissions"], c["readmissions"],
        )  # fmt: skip
    assert all(fired[m, x] >= 3 for m in (CMS122, CMS165) for x in (True, False)), fired


def _utilisation(patient: Patient, counts: Counter[str]) -> None:
    encounters = list(Encounter.objects.filter(patient=patient))
    admitted = sorted(e.date for e in encounters if e.encounter_class == "IMP")
    for day in admitted:
        if MARCH.contains(day):
            counts["admissions"] += 1
            earlier = [a for a in admitted if a < day]
            if earlier and (day - earlier[-1]).days <= outcomes.READMISSION_DAYS:
                counts["readmissions"] += 1
    counts["ed"] += sum(
        1 for e in encounters if e.encounter_class == "EMER" and MARCH.contains(e.date)
    )
