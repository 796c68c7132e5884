"""`ccm import hl7` and `ccm hl7 listen`: ADT visits and ORU results into the database, the
report of cli.md, a second import that changes nothing, the upload page, and the MLLP
listener answering each message with an ACK after what it kept is committed."""

import datetime
import json
import socket
import threading
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django_scopes import scope

from ccmweb.imports.mllp import import_message, server
from ccmweb.imports.models import ImportRun, Measurement
from ccmweb.patients.models import Encounter, Patient

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hl7"
ADT = (FIXTURES / "adt_feed.hl7").read_bytes()
ORU = (FIXTURES / "oru_results.hl7").read_bytes()


def cli(capsys, practice, *paths) -> dict:  # type: ignore[no-untyped-def, type-arg]
    capsys.readouterr()
    call_command("import", "hl7", *[str(p) for p in paths], "--practice", practice.slug, "--json")
    return json.loads(capsys.readouterr().out)


def test_adt_and_oru_files_load_and_a_second_import_changes_nothing(cast, capsys):
    first = cli(capsys, cast.acme.north, FIXTURES)
    assert (first["loaded"], first["updated"]) == (1 + 2 + 3, 0)  # patient, 2 visits, 3 measures
    reasons = sorted(r["reason"] for r in first["rejected"])
    assert reasons == [
        "MSH-9: SIU^S12 is not a message ccm reads (ADT A01, A03, A04, A08; ORU^R01)",
        "OBX-5 (set 1): '1E+9999999' is not a decimal number (digits and a point)",
        "PID-3: no identifier other than a Social Security number or MBI",
    ]
    with scope(organization=cast.acme.org):
        patient = Patient.objects.get(practice=cast.acme.north, mrn="70001")
        assert patient.address_line == "40 Oak Avenue"  # the A08's, the newest
        visits = dict(
            Encounter.objects.filter(patient=patient).values_list("encounter_class", "date")
        )
        assert visits == {"EMER": datetime.date(2026, 2, 10), "IMP": datetime.date(2026, 2, 11)}
        kinds = set(Measurement.objects.filter(patient=patient).values_list("kind", flat=True))
        assert kinds == {"hba1c", "blood_pressure", "weight"}
    second = cli(capsys, cast.acme.north, FIXTURES)
    assert (second["loaded"], second["updated"], second["unchanged"]) == (0, 0, 6)


def test_results_for_a_patient_ccm_does_not_have_are_rejected_by_mrn(cast, capsys):
    result = cli(capsys, cast.acme.north, FIXTURES / "oru_results.hl7")
    assert result["loaded"] == 0
    assert any(
        "Patient with identifier '70001' not found" in r["reason"] for r in result["rejected"]
    )


def test_admin_uploads_an_hl7_file(cast, login):
    client = login(cast.acme.admin)
    response = client.post(
        "/imports/",
        {
            "practice": str(cast.acme.north.uid),
            "format": "hl7",
            "files": [SimpleUploadedFile("adt_Testperson.txt", ADT)],
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "is not a message ccm reads" in page
    with scope(organization=cast.acme.org):
        run = ImportRun.objects.get()
        assert (run.status, run.format, run.loaded) == ("done", "hl7", 3)


def test_one_message_one_run_and_its_ack(cast):
    first, *_rest = ADT.split(b"\n\n")
    reply = import_message(cast.acme.north, first)
    assert reply.startswith(b"\x0b") and reply.endswith(b"\x1c\r")
    assert b"\rMSA|AA|MSG00101" in reply
    again = import_message(cast.acme.north, first)
    assert b"MSA|AA|MSG00101" in again  # a resent message changes nothing and is accepted
    bad = import_message(cast.acme.north, first.replace(b"19520417", b"1952"))
    assert b"MSA|AR|MSG00101|PID-7: '1952' is not a full date" in bad
    with scope(organization=cast.acme.org):
        assert ImportRun.objects.filter(format="hl7").count() == 3
        assert Encounter.objects.filter(patient__mrn="70001").count() == 1


def _exchange(port: int, frames: list[bytes]) -> list[bytes]:
    replies = []
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        for frame in frames:
            conn.sendall(b"\x0b" + frame + b"\x1c\r")
            reply = b""
            while not reply.endswith(b"\x1c\r"):
                chunk = conn.recv(65536)
                assert chunk, "the listener closed the connection"
                reply += chunk
            replies.append(reply)
    return replies


def test_mllp_listener_acks_each_message(transactional_db, cast):
    listener = server(cast.acme.north, "127.0.0.1", 0)
    thread = threading.Thread(target=listener.serve_forever, daemon=True)
    thread.start()
    try:
        messages = [m.replace(b"\n", b"\r") for m in ADT.split(b"\n\n")]
        replies = _exchange(listener.server_address[1], messages[:2] + [b"not hl7 at all"])
    finally:
        listener.shutdown()
        listener.server_close()
    assert b"MSA|AA|MSG00101" in replies[0]
    assert b"MSA|AA|MSG00102" in replies[1]
    assert b"MSA|AR|" in replies[2]
    with scope(organization=cast.acme.org):
        classes = set(
            Encounter.objects.filter(patient__mrn="70001").values_list("encounter_class", flat=True)
        )
        assert classes == {"EMER", "IMP"}
