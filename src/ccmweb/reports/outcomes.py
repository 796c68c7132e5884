"""A practice-month's cohorts and their outcomes, set-based: a temporary table of the month's
cohorts (one row a patient), then one aggregate query each for the enrollment counts, the
utilisation and the two quality measures, grouped by cohort.

The measures and their exclusions are written readably, rule by rule, in `ccm.reports.measures`
and `ccm.reports.exclusions`: that is the reference. This module is the fast path the refresh
runs; every figure it uses (ages, thresholds, windows, value sets) comes from those modules, and
tests/web/test_report_outcomes_sql.py proves it equal to the reference, patient by patient, on
a generated population (DESIGN.md: the fast module proven equal to the readable one)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from ccm.periods import BillingMonth
from ccm.reports import exclusions, measures
from ccm.reports.exclusions import CMS122, CMS165, ValueSets
from ccmweb.enrollment.models import ConsentRecord
from ccmweb.imports.models import Measurement
from ccmweb.patients.models import Condition, Encounter, Patient
from ccmweb.tenants.models import Practice

READMISSION_DAYS = 30  # "30-day readmission": an admission within 30 days of the previous one
COHORT = "report_cohort"
ELIGIBLE = "report_eligible"
ENROLLED, BEFORE, NEVER = "enrolled", "before", "eligible"
PATIENT = Patient._meta.db_table
CONSENT = ConsentRecord._meta.db_table
CONDITION = Condition._meta.db_table
ENCOUNTER = Encounter._meta.db_table
MEASUREMENT = Measurement._meta.db_table
NOT_ACTIVE = ("inactive", "remission", "resolved")  # a diagnosis with these statuses is not held


@dataclass
class Enrollment:
    """The month's enrollment counts, read from the cohort table and the consent records."""

    active: int = 0
    consented: int = 0
    revoked: Counter[str] = field(default_factory=Counter)
    eligible_open: int | None = None


@dataclass
class Outcome:
    """One cohort's month: patients, utilisation, and each measure's denominator after its
    exclusions, the exclusions, and the numerator."""

    patients: int = 0
    ed_visits: int = 0
    admissions: int = 0
    readmissions: int = 0
    hba1c_denominator: int = 0
    hba1c_excluded: int = 0
    hba1c_poor: int = 0
    bp_denominator: int = 0
    bp_excluded: int = 0
    bp_controlled: int = 0


def _fetch(sql: str, params: Iterable[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return list(cursor.fetchall())


def _execute(sql: str, params: Iterable[Any] = ()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))


@contextmanager
def cohort_table(
    practice: Practice, month: BillingMonth, eligible: set[int] | None
) -> Iterator[None]:
    """Fill the temporary cohort table for PRACTICE's MONTH (ELIGIBLE: the patients the rules
    find eligible, None when they did not run), and drop it after."""
    for table in (COHORT, ELIGIBLE):
        _execute(f"DROP TABLE IF EXISTS {table}")
    _execute(f"CREATE TEMPORARY TABLE {COHORT} (patient_id bigint PRIMARY KEY, cohort varchar(10))")
    try:
        _fill(practice, month, eligible)
        yield
    finally:
        for table in (COHORT, ELIGIBLE):
            _execute(f"DROP TABLE IF EXISTS {table}")


def _fill(practice: Practice, month: BillingMonth, eligible: set[int] | None) -> None:
    """Three disjoint cohorts. Enrolled during MONTH: consent accepted on or before its last day
    and not declined or revoked before its first (a revocation takes effect at the end of its
    month, cms-rules §3). Before: first accepted after the month. Eligible: found eligible by the
    rules and never accepted."""
    org, last, first = practice.organization_id, month.last, month.first
    _execute(
        f"""INSERT INTO {COHORT} (patient_id, cohort)
        SELECT patient_id, '{ENROLLED}' FROM (
          SELECT c.patient_id, c.decision, c.effective_date,
            LAG(c.decision) OVER (PARTITION BY c.patient_id
                                  ORDER BY c.effective_date, c.obtained_at, c.id) AS previous,
            ROW_NUMBER() OVER (PARTITION BY c.patient_id
                               ORDER BY c.effective_date DESC, c.obtained_at DESC, c.id DESC) AS newest
          FROM {CONSENT} c JOIN {PATIENT} p ON p.id = c.patient_id
          WHERE c.organization_id = %s AND p.practice_id = %s AND c.effective_date <= %s
        ) t
        WHERE (t.effective_date >= %s AND (t.decision = %s OR (t.decision = %s AND t.previous = %s)))
           OR (t.newest = 1 AND t.decision = %s)
        GROUP BY patient_id""",
        [org, practice.pk, last, first, "accepted", "revoked", "accepted", "accepted"],
    )
    _execute(
        f"""INSERT INTO {COHORT} (patient_id, cohort)
        SELECT c.patient_id, '{BEFORE}' FROM {CONSENT} c JOIN {PATIENT} p ON p.id = c.patient_id
        WHERE c.organization_id = %s AND p.practice_id = %s AND c.decision = %s
        GROUP BY c.patient_id HAVING MIN(c.effective_date) > %s""",
        [org, practice.pk, "accepted", last],
    )
    if eligible is None:
        return
    _execute(f"CREATE TEMPORARY TABLE {ELIGIBLE} (patient_id bigint PRIMARY KEY)")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {ELIGIBLE} (patient_id) FROM STDIN") as copy:
                for patient in eligible:
                    copy.write_row((patient,))
        else:
            cursor.executemany(
                f"INSERT INTO {ELIGIBLE} (patient_id) VALUES (%s)", [(p,) for p in eligible]
            )
    _execute(
        f"""INSERT INTO {COHORT} (patient_id, cohort)
        SELECT e.patient_id, '{NEVER}' FROM {ELIGIBLE} e
        WHERE NOT EXISTS (SELECT 1 FROM {CONSENT} c
                          WHERE c.patient_id = e.patient_id AND c.decision = %s)""",
        ["accepted"],
    )


def enrollment(practice: Practice, month: BillingMonth, eligibility: bool) -> Enrollment:
    """Enrolled, new consents, the month's revocations by reason, eligible not enrolled."""
    org, first, last = practice.organization_id, month.first, month.last
    found = Enrollment()
    found.active = _fetch(f"SELECT COUNT(*) FROM {COHORT} WHERE cohort = %s", [ENROLLED])[0][0]
    in_month = (
        f"FROM {CONSENT} c JOIN {PATIENT} p ON p.id = c.patient_id WHERE c.organization_id = %s "
        "AND p.practice_id = %s AND c.effective_date >= %s AND c.effective_date <= %s "
        "AND c.decision = %s"
    )
    found.consented = _fetch(
        f"SELECT COUNT(DISTINCT c.patient_id) {in_month}",
        [org, practice.pk, first, last, "accepted"],
    )[0][0]
    for reason, count in _fetch(
        f"SELECT c.decline_reason, COUNT(*) {in_month} GROUP BY c.decline_reason",
        [org, practice.pk, first, last, "revoked"],
    ):
        found.revoked[(reason or "").strip() or "No reason given"] += count
    if eligibility:
        found.eligible_open = _fetch(
            f"""SELECT COUNT(*) FROM {ELIGIBLE} e WHERE NOT EXISTS (
                SELECT 1 FROM {COHORT} c WHERE c.patient_id = e.patient_id AND c.cohort = %s)""",
            [ENROLLED],
        )[0][0]
    return found


def assigned(practice: Practice) -> dict[int, int]:
    """Enrolled patients of the month per assigned coordinator."""
    return dict(
        _fetch(
            f"""SELECT p.coordinator_id, COUNT(*) FROM {PATIENT} p
            JOIN {COHORT} c ON c.patient_id = p.id
            WHERE c.cohort = %s AND p.coordinator_id IS NOT NULL GROUP BY p.coordinator_id""",
            [ENROLLED],
        )
    )


def outcomes(
    practice: Practice, month: BillingMonth, sets: ValueSets, eligibility: bool
) -> dict[str, Outcome]:
    """Each cohort's utilisation in MONTH and CMS122/CMS165 as of its end (cohorts with no
    patient: none; the eligible cohort only when eligibility was decided)."""
    found: dict[str, Outcome] = {ENROLLED: Outcome(), BEFORE: Outcome()}
    if eligibility:
        found[NEVER] = Outcome()
    for cohort, patients in _fetch(f"SELECT cohort, COUNT(*) FROM {COHORT} GROUP BY cohort", []):
        found[cohort].patients = patients
    if not any(o.patients for o in found.values()):
        return {}
    org, first, last = practice.organization_id, month.first, month.last
    if connection.vendor == "postgresql":
        days_before = f"e.date - {READMISSION_DAYS}"
    else:
        days_before = f"date(e.date, '-{READMISSION_DAYS} days')"
    for cohort, ed, admissions, readmissions in _fetch(
        f"""SELECT c.cohort,
          SUM(CASE WHEN e.encounter_class = %s THEN 1 ELSE 0 END),
          SUM(CASE WHEN e.encounter_class = %s THEN 1 ELSE 0 END),
          SUM(CASE WHEN e.encounter_class = %s AND EXISTS (
              SELECT 1 FROM {ENCOUNTER} b WHERE b.patient_id = e.patient_id
              AND b.organization_id = e.organization_id AND b.encounter_class = %s
              AND b.date < e.date AND b.date >= {days_before}) THEN 1 ELSE 0 END)
        FROM {ENCOUNTER} e JOIN {COHORT} c ON c.patient_id = e.patient_id
        WHERE e.organization_id = %s AND e.date >= %s AND e.date <= %s
          AND e.encounter_class IN (%s, %s)
        GROUP BY c.cohort""",
        [
            Encounter.Class.EMERGENCY, Encounter.Class.INPATIENT, Encounter.Class.INPATIENT,
            Encounter.Class.INPATIENT, org, first, last, Encounter.Class.EMERGENCY,
            Encounter.Class.INPATIENT,
        ],
    ):  # fmt: skip
        row = found[cohort]
        row.ed_visits, row.admissions, row.readmissions = (
            ed or 0,
            admissions or 0,
            readmissions or 0,
        )
    period = measures.Period.ending(last)
    for cohort, denominator, excluded, numerator in _fetch(*_aggregate(CMS122, org, period, sets)):
        row = found[cohort]
        row.hba1c_denominator, row.hba1c_excluded, row.hba1c_poor = (
            denominator - excluded, excluded, numerator or 0,
        )  # fmt: skip
    for cohort, denominator, excluded, numerator in _fetch(*_aggregate(CMS165, org, period, sets)):
        row = found[cohort]
        row.bp_denominator, row.bp_excluded, row.bp_controlled = (
            denominator - excluded, excluded, numerator or 0,
        )  # fmt: skip
    return found


def _aggregate(
    measure: str, org: int, period: measures.Period, sets: ValueSets
) -> tuple[str, list[Any]]:
    sql, params = patient_verdicts(measure, org, period, sets)
    return (
        f"""SELECT cohort, COUNT(*), SUM(excluded),
            SUM(CASE WHEN excluded = 0 THEN numerator ELSE 0 END)
        FROM ({sql}) v GROUP BY cohort""",
        params,
    )


def _born_by(day: dt.date, years: int) -> dt.date:
    """The latest birth date of someone at least YEARS old on DAY (measures.age_on)."""
    year = day.year - years
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February in a year without one
        return dt.date(year, 2, 28)


def patient_verdicts(
    measure: str, org: int, period: measures.Period, sets: ValueSets
) -> tuple[str, list[Any]]:
    """SQL of (patient_id, cohort, excluded 0/1, numerator 0/1) for every cohort patient in
    MEASURE's denominator before exclusions (measures.hba1c_poor_control, bp_controlled)."""
    first, last = period.first, period.last
    prefixes: tuple[str, ...]
    if measure == CMS122:
        (low, high), prefixes, diagnosed_by = measures.HBA1C_AGES, measures.DIABETES_ICD10, last
    else:
        (low, high), prefixes = measures.BP_AGES, measures.HYPERTENSION_ICD10
        diagnosed_by = measures.hypertension_diagnosed_by(period)
    params: list[Any] = []
    codes = " OR ".join(["UPPER(d.icd10_code) LIKE %s"] * len(prefixes))
    params += [f"{prefix.upper()}%" for prefix in prefixes]
    statuses = ", ".join(["%s"] * len(NOT_ACTIVE))
    params += [*NOT_ACTIVE, diagnosed_by, first, last]
    excluded, excluded_params, joins, join_params = _excluded(measure, period, sets)
    if measure == CMS122:
        numerator = "CASE WHEN r.value IS NULL OR r.value > %s THEN 1 ELSE 0 END"
        result = f"""LEFT JOIN (
            SELECT patient_id, value FROM (
              SELECT m.patient_id, m.value, ROW_NUMBER() OVER (
                PARTITION BY m.patient_id ORDER BY m.date DESC, m.value DESC) AS newest
              FROM {MEASUREMENT} m WHERE m.organization_id = %s AND m.kind = %s
                AND m.date >= %s AND m.date <= %s) x WHERE newest = 1
          ) r ON r.patient_id = c.patient_id"""
        result_params = [org, Measurement.Kind.HBA1C, first, last]
        numerator_params: list[Any] = [measures.HBA1C_POOR_ABOVE]
    else:
        below_s, below_d = measures.BP_CONTROLLED_BELOW
        numerator = "CASE WHEN r.systolic < %s AND r.diastolic < %s THEN 1 ELSE 0 END"
        readings = (
            f"SELECT m.patient_id, m.date, m.value, m.value2 FROM {MEASUREMENT} m "
            "WHERE m.organization_id = %s AND m.kind = %s AND m.value2 IS NOT NULL "
            "AND m.date >= %s AND m.date <= %s"
        )
        result = f"""LEFT JOIN (
            SELECT b.patient_id, MIN(b.value) AS systolic, MIN(b.value2) AS diastolic
            FROM ({readings}) b JOIN (
              SELECT patient_id, MAX(date) AS day FROM ({readings}) a GROUP BY patient_id
            ) l ON l.patient_id = b.patient_id AND l.day = b.date
            GROUP BY b.patient_id
          ) r ON r.patient_id = c.patient_id"""
        one = [org, Measurement.Kind.BLOOD_PRESSURE, first, last]
        result_params = one + one
        numerator_params = [below_s, below_d]
    sql = f"""SELECT c.patient_id, c.cohort, {excluded} AS excluded, {numerator} AS numerator
        FROM {COHORT} c JOIN {PATIENT} p ON p.id = c.patient_id
        {result}
        {joins}
        WHERE p.birth_date <= %s AND p.birth_date > %s
          AND EXISTS (SELECT 1 FROM {CONDITION} d WHERE d.patient_id = c.patient_id
                      AND ({codes}) AND d.clinical_status NOT IN ({statuses})
                      AND (d.onset_date IS NULL OR d.onset_date <= %s))
          AND EXISTS (SELECT 1 FROM {ENCOUNTER} e WHERE e.patient_id = c.patient_id
                      AND e.date >= %s AND e.date <= %s)"""
    ages = [_born_by(last, low), _born_by(last, high + 1)]
    return sql, [
        *excluded_params, *numerator_params, *result_params, *join_params, *ages, *params,
    ]  # fmt: skip


def _excluded(
    measure: str, period: measures.Period, sets: ValueSets
) -> tuple[str, list[Any], str, list[Any]]:
    """exclusions.excluded as SQL: a 0/1 expression over patient p and the sets of patients
    each value set finds (LEFT JOINs of distinct patient ids: one pass over each table, not a
    lookup per patient); returns the expression, its parameters, the joins and theirs."""
    first, last = period.first, period.last
    joins: list[str] = []
    join_params: list[Any] = []

    def found(select: str, select_params: list[Any]) -> str:
        alias = f"x{len(joins)}"
        joins.append(f"LEFT JOIN ({select}) {alias} ON {alias}.patient_id = c.patient_id")
        join_params.extend(select_params)
        return f"{alias}.patient_id IS NOT NULL"

    def diagnosis(names: tuple[str, ...], where: str, where_params: list[Any]) -> str:
        wanted = sorted({code for n in names for s, code in sets.sets[n].codes if s == "icd10cm"})
        if not wanted:
            return "0 = 1"
        marks = ", ".join(["%s"] * len(wanted))
        return found(
            f"SELECT DISTINCT d.patient_id FROM {CONDITION} d JOIN {COHORT} k "
            f"ON k.patient_id = d.patient_id "
            f"WHERE REPLACE(UPPER(d.icd10_code), '.', '') IN ({marks}) AND {where}",
            [*wanted, *where_params],
        )

    def overlapping() -> tuple[str, list[Any]]:
        return (
            "(d.onset_date IS NULL OR d.onset_date <= %s) "
            "AND (d.abatement_date IS NULL OR d.abatement_date >= %s)",
            [last, first],
        )

    def visit(names: tuple[str, ...], since: dt.date | None) -> str:
        by_system: dict[str, set[str]] = {}
        for n in names:
            for system, code in sets.sets[n].codes:
                if system != "icd10cm":
                    by_system.setdefault(system, set()).add(code)
        if not by_system:
            return "0 = 1"
        alternatives: list[str] = []
        params: list[Any] = []
        for system, wanted in sorted(by_system.items()):
            alternatives.append(
                f"(LOWER(e.type_system) = %s AND REPLACE(UPPER(e.type_code), '.', '') IN "
                f"({', '.join(['%s'] * len(wanted))}))"
            )
            params.extend([system, *sorted(wanted)])
        window = "e.date <= %s" if since is None else "e.date >= %s AND e.date <= %s"
        params.extend([last] if since is None else [since, last])
        return found(
            f"SELECT DISTINCT e.patient_id FROM {ENCOUNTER} e JOIN {COHORT} k "
            f"ON k.patient_id = e.patient_id WHERE ({' OR '.join(alternatives)}) AND {window}",
            params,
        )

    start = period.first
    before = dt.date(start.year - exclusions.ADVANCED_ILLNESS_YEARS_BEFORE, start.month, start.day)
    parts: list[str] = []
    params: list[Any] = []
    for exclusion in exclusions.EXCLUSIONS[measure]:
        if exclusion == "hospice":
            parts.append(visit(("hospice_encounter",), first))
        elif exclusion == "palliative care":
            parts.append(visit(("palliative_care",), first))
            parts.append(diagnosis(("palliative_care",), *overlapping()))
        elif exclusion == "frailty and advanced illness":
            frail = " OR ".join(
                [diagnosis(("frailty_diagnosis",), *overlapping()),
                 visit(("frailty_encounter",), first)]
            )  # fmt: skip
            ill = diagnosis(
                ("advanced_illness",),
                "(d.onset_date IS NULL OR (d.onset_date >= %s AND d.onset_date <= %s))",
                [before, last],
            )
            params.append(_born_by(last, exclusions.FRAILTY_AGE))
            alone = ""
            if measure == CMS165:
                params.append(_born_by(last, exclusions.FRAILTY_ALONE_AGE))
                alone = "p.birth_date <= %s OR "
            parts.append(f"(({frail}) AND p.birth_date <= %s AND ({alone}{ill}))")
        elif exclusion == "kidney failure, dialysis or transplant":
            parts.append(
                diagnosis(
                    (
                        "end_stage_renal_disease",
                        "chronic_kidney_disease_stage_5",
                        "kidney_transplant_recipient",
                    ),
                    "(d.onset_date IS NULL OR d.onset_date <= %s)",
                    [last],
                )  # fmt: skip
            )
            parts.append(visit(("dialysis_services", "kidney_transplant"), None))
        elif exclusion == "pregnancy":
            parts.append(diagnosis(("pregnancy",), *overlapping()))
    case = f"CASE WHEN {' OR '.join(parts)} THEN 1 ELSE 0 END"
    return case, params, "\n".join(joins), join_params
