"""CMS122 and CMS165 denominator exclusions on a population computed by hand.

March 2026, so the measurement period is 2025-04-01 to 2026-03-31. Every patient is enrolled
(accepted 2026-01-10) in Acme North, has E11.9 and I10 since 2015, an office visit on 2025-11-15,
HbA1c 10.0 and BP 150/95 on 2026-02-01 (poor, not controlled), unless the table says otherwise.
The value sets are the shipped file plus, for this test, Pregnancy (Z33.1) and Advanced Illness
(C25.0), which ship empty (the operator loads them from VSAC).

| patient | born (age on 2026-03-31) | what | CMS122 | CMS165 |
|---|---|---|---|---|
| X1 | 1960-06-01 (65) | HbA1c 7.0, BP 130/80 | in, not poor | in, controlled |
| X2 | 1960-06-01 | hospice encounter G9473 on 2025-12-01 | excluded | excluded |
| X3 | 1960-06-01 | Z51.5 palliative care from 2026-02-01 | excluded | excluded |
| X4 | 1960-06-01 | N18.6 ESRD since 2020 | in, poor | excluded |
| X5 | 1960-06-01 | dialysis (CPT 90935) on 2024-05-01, before the period | in, poor | excluded |
| X6 | 1990-06-01 (35) | Z33.1 pregnant from 2025-10-01 | in, poor | excluded |
| X7 | 1945-03-31 (81 that day) | frailty encounter (CPT 99504) 2025-12-01, no advanced illness | over 75: out | excluded (81+: frailty alone) |
| X8 | 1945-04-01 (80) | the same | over 75: out | in, not controlled (80: frailty needs advanced illness) |
| X9 | 1958-01-01 (68) | frailty encounter + C25.0 from 2024-06-01 (the year before) | excluded | excluded |
| X10 | 1958-01-01 (68) | frailty encounter + C25.0 from 2024-03-01 (too early) | in, poor | in, not controlled |
| X11 | 1961-03-31 (65 that day) | frailty encounter + C25.0 from 2024-06-01 | in, poor (under 66) | in, not controlled |

So, enrolled cohort: CMS122 9 patients before exclusions (X1–X6, X9–X11), 3 excluded (X2, X3,
X9), denominator 6, poor 5 (all but X1); CMS165 11 before exclusions, 7 excluded (X2–X7, X9),
denominator 4 (X1, X8, X10, X11), controlled 1 (X1). With the shipped value sets alone X6 and X9
stay in (pregnancy and advanced illness have no codes there): CMS122 excluded 2, denominator 7,
poor 6; CMS165 excluded 5, denominator 6, controlled 1.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django_scopes import scope, scopes_disabled

from ccm.periods import BillingMonth
from ccm.reports.exclusions import DEFAULT_FILE, ValueSets
from ccmweb.enrollment.models import ConsentRecord
from ccmweb.imports.models import Measurement
from ccmweb.patients.models import Condition, Encounter, Patient
from ccmweb.reports.models import OutcomeMonth
from ccmweb.reports.refresh import refresh_month

MARCH = BillingMonth(2026, 3)
AT = dt.datetime(2026, 4, 2, 12, tzinfo=dt.UTC)
D = dt.date


def _patient(t, n, born, a1c="10.0", bp=(150, 95)):  # type: ignore[no-untyped-def]
    patient = Patient.objects.create(
        organization=t.org, practice=t.north, mrn=f"X-{n}", given_name="Ex",
        family_name=f"Clusion{n}", birth_date=born,
    )  # fmt: skip
    ConsentRecord.objects.create(
        organization=t.org, patient=patient, program="ccm", decision="accepted",
        method="verbal", obtained_by=t.coordinator, effective_date=D(2026, 1, 10),
        obtained_at=dt.datetime(2026, 1, 10, 15, tzinfo=dt.UTC), disclosures_shown="s",
    )  # fmt: skip
    for code in ("E11.9", "I10"):
        _condition(t, patient, code, D(2015, 1, 1))
    _visit(t, patient, D(2025, 11, 15), "cpt", "99214")
    Measurement.objects.create(organization=t.org, patient=patient, source_id=f"a{n}",
                               kind="hba1c", date=D(2026, 2, 1), value=Decimal(a1c))  # fmt: skip
    Measurement.objects.create(organization=t.org, patient=patient, source_id=f"b{n}",
                               kind="blood_pressure", date=D(2026, 2, 1), value=bp[0],
                               value2=bp[1])  # fmt: skip
    return patient


def _condition(t, patient, code, onset):  # type: ignore[no-untyped-def]
    Condition.objects.create(organization=t.org, patient=patient, icd10_code=code, onset_date=onset)


def _visit(t, patient, day, system, code):  # type: ignore[no-untyped-def]
    Encounter.objects.create(organization=t.org, patient=patient, date=day, type_system=system,
                             type_code=code)  # fmt: skip


def build(t):  # type: ignore[no-untyped-def]
    with scopes_disabled():
        _patient(t, 1, D(1960, 6, 1), a1c="7.0", bp=(130, 80))
        _visit(t, _patient(t, 2, D(1960, 6, 1)), D(2025, 12, 1), "hcpcs", "G9473")
        _condition(t, _patient(t, 3, D(1960, 6, 1)), "Z51.5", D(2026, 2, 1))
        _condition(t, _patient(t, 4, D(1960, 6, 1)), "N18.6", D(2020, 1, 1))
        _visit(t, _patient(t, 5, D(1960, 6, 1)), D(2024, 5, 1), "cpt", "90935")
        _condition(t, _patient(t, 6, D(1990, 6, 1)), "Z33.1", D(2025, 10, 1))
        for n, born in ((7, D(1945, 3, 31)), (8, D(1945, 4, 1))):
            _visit(t, _patient(t, n, born), D(2025, 12, 1), "cpt", "99504")
        for n, born, onset in ((9, D(1958, 1, 1), D(2024, 6, 1)), (10, D(1958, 1, 1), D(2024, 3, 1)),
                               (11, D(1961, 3, 31), D(2024, 6, 1))):  # fmt: skip
            patient = _patient(t, n, born)
            _visit(t, patient, D(2025, 12, 1), "cpt", "99504")
            _condition(t, patient, "C25.0", onset)
    with scope(organization=t.org):
        refresh_month(t.north, MARCH, now=AT, eligibility=False)
    with scopes_disabled():
        return OutcomeMonth.objects.get(practice=t.north, month=MARCH.first, cohort="enrolled")


@pytest.fixture
def configured(settings, tmp_path):
    text = DEFAULT_FILE.read_text(encoding="utf-8")
    text = text.replace("codes: {}  # ~1,750 ICD-10-CM codes: configure from VSAC",
                        "codes: {icd10cm: [Z33.1]}")  # fmt: skip
    text = text.replace("codes: {}  # configure from VSAC", "codes: {icd10cm: [C25.0]}")
    path = tmp_path / "sets.yaml"
    path.write_text(text, encoding="utf-8")
    settings.MEASURE_VALUE_SETS = str(path)
    assert [s.name for s in ValueSets.load(path).empty("CMS165")] == ["Frailty Diagnosis"]
    return path


def test_excluded_patients_leave_the_denominators(cast, configured):
    row = build(cast.acme)
    assert (row.patients, row.hba1c_excluded, row.hba1c_denominator, row.hba1c_poor) == (
        11,
        3,
        6,
        5,
    )
    assert (row.bp_excluded, row.bp_denominator, row.bp_controlled) == (7, 4, 1)


def test_with_the_shipped_value_sets_pregnancy_and_advanced_illness_cannot_exclude(cast):
    row = build(cast.acme)
    assert (row.hba1c_excluded, row.hba1c_denominator, row.hba1c_poor) == (2, 7, 6)
    assert (row.bp_excluded, row.bp_denominator, row.bp_controlled) == (5, 6, 1)
    shipped = ValueSets.load()
    assert [s.name for s in shipped.empty("CMS122")] == ["Frailty Diagnosis", "Advanced Illness"]
    assert [s.name for s in shipped.empty("CMS165")] == [
        "Frailty Diagnosis", "Advanced Illness", "Pregnancy",
    ]  # fmt: skip


def test_the_outcomes_page_says_which_exclusions_apply(cast, login):
    build(cast.acme)
    page = login(cast.acme.admin).get("/reports/outcomes/?month=2026-03&months=1")
    text = " ".join(page.content.decode().split())
    assert "Denominator exclusions applied" in text and "hospice" in text
    assert "their exclusions are not applied" not in text  # the page's old words
    empty = text.split("no codes configured")[1]
    assert "Pregnancy (VSAC 2.16.840.1.113883.3.526.3.378)" in empty
    assert "Advanced Illness (VSAC 2.16.840.1.113883.3.464.1003.110.12.1082)" in empty
    assert "housing status" in text  # long-term nursing-home residence: not imported, said so
