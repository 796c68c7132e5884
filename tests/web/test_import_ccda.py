"""`ccm import ccda`: HL7's example documents and ccm's fixtures into the database, the JSON
report of cli.md, a second import that changes nothing, the upload page, and a document that
cannot be read rejected by name while the others load."""

import datetime
import json
import shutil
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django_scopes import scope

from ccmweb.imports.models import ImportRun, Measurement, Medication
from ccmweb.imports.services import report, run_import, start_run
from ccmweb.patients.models import Condition, Coverage, Encounter, Patient

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ccda"
TODAY = datetime.date(2026, 7, 1)


def do_import(practice, paths):  # type: ignore[no-untyped-def]
    with scope(organization=practice.organization):
        run = run_import(start_run(practice, "ccda"), [str(p) for p in paths], today=TODAY)
        return report(run)


def cli(capsys, practice, *paths) -> dict:  # type: ignore[no-untyped-def, type-arg]
    capsys.readouterr()
    call_command("import", "ccda", *[str(p) for p in paths], "--practice", practice.slug, "--json")
    return json.loads(capsys.readouterr().out)


def test_hl7_documents_load_once_and_a_second_import_changes_nothing(cast, shared, capsys):
    folder = shared / "data/ccda_hl7_examples/Documents"
    with scope(organization=cast.acme.org):
        before = set(Patient.objects.filter(practice=cast.acme.north).values_list("pk", flat=True))
    first = cli(capsys, cast.acme.north, folder)
    assert set(first) >= {"loaded", "updated", "unchanged", "skipped", "rejected"}
    assert first["loaded"] > 40
    # only the examples' own defects: a typo'd date and a systolic pressure without its pair
    reasons = sorted(r["reason"] for r in first["rejected"])
    assert len(reasons) == 3, reasons
    assert all("'200130212' is not a date" in r or "no diastolic" in r for r in reasons)
    assert all(r["source"].split(":")[0].endswith(".xml") for r in first["rejected"])
    with scope(organization=cast.acme.org):
        patients = Patient.objects.filter(practice=cast.acme.north).exclude(pk__in=before)
        # the same people appear in several documents: one row each
        assert patients.count() == 5
        assert not patients.filter(mrn="444222222").exists()  # an SSN is never the MRN
        assert Condition.objects.filter(patient__in=patients).count() >= 15
        assert Measurement.objects.filter(patient__in=patients, kind="blood_pressure").exists()
        assert Medication.objects.filter(patient__in=patients).exists()
        assert Encounter.objects.filter(patient__in=patients).exists()
    second = cli(capsys, cast.acme.north, folder)
    assert (second["loaded"], second["updated"]) == (0, 0)
    assert second["unchanged"] == first["loaded"]


def test_vendor_fixture_lands_in_each_table(cast, tmp_path):
    cast.acme.north.mrn_identifier_system = "1.2.3.4.5.6.7.8"
    cast.acme.north.save()
    result = do_import(cast.acme.north, [FIXTURES / "vendor_ccd.xml"])
    assert [r["source"] for r in result["rejected"]] == ["vendor_ccd.xml:112"]
    with scope(organization=cast.acme.org):
        patient = Patient.objects.get(practice=cast.acme.north, mrn="MRN-70001")
        assert patient.mbi == "1EG4TE5MK73"
        codes = set(patient.conditions.values_list("icd10_code", flat=True))
        assert {"E11.9", "I10"} <= codes
        kinds = dict(Coverage.objects.filter(patient=patient).values_list("member_id", "kind"))
        assert kinds == {"SSH-55501": "medicare_advantage", "1EG4TE5MK73": "medicare_part_b"}
        pressure = Measurement.objects.get(patient=patient, kind="blood_pressure")
        assert (pressure.value, pressure.value2) == (148, 92)
        assert Encounter.objects.filter(patient=patient, encounter_class="EMER").count() == 1


def test_a_newer_document_of_the_same_patient_wins_within_one_import(cast, tmp_path):
    old = (FIXTURES / "vendor_ccd.xml").read_text()
    newer = old.replace('"20260310101500-0500"', '"20260601"').replace(
        'value="148" unit="mm[Hg]"', 'value="138" unit="mm[Hg]"'
    )
    (tmp_path / "a-old.xml").write_text(old)
    (tmp_path / "b-new.xml").write_text(newer)
    result = do_import(cast.acme.north, [tmp_path])
    assert not [r for r in result["rejected"] if "duplicate" in r["reason"]]
    with scope(organization=cast.acme.org):
        pressure = Measurement.objects.get(patient__mrn="MRN-70001", kind="blood_pressure")
        assert pressure.value == 138


def test_an_unreadable_document_is_rejected_by_name_and_the_others_load(cast, tmp_path):
    shutil.copy(FIXTURES / "vendor_ccd.xml", tmp_path / "good.xml")
    (tmp_path / "bad.xml").write_bytes(b"<ClinicalDocument><oops></ClinicalDocument>")
    (tmp_path / "evil.xml").write_bytes(
        b'<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><ClinicalDocument>&x;</ClinicalDocument>'
    )
    result = do_import(cast.acme.north, [tmp_path])
    problems = {r["source"]: r["reason"] for r in result["rejected"]}
    assert problems["bad.xml:1"].startswith("not well-formed XML")
    assert "document type declaration" in problems["evil.xml"]
    with scope(organization=cast.acme.org):
        assert Patient.objects.filter(practice=cast.acme.north, mrn="MRN-70001").exists()
        assert ImportRun.objects.get().status == "done"


def test_admin_uploads_a_ccda_document(cast, login):
    client = login(cast.acme.admin)
    body = (FIXTURES / "vendor_ccd.xml").read_bytes()
    response = client.post(
        "/imports/",
        {
            "practice": str(cast.acme.north.uid),
            "format": "ccda",
            "files": [SimpleUploadedFile("Testperson_Beatrice_CCD.XML", body)],
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Testperson" not in response["Location"]
    assert "nullFlavor UNK and no ICD-10-CM or SNOMED CT translation" in page
    with scope(organization=cast.acme.org):
        run = ImportRun.objects.get()
        assert (run.status, run.format) == ("done", "ccda")
        assert run.loaded > 10
