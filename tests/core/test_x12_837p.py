"""The 837P writer: golden files byte for byte, and pyx12 finds zero errors in what we write."""

import dataclasses
from pathlib import Path

import pytest
import x12_samples as samples

from ccm.x12.claim837p import CLAIMS_PER_TRANSACTION, ClaimBatch, check_claim, write_837p
from ccm.x12.segments import split_segments
from ccmweb.billing.x12check import x12_errors

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


def golden(name: str, written: str) -> str:
    """Compare with tests/golden/NAME; CCM_UPDATE_GOLDEN=1 rewrites it after a deliberate change."""
    import os

    path = GOLDEN / name
    if os.getenv("CCM_UPDATE_GOLDEN") == "1":
        path.write_text(written)
    return path.read_text()


def test_month_of_ccm_claims_matches_the_golden_file_byte_for_byte():
    written = write_837p(samples.envelope(), samples.batches())
    assert written == golden("ccm_month.837", written)


def test_golden_837p_passes_pyx12_with_zero_errors():
    assert x12_errors(GOLDEN / "ccm_month.837") == []


def test_validator_harness_catches_a_wrong_segment_count():
    broken = (GOLDEN / "ccm_month.837").read_text().replace("SE*53*0001", "SE*52*0001")
    assert any("SE count" in error for error in x12_errors(broken))


def test_validator_harness_accepts_the_guides_worked_example(shared):
    example = shared / "data/x12_837_samples/linuxforhealth_x12/837P_005010X222/demo.example1.837"
    text = example.read_text().replace("005010X222A2", "005010X222A1")
    assert x12_errors(text) == []


def test_guide_example_has_the_loops_our_writer_writes(shared):
    """Our claim loop follows the guide's order: SBR, NM1*IL, NM1*PR, CLM, HI, LX, SV1, DTP."""
    example = shared / "data/x12_837_samples/linuxforhealth_x12/837P_005010X222/demo.example1.837"
    theirs = [s[0] for s in split_segments(example.read_text())[0]]
    ours = [s[0] for s in split_segments((GOLDEN / "ccm_month.837").read_text())[0]]
    wanted = ["SBR", "NM1", "CLM", "HI", "LX", "SV1", "DTP"]

    def in_order(tags: list[str]) -> bool:
        position = 0
        for tag in tags:
            if position < len(wanted) and tag == wanted[position]:
                position += 1
        return position == len(wanted)

    assert in_order(theirs) and in_order(ours)


def test_rendering_practitioner_is_written_only_when_not_the_billing_provider():
    written = write_837p(samples.envelope(), samples.batches())
    assert written.count("NM1*82*1*ACMEDOC*PAT****XX*1003000126~") == 2


def test_replacement_claim_names_the_original():
    written = write_837p(samples.envelope(), samples.batches())
    assert "CLM*C3C3C3C3C3C3*143.58***11:B:7*Y*A*Y*Y~\nREF*F8*C3C3C3C3C3C2~" in written


def test_diagnoses_are_written_without_dots_principal_first():
    written = write_837p(samples.envelope(), samples.batches())
    assert "HI*ABK:I509*ABF:N183*ABF:E785~" in written


def test_claim_charge_is_the_sum_of_its_lines():
    claim = samples.claims()[1]
    assert str(claim.total_charge) == "166.61"


def test_a_claim_without_diagnoses_is_refused_with_its_id():
    bad = dataclasses.replace(samples.claims()[0], diagnoses=())
    with pytest.raises(ValueError, match="claim C1A2B3C4D5E6: diagnoses"):
        write_837p(samples.envelope(), (ClaimBatch(samples.CLINIC, (bad,)),))


def test_a_void_without_the_original_is_refused():
    bad = dataclasses.replace(samples.claims()[0], frequency="8")
    assert any("original_reference" in p for p in check_claim(bad))


def test_diagnosis_pointer_outside_the_claims_diagnoses_is_refused():
    claim = samples.claims()[0]
    line = dataclasses.replace(claim.lines[0], diagnosis_pointers=(1, 3))
    assert any("pointer" in p for p in check_claim(dataclasses.replace(claim, lines=(line,))))


def test_free_text_cannot_break_the_delimiters():
    claim = samples.claims()[0]
    odd = dataclasses.replace(
        claim, subscriber=dataclasses.replace(claim.subscriber, family_name="Smith*Jones~X")
    )
    written = write_837p(samples.envelope(), (ClaimBatch(samples.CLINIC, (odd,)),))
    assert "SMITH JONES X" in written
    assert x12_errors(written) == []


def test_many_claims_split_into_transactions_that_still_validate():
    """The split at the TR3's 5,000 claims, exercised at a small size so pyx12 stays quick."""
    assert CLAIMS_PER_TRANSACTION == 5000
    many = tuple(dataclasses.replace(samples.claims()[0], claim_id=f"C{i:011d}") for i in range(7))
    written = write_837p(
        samples.envelope(), (ClaimBatch(samples.CLINIC, many),), claims_per_transaction=5
    )
    assert written.count("ST*837*") == 2
    assert "GE*2*1~" in written
    assert x12_errors(written) == []
