"""The other two ways out: a superbill CSV and FHIR R4 Claim resources that fhir.resources accepts."""

import csv
import io

import x12_samples as samples
from fhir.resources.R4B.claim import Claim as FhirClaim

from ccm.claims_fhir import claim_resource
from ccm.x12.csv_superbill import COLUMNS, write_superbill


def test_superbill_has_one_row_per_service_line():
    rows = list(csv.DictReader(io.StringIO(write_superbill(samples.batches()))))
    assert len(rows) == sum(len(c.lines) for c in samples.claims())
    assert tuple(rows[0]) == COLUMNS
    assert rows[2]["code"] == "99439" and rows[2]["units"] == "2" and rows[2]["charge"] == "100.48"
    assert rows[0]["diagnoses"] == "E11.9 I10"


def test_every_claim_is_a_valid_fhir_r4_claim():
    for claim in samples.claims():
        resource = claim_resource(claim, samples.CLINIC, "2026-04-02")
        parsed = FhirClaim.model_validate(resource)
        assert round(float(parsed.total.value), 2) == float(claim.total_charge)
        assert [d.diagnosisCodeableConcept.coding[0].code for d in parsed.diagnosis] == list(
            claim.diagnoses
        )
