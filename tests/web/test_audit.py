"""The enrollment gap audit on ten hand-checked patients of Acme North, month 2026-03.

National 2026 amounts (cms-rules §1b): 99490 $66.13, 99426 $67.80, G0556 $16.37, G0557 $53.78,
G0558 $117.24. A patient's expected monthly value is the best of CCM's 99490 (2+ conditions),
PCM's 99426 (exactly one), and the APCM level.

| patient | facts | eligible | coverage | expected | why |
|---|---|---|---|---|---|
| Alice (cast) | E11.9, I10; Part B; 99214 on 2025-11-20 | ccm pcm apcm | part_b | 66.13 | CCM |
| Bert | E11.9, I10, N18.30; Part B + QMB | ccm pcm apcm | part_b | 117.24 | G0558 beats 99490 |
| Cara | I10 only | pcm apcm | part_b | 67.80 | PCM 99426 |
| Dan | J06.9 (acute) only | apcm | part_b | 16.37 | APCM G0556 |
| Eve | E11.9, I10; died 2025-12-01 | (none) | part_b | 0.00 | deceased: never offered |
| Finn | E11.9, I10; Part B unknown | ccm pcm apcm | unverified | 66.13 | listed apart, not counted |
| Gus | E11.9, I10; Medicare Advantage | ccm pcm apcm | none | 0.00 | no Part B: never offered |
| Hal | E11.9, I10; enrolled in CCM | ccm pcm apcm | part_b | 66.13 | enrolled: not an opportunity |
| Ivy | E11.9, I10; last visit 2024-01-10 | ccm pcm apcm | part_b | 66.13 | initiating visit needed |
| Jon | SNOMED 44054006 + 38341003; a resolved J45.909 | ccm pcm apcm | part_b | 66.13 | SNOMED counts |

Counts: eligible (Part B known, alive) CCM 5 (Alice Bert Hal Ivy Jon), PCM 6 (+Cara), APCM 7
(+Dan); enrolled 1; opportunities 6; uncaptured 117.24 + 67.80 + 3 × 66.13 + 16.37 = 399.80.
"""

import datetime

import orjson
import pytest
from django.core.management import call_command
from django_scopes import scope, scopes_disabled

from ccm.periods import BillingMonth
from ccmweb.enrollment.models import ConsentRecord, Enrollment
from ccmweb.imports.gap_results import audit_json, audit_summary, run_audit
from ccmweb.patients.models import Condition, Coverage, Encounter, Patient

D = datetime.date
LAST_VISIT = datetime.date(2025, 11, 2)


def add_patient(
    tenant,
    mrn,
    *,
    codes=(),
    part_b=True,
    qmb=False,
    deceased=None,
    visit=LAST_VISIT,
    snomed=(),
    resolved=(),
):  # type: ignore[no-untyped-def]
    org, practice = tenant.org, tenant.north
    patient = Patient.objects.create(
        organization=org,
        practice=practice,
        mrn=mrn,
        source_id=mrn.lower(),
        given_name=mrn.title(),
        family_name="Test",
        birth_date=D(1950, 1, 1),
        part_b=part_b,
        qmb=qmb,
        deceased_date=deceased,
    )
    for code in codes:
        Condition.objects.create(
            organization=org, patient=patient, icd10_code=code, onset_date=D(2015, 1, 1)
        )
    for code in snomed:
        Condition.objects.create(
            organization=org, patient=patient, snomed_code=code, onset_date=D(2015, 1, 1)
        )
    for code in resolved:
        Condition.objects.create(
            organization=org,
            patient=patient,
            icd10_code=code,
            onset_date=D(2015, 1, 1),
            abatement_date=D(2025, 1, 1),
            clinical_status="resolved",
        )
    if visit:
        Encounter.objects.create(
            organization=org, patient=patient, date=visit, type_system="cpt", type_code="99214"
        )
    return patient


@pytest.fixture
def ten(cast):  # type: ignore[no-untyped-def]
    acme = cast.acme
    with scopes_disabled():
        add_patient(acme, "BERT", codes=["E11.9", "I10", "N18.30"], qmb=True)
        add_patient(acme, "CARA", codes=["I10"])
        add_patient(acme, "DAN", codes=["J06.9"])
        add_patient(acme, "EVE", codes=["E11.9", "I10"], deceased=D(2025, 12, 1))
        add_patient(acme, "FINN", codes=["E11.9", "I10"], part_b=None)
        gus = add_patient(acme, "GUS", codes=["E11.9", "I10"], part_b=False)
        Coverage.objects.create(organization=acme.org, patient=gus, kind="medicare_advantage")
        hal = add_patient(acme, "HAL", codes=["E11.9", "I10"])
        consent = ConsentRecord.objects.create(
            organization=acme.org,
            patient=hal,
            program="ccm",
            decision="accepted",
            method="verbal",
            obtained_by=acme.coordinator,
            obtained_at=datetime.datetime(2026, 1, 5, tzinfo=datetime.UTC),
            effective_date=D(2026, 1, 5),
            disclosures_shown="script",
        )
        Enrollment.objects.create(
            organization=acme.org, patient=hal, program="ccm", status="enrolled", consent=consent
        )
        add_patient(acme, "IVY", codes=["E11.9", "I10"], visit=D(2024, 1, 10))
        add_patient(acme, "JON", snomed=["44054006", "38341003"], resolved=["J45.909"])
    return cast


def audit(cast):  # type: ignore[no-untyped-def]
    with scope(organization=cast.acme.org):
        return audit_json(run_audit(cast.acme.north, BillingMonth(2026, 3)))


def test_counts_and_revenue_match_the_hand_checked_sample(ten):
    doc = audit(ten)
    assert doc["practice"] == "acme-north" and doc["month"] == "2026-03"
    assert doc["counts"]["patients"] == 10
    assert doc["counts"]["eligible"] == {"ccm": 5, "pcm": 6, "apcm": 7}
    assert (doc["counts"]["enrolled"], doc["counts"]["opportunities"]) == (1, 6)
    assert doc["counts"]["coverage_unverified"] == 1 and doc["counts"]["deceased"] == 1
    assert doc["revenue"]["uncaptured"] == "399.80" and doc["revenue"]["per"] == "month"
    assert doc["revenue"]["per_year"]["uncaptured"] == "4797.60"


def test_each_patient_line_says_eligibility_coverage_and_value(ten):
    rows = {p["mrn"]: p for p in audit(ten)["patients"]}
    expect = {
        "ACME-1": (["ccm", "pcm", "apcm"], "part_b", "66.13"),
        "BERT": (["ccm", "pcm", "apcm"], "part_b", "117.24"),
        "CARA": (["pcm", "apcm"], "part_b", "67.80"),
        "DAN": (["apcm"], "part_b", "16.37"),
        "EVE": ([], "part_b", "0.00"),
        "FINN": (["ccm", "pcm", "apcm"], "unverified", "66.13"),
        "GUS": (["ccm", "pcm", "apcm"], "medicare_advantage", "0.00"),
        "HAL": (["ccm", "pcm", "apcm"], "part_b", "66.13"),
        "IVY": (["ccm", "pcm", "apcm"], "part_b", "66.13"),
        "JON": (["ccm", "pcm", "apcm"], "part_b", "66.13"),
    }
    assert {
        m: (r["eligible"], r["coverage"], r["expected_monthly"]) for m, r in rows.items()
    } == expect
    assert rows["HAL"]["enrolled"] and not rows["HAL"]["opportunity"]
    assert rows["IVY"]["initiating_visit_needed"]
    assert any(
        "initiating visit" in reason and "is needed" in reason for reason in rows["IVY"]["reasons"]
    )
    assert not rows["ACME-1"]["initiating_visit_needed"]
    assert any("died" in reason for reason in rows["EVE"]["reasons"])
    assert any("unverified" in reason for reason in rows["FINN"]["reasons"])


def test_deceased_no_part_b_and_enrolled_are_never_opportunities_and_ranking_is_by_value(ten):
    patients = audit(ten)["patients"]
    ranked = [p["mrn"] for p in patients if p["opportunity"]]
    assert ranked == ["BERT", "CARA", "ACME-1", "IVY", "JON", "DAN"]
    assert patients[len(ranked)]["mrn"] == "FINN"  # coverage unverified: listed next, apart
    assert not {"EVE", "GUS", "HAL"} & set(ranked)


def test_command_prints_the_same_json(ten, capsys):
    call_command("eligibility", "audit", "--practice", "acme-north", "--month", "2026-03", "--json")
    doc = orjson.loads(capsys.readouterr().out)
    assert doc == audit(ten)


def test_default_month_is_the_previous_full_month_in_the_practice_time_zone(cast):
    from ccmweb.imports.audit import default_month

    utc_midnight = datetime.datetime(
        2026, 4, 1, 2, 0, tzinfo=datetime.UTC
    )  # still March 31 in New York
    assert str(default_month(cast.acme.north, utc_midnight)) == "2026-02"


def test_audit_page_shows_funnel_gap_and_ranked_list_and_exports_csv(ten, login):
    client = login(ten.acme.users["practitioner"])
    where = {"month": "2026-03", "practice": str(ten.acme.north.uid)}
    before = client.get("/imports/audit/", where).content.decode()
    assert "Not computed yet" in before and "<svg" not in before  # the page never computes
    assert client.get("/imports/audit/outreach.csv", where).status_code == 404
    recompute = client.post("/imports/audit/recompute/", where)  # the task (run at once in tests)
    assert recompute.status_code == 302
    page = client.get("/imports/audit/", where)
    text = page.content.decode()
    assert page.status_code == 200
    assert 'id="audit-computed"' in text and "Recompute" in text
    assert "<svg" in text and "$399.80" in text and "Coverage unverified" in text
    assert "Test, Eve" not in text  # deceased: never on the list
    assert text.index("Test, Bert") < text.index("Test, Cara")
    advantage = text[text.index('id="audit-advantage"') : text.index('id="audit-status-unknown"')]
    assert "Test, Gus" in advantage and "bill the plan" in advantage  # listed apart, with why
    assert "Test, Gus" not in text[: text.index('id="audit-advantage"')]
    export = client.get(
        "/imports/audit/outreach.csv", {"month": "2026-03", "practice": str(ten.acme.north.uid)}
    )
    lines = b"".join(export.streaming_content).decode().splitlines()
    assert lines[0].startswith("rank,mrn,name") and lines[1].startswith("1,BERT,")
    assert len(lines) == 1 + 6 + 1  # header, six opportunities, one unverified


def test_coordinator_cannot_see_the_audit(ten, login):
    assert login(ten.acme.coordinator).get("/imports/audit/").status_code == 403


def test_practice_of_another_organisation_is_404_on_the_audit(ten, login):
    client = login(ten.acme.admin)
    assert client.get("/imports/audit/", {"practice": str(ten.bravo.north.uid)}).status_code == 404


def test_coverage_that_ended_before_the_month_is_not_part_b(ten):
    """KIM's imported Part B ended in 2025: in March 2026 Part B is known absent, not assumed."""
    with scopes_disabled():
        kim = add_patient(ten.acme, "KIM", codes=["E11.9", "I10"])
        Coverage.objects.create(
            organization=ten.acme.org,
            patient=kim,
            source_id="cov-1",
            kind="medicare_part_b",
            start_date=D(2016, 1, 1),
            end_date=D(2025, 12, 31),
        )
        lee = add_patient(ten.acme, "LEE", codes=["E11.9", "I10"], part_b=None)
        Coverage.objects.create(
            organization=ten.acme.org,
            patient=lee,
            source_id="cov-2",
            kind="medicare_part_b",
            start_date=D(2016, 1, 1),
            end_date=D(2026, 3, 10),  # ends inside the month: still covered in it
        )
    rows = {p["mrn"]: p for p in audit(ten)["patients"]}
    assert (rows["KIM"]["coverage"], rows["KIM"]["opportunity"]) == ("none", False)
    assert "Medicare Part B coverage ended 2025-12-31" in rows["KIM"]["reasons"]
    assert (rows["LEE"]["coverage"], rows["LEE"]["opportunity"]) == ("part_b", True)


def test_care_management_billed_by_another_provider_means_enrolled_elsewhere(ten):
    """MAY had 99490 billed in February 2026 by an NPI that is not Acme North's: never an
    opportunity. NED's 99490 was billed by Acme North's own billing NPI: still an opportunity.
    OLD's was in 2025, outside the three months: still an opportunity."""
    from ccmweb.imports.models import ClaimedService

    org = ten.acme.org
    with scopes_disabled():
        for mrn, day, npi in (
            ("MAY", D(2026, 2, 10), "1999999992"),
            ("NED", D(2026, 2, 10), ten.acme.north.billing_npi),
            ("OLD", D(2025, 6, 10), "1999999992"),
        ):
            patient = add_patient(ten.acme, mrn, codes=["E11.9", "I10"])
            ClaimedService.objects.create(
                organization=org,
                patient=patient,
                claim_source_id=f"ExplanationOfBenefit/{mrn}",
                code="99490",
                date=day,
                provider_npi=npi,
            )
    doc = audit(ten)
    rows = {p["mrn"]: p for p in doc["patients"]}
    assert rows["MAY"]["enrolled_elsewhere"] and not rows["MAY"]["opportunity"]
    assert any("enrolled elsewhere: 99490 billed 2026-02-10" in r for r in rows["MAY"]["reasons"])
    assert rows["NED"]["opportunity"] and rows["OLD"]["opportunity"]
    assert doc["counts"]["enrolled_elsewhere"] == 1
    assert doc["revenue"]["uncaptured"] == "532.06"  # 399.80 + NED and OLD at 66.13


def test_billed_and_captured_come_from_the_months_claims_void_ones_excluded(ten):
    from ccmweb.billing.models import Claim, PatientMonth

    with scopes_disabled():
        hal = Patient.objects.get(mrn="HAL")
        bert = Patient.objects.get(mrn="BERT")
        for patient, status, expected, month in (
            (hal, "sent", "62.50", D(2026, 3, 1)),
            (bert, "void", "117.24", D(2026, 3, 1)),  # void: not billed
            (bert, "paid", "50.00", D(2026, 2, 1)),  # another month
        ):
            pm, _ = PatientMonth.objects.get_or_create(
                organization=ten.acme.org,
                practice=ten.acme.north,
                patient=patient,
                month=month,
                defaults={
                    "status": "billable",
                    "decided_at": datetime.datetime(2026, 4, 1, tzinfo=datetime.UTC),
                },
            )
            Claim.objects.create(
                organization=ten.acme.org,
                practice=ten.acme.north,
                patient=patient,
                patient_month=pm,
                month=month,
                mbi=f"1EG4TE5MK{len(status):02d}",  # one per claim: a current claim per MBI-month
                status=status,
                current=status != "void",
                total_charge=expected,
                expected=expected,
                created_at=datetime.datetime(2026, 4, 1, tzinfo=datetime.UTC),
            )
    doc = audit(ten)
    assert doc["counts"]["billed"] == 1
    assert doc["revenue"]["captured"] == "62.50"
    assert doc["revenue"]["per_year"]["captured"] == "750.00"


@pytest.mark.parametrize(
    ("role", "gap", "upload"),
    [("admin", True, True), ("practitioner", True, False), ("coordinator", False, False)],
)
def test_nav_links_follow_the_role(cast, login, role, gap, upload):
    """Admins see Enrollment gap and Import; practitioners the gap only; coordinators neither."""
    text = login(cast.acme.users[role]).get("/patients/").content.decode()
    nav = text[text.index("<nav") : text.index("</nav>")]
    assert ('href="/imports/audit/"' in nav, 'href="/imports/"' in nav) == (gap, upload)


def test_streamed_json_is_byte_for_byte_the_document(ten):
    """`write_json` (the command's and the benchmark's path) writes exactly orjson.dumps of
    audit_json, enrolled, ended coverage and enrolled elsewhere included."""
    import io

    from ccmweb.imports.gap_results import write_json
    from ccmweb.imports.models import ClaimedService

    with scopes_disabled():
        kim = add_patient(ten.acme, "KIM", codes=["E11.9", "I10"])
        Coverage.objects.create(
            organization=ten.acme.org,
            patient=kim,
            source_id="cov-1",
            kind="medicare_part_b",
            end_date=D(2025, 12, 31),
        )
        may = add_patient(ten.acme, "MAY", codes=["E11.9"])
        ClaimedService.objects.create(
            organization=ten.acme.org,
            patient=may,
            claim_source_id="ExplanationOfBenefit/MAY",
            code="99490",
            date=D(2026, 2, 10),
            provider_npi="1999999992",
        )
    with scope(organization=ten.acme.org):
        audit = run_audit(ten.acme.north, BillingMonth(2026, 3))
        out = io.BytesIO()
        write_json(audit, out, batch=4)  # several batches
        assert out.getvalue() == orjson.dumps(audit_json(audit))
    assert len(orjson.loads(out.getvalue())["patients"]) == 12


def test_coverage_dates_blanked_in_sql_decide_as_the_full_rows_do(ten):
    """gap_facts.coverage_rows blanks the dates that cannot matter to the month; coverage_as_of
    must then say what it says of the rows as stored, for periods around the month's edges."""
    from ccmweb.imports import gap_facts
    from ccmweb.imports.coverage import coverage_as_of

    month = BillingMonth(2026, 3)
    days = [None, D(2025, 12, 31), D(2026, 2, 28), D(2026, 3, 1), D(2026, 3, 15), D(2026, 3, 31)]
    days.append(D(2026, 4, 1))
    org = ten.acme.org
    with scopes_disabled():
        patient = add_patient(ten.acme, "COV", codes=["I10"])
        stored = {}
        for start in days:
            for end in days:
                for kind, source in (("medicare_part_b", "cov"), ("qmb", "claims")):
                    Coverage.objects.all().filter(patient=patient).delete()
                    Coverage.objects.create(
                        organization=org,
                        patient=patient,
                        source_id=source,
                        kind=kind,
                        start_date=start,
                        end_date=end,
                    )
                    raw = [(source, kind, start, end)]
                    blanked = gap_facts.coverage_rows(org.pk, patient.pk, patient.pk, month)
                    stored[(start, end, kind)] = (
                        coverage_as_of(raw, month.first, month.last),
                        coverage_as_of(blanked[patient.pk], month.first, month.last),
                    )
    assert all(full == blanked for full, blanked in stored.values())
    assert len({full for full, _b in stored.values()}) >= 3  # covered, ended, not yet begun


def test_condition_codes_travel_as_one_string_per_patient(ten):
    """Both codes of a condition row count, and any row order gives the same facts."""
    from ccmweb.imports import gap_facts

    with scopes_disabled():
        jon = Patient.objects.get(mrn="JON")
        Condition.objects.create(
            organization=ten.acme.org,
            patient=jon,
            icd10_code="N18.30",
            snomed_code="433144002",
            onset_date=D(2015, 1, 1),
        )
    with scope(organization=ten.acme.org):
        codes = gap_facts.active_conditions(ten.acme.org.pk, jon.pk, jon.pk, D(2026, 3, 31))
    facts = gap_facts.condition_facts(codes[jon.pk])
    assert [f[:2] for f in facts] == [
        ("ICD-10-CM", "N18.30"),
        ("SNOMED", "38341003"),
        ("SNOMED", "433144002"),
        ("SNOMED", "44054006"),
    ]  # the resolved J45.909 is not active
    reordered = gap_facts.ROW.join(reversed(codes[jon.pk].split(gap_facts.ROW)))
    assert gap_facts.condition_facts(reordered) == facts


def test_command_prints_counts_and_the_top_opportunities_as_text(ten, capsys):
    call_command("eligibility", "audit", "--practice", "acme-north", "--month", "2026-03")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "acme-north 2026-03: 10 patients"
    assert lines[1] == "eligible: CCM 5, PCM 6, APCM 7; enrolled 1; billed 0"
    ranked = [line.split()[1] for line in lines[4:]]
    assert ranked == ["BERT", "CARA", "ACME-1", "IVY", "JON", "DAN"]


def test_an_fqhc_is_priced_nationally_with_g0511_through_september_2025(cast):
    """cms-rules §13: an FQHC's opportunity is priced at the national amount (no GPCI even with
    a locality) and, for dates of service through 2025-09-30, as G0511 ($54.67 in 2025)."""
    north = cast.acme.north
    with scopes_disabled():
        north.locality = "0111205"  # San Francisco: an office there is paid more than national
        north.save()
    with scope(organization=cast.acme.org):
        office = audit_json(run_audit(north, BillingMonth(2025, 10)))["patients"][0]
    assert office["expected_monthly"] not in ("60.49", "54.67")
    with scopes_disabled():
        north.setting = "fqhc"
        north.save()
    with scope(organization=cast.acme.org):
        september = run_audit(north, BillingMonth(2025, 9))
        october = audit_json(run_audit(north, BillingMonth(2025, 10)))
    assert audit_json(september)["patients"][0]["expected_monthly"] == "54.67"
    assert "national" in audit_summary(september)["revenue"]["fees"]
    assert october["patients"][0]["expected_monthly"] == "60.49"
