"""A mixed-version folder (DSTU2, STU3, R4, R5 shapes) imports without a rejection of a
well-formed fact, and the audit reads coverage as ccm.rules.coverage says: Part B found,
Medicare Advantage and Part A/D-only never fee-for-service opportunities, the deceased never
offered, an under-65 without Medicare "status unknown", a veterinary patient never offered.
The CSV reader: US dates, a blank MRN an error, a row of a rejected patient names that row."""

from __future__ import annotations

import datetime
import json

from django_scopes import scope

from ccm.periods import BillingMonth
from ccmweb.imports.gap_results import audit_json, run_audit
from ccmweb.imports.services import report, run_import, start_run
from ccmweb.patients.models import Patient
from ccmweb.testing.mixed_fhir import bundle as _bundle
from ccmweb.testing.mixed_fhir import mixed_version_folder as _folder
from ccmweb.testing.mixed_fhir import person as _person

TODAY = datetime.date(2026, 7, 1)


def do_import(practice, paths, fmt="fhir", **options):  # type: ignore[no-untyped-def]
    with scope(organization=practice.organization):
        run = run_import(start_run(practice, fmt), [str(p) for p in paths], today=TODAY, **options)
        return report(run)


def test_a_mixed_version_folder_and_the_audits_coverage(cast, tmp_path):
    practice = cast.acme.north
    result = do_import(practice, [_folder(tmp_path)])
    assert result["rejected"] == []
    assert result["warnings"] and all(w["reason"] for w in result["warnings"])
    with scope(organization=practice.organization):
        mrns = set(Patient.objects.filter(practice=practice).values_list("mrn", flat=True))
        assert "123-45-6789" not in mrns and "MRN-partb" in mrns
        doc = audit_json(run_audit(practice, BillingMonth(2026, 6)))
    by = {
        p["source_id"]: p
        for p in doc["patients"]
        if p["source_id"] in {"partb", "advantage", "parta", "qmb", "dead", "young", "dog"}
    }
    assert by["partb"]["coverage"] == "part_b" and by["partb"]["eligible"]
    assert by["qmb"]["coverage"] == "part_b" and "apcm" in by["qmb"]["eligible"]
    assert by["advantage"]["coverage"] == "medicare_advantage"
    assert any("bill the plan" in r for r in by["advantage"]["reasons"])
    assert by["parta"]["coverage"] == "no_part_b"
    assert by["dead"]["eligible"] == [] and by["dead"]["deceased"]
    assert by["young"]["coverage"] == "unverified"
    assert any("Medicare status unknown" in r for r in by["young"]["reasons"])
    assert by["dog"]["coverage"] == "none"
    offered = {sid for sid, p in by.items() if p["opportunity"]}
    assert offered <= {"partb", "qmb"}
    assert doc["counts"]["medicare_advantage"] == 1
    assert doc["counts"]["medicare_status_unknown"] == 1


def _csv(folder, name, text):  # type: ignore[no-untyped-def]
    (folder / name).write_text(text)


def test_csv_us_dates_blank_mrn_and_rows_of_a_rejected_patient(cast, tmp_path):
    _csv(
        tmp_path,
        "patients.csv",
        "id,mrn,given_name,family_name,birth_date\n"
        "p1,M1,Ann,Roe,03/15/1950\n"
        "p2,,Bob,Roe,04/01/1951\n",
    )
    _csv(
        tmp_path,
        "conditions.csv",
        "id,patient_id,code_system,code,onset_date\n"
        "c1,p1,icd10,E11.9,01/02/2015\n"
        "c2,p2,icd10,I10,\n",
    )
    result = do_import(cast.acme.north, [tmp_path], fmt="csv", date_format="%m/%d/%Y")
    reasons = {r["source"]: r["reason"] for r in result["rejected"]}
    assert reasons["patients.csv:3"].startswith("mrn: missing")
    assert "patients.csv:3" in reasons["conditions.csv:3"]
    assert "mrn: missing" in reasons["conditions.csv:3"]
    with scope(organization=cast.acme.org):
        ann = Patient.objects.get(practice=cast.acme.north, source_id="p1")
        assert ann.birth_date == datetime.date(1950, 3, 15) and ann.mrn == "M1"


def test_imported_patients_get_a_coordinator_by_the_practice_rule(cast, tmp_path):
    practice = cast.acme.north
    folder = _folder(tmp_path)
    practice.coordinator_assignment = "unassigned"
    practice.save()
    do_import(practice, [folder])
    with scope(organization=practice.organization):
        imported = Patient.objects.filter(practice=practice, mrn__startswith="MRN-")
        assert not imported.filter(coordinator__isnull=False).exists()  # the admins' queue
        practice.coordinator_assignment = "round_robin"
        practice.save()
    do_import(practice, [folder])
    with scope(organization=practice.organization):
        assert not imported.filter(coordinator__isnull=True).exists()
        assert cast.acme.coordinator.pk in set(imported.values_list("coordinator", flat=True))


def test_the_report_groups_problems_by_reason_and_downloads_them_all(cast, login, tmp_path):
    practice = cast.acme.north
    folder = _folder(tmp_path)
    broken = _bundle(_person("nobirth"))
    del broken["entry"][0]["resource"]["birthDate"]
    (folder / "nobirth.json").write_text(json.dumps(broken))
    with scope(organization=practice.organization):
        run = run_import(start_run(practice, "fhir"), [str(folder)], today=TODAY)
        doc = report(run)
    assert doc["patients"]["created"] == 7
    assert doc["eligibility"]["changed"]["medicare_advantage"] == 1
    rejected = {g["reason"]: g["count"] for g in doc["groups"]["rejected"]}
    assert rejected == {"Patient.birthDate: missing": 1}
    warnings = {g["reason"]: g for g in doc["groups"]["warnings"]}
    status = warnings[
        "Condition.clinicalStatus: a code string (FHIR STU3/DSTU2 shape) read as the code"
    ]
    assert status["count"] == 14 and status["example"]["source"]
    page = login(cast.acme.admin).get(f"/imports/runs/{run.uid}/")
    text = page.content.decode()
    assert "Patient.birthDate: missing" in text and "Download every rejection" in text
    csv = login(cast.acme.admin).get(f"/imports/runs/{run.uid}/problems.csv")
    lines = csv.content.decode().splitlines()
    assert lines[0].startswith("kind,reason_group,source")
    assert len(lines) == 1 + len(doc["rejected"]) + len(doc["warnings"])


def test_every_coverage_kind_a_reader_makes_is_a_choice_of_the_model():
    from ccm.coverage_kinds import KINDS
    from ccmweb.patients.models import Coverage

    assert dict(Coverage.Kind.choices) == KINDS


def test_ccm_import_then_the_audit_command_reads_the_coverage(cast, tmp_path, capsys):
    """`ccm import` queues an audit refresh; with no worker, `ccm eligibility audit` does it."""
    from django.core.management import call_command

    practice = cast.acme.north
    call_command("import", "fhir", str(_folder(tmp_path)), "--practice", practice.slug)
    capsys.readouterr()
    call_command(
        "eligibility", "audit", "--practice", practice.slug, "--month", "2026-06", "--json"
    )
    doc = json.loads(capsys.readouterr().out)
    coverage = {p["source_id"]: p["coverage"] for p in doc["patients"]}
    assert coverage["advantage"] == "medicare_advantage" and coverage["partb"] == "part_b"
