"""The 837I writer: a golden file byte for byte, pyx12's X223A2 map finds zero errors, and our
claim loop has the shape of the guide's institutional examples (cms-rules §13)."""

import dataclasses
import os
from pathlib import Path

import pytest
import x12_institutional_samples as samples

from ccm.x12.claim837i import (
    VERSION,
    ClaimBatch,
    check_claim,
    check_provider,
    write_837i,
)
from ccm.x12.segments import split_segments
from ccmweb.billing.x12check import x12_errors

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
EXAMPLES = "data/x12_837_samples/linuxforhealth_x12/837I_005010X223"


def golden(name: str, written: str) -> str:
    """Compare with tests/golden/NAME; CCM_UPDATE_GOLDEN=1 rewrites it after a deliberate change."""
    path = GOLDEN / name
    if os.getenv("CCM_UPDATE_GOLDEN") == "1":
        path.write_text(written)
    return path.read_text()


def written() -> str:
    return write_837i(samples.envelope(), samples.batches())


def test_fqhc_and_rhc_months_match_the_golden_file_byte_for_byte():
    assert written() == golden("rhc_fqhc_months.837i", written())


def test_golden_837i_passes_pyx12_with_zero_errors():
    assert x12_errors(GOLDEN / "rhc_fqhc_months.837i") == []


def test_pyx12_knows_the_guide_only_as_x223a2():
    """pyx12 4.0.0 registers its 837I map (file 837Q3.I.5010.X223.A1.xml) for 005010X223A2
    only: the same file labelled A1 is refused before any segment is read (docs/x12-837i.md)."""
    assert VERSION == "005010X223A2"
    errors = x12_errors(written().replace("005010X223A2", "005010X223A1"))
    assert len(errors) == 1 and "Map not found" in errors[0] and "005010X223A1" in errors[0]


def test_pyx12_catches_what_the_guide_forbids_in_our_own_output():
    """The validator is not asleep: a place of service style CLM06 and a five-digit billing ZIP
    are both errors in this guide."""
    text = written()
    with_clm06 = text.replace("***77:A:1**A*Y*Y~", "***77:A:1*Y*A*Y*Y~", 1)
    assert any("CLM06" in e for e in x12_errors(with_clm06))
    short_zip = text.replace("N4*MARION*IL*629591234~", "N4*MARION*IL*62959~", 1)
    assert any("ZIP" in e for e in x12_errors(short_zip))


def test_type_of_bill_revenue_codes_and_no_place_of_service():
    text = written()
    assert "CLM*F1G0511SEP2025*54.67***77:A:1**A*Y*Y~" in text
    assert "CLM*R2APCMOCT2025*48.84***71:A:1**A*Y*Y~" in text
    assert "SV2*0521*HC:G0511*54.67*UN*1~" in text
    assert "SV2*0521*HC:99439*91.86*UN*2~" in text
    assert "DTP*434*RD8*20250901-20250930~" in text
    assert "SV1*" not in text and ":B:" not in text  # no professional lines, no POS


def test_attending_on_every_claim_rendering_only_when_different():
    text = written()
    assert text.count("NM1*71*1*") == 5
    assert text.count("NM1*82*1*NURSE*RILEY****XX*1932102084~") == 1


def test_replacement_and_void_name_the_payers_claim():
    text = written()
    assert "CLM*F3REPLOCT2025*131.65***77:A:7**A*Y*Y~" in text
    assert (
        "CLM*R1VOIDSEP2025*54.67***71:A:8**A*Y*Y~\nDTP*434*RD8*20250901-20250930~\nCL1***01~\nREF*F8*25270000555501~"
        in text
    )


def test_medicare_institutional_claims_are_part_a():
    assert written().count("SBR*P*18*******MA~") == 5


def test_many_diagnoses_fill_two_other_diagnosis_segments():
    claim = samples.fqhc_claims()[0]
    many = ("E11.9",) + tuple(f"I{n}" for n in range(10, 30))
    wide = dataclasses.replace(claim, diagnoses=many)
    text = write_837i(samples.envelope(), (ClaimBatch(samples.FQHC, (wide,)),))
    assert text.count("HI*ABF:") == 2
    assert x12_errors(text) == []


def test_claims_a_payer_would_refuse_are_named():
    claim = samples.fqhc_claims()[0]
    assert any("attending" in p for p in check_claim(dataclasses.replace(claim, attending=None)))
    line = dataclasses.replace(claim.lines[0], revenue_code="521")
    assert any("revenue code" in p for p in check_claim(dataclasses.replace(claim, lines=(line,))))
    late = dataclasses.replace(
        claim.lines[0], service_date=claim.statement_to.replace(day=1).replace(month=10)
    )
    assert any(
        "statement period" in p for p in check_claim(dataclasses.replace(claim, lines=(late,)))
    )
    provider = dataclasses.replace(
        samples.FQHC, address=dataclasses.replace(samples.FQHC.address, postal_code="62959")
    )
    assert any("ZIP+4" in p for p in check_provider(provider))
    with pytest.raises(ValueError, match="claim F1G0511SEP2025: attending"):
        write_837i(
            samples.envelope(),
            (ClaimBatch(samples.FQHC, (dataclasses.replace(claim, attending=None),)),),
        )


def test_many_claims_split_into_transactions_that_still_validate():
    many = tuple(
        dataclasses.replace(samples.fqhc_claims()[0], claim_id=f"F{i:011d}") for i in range(7)
    )
    text = write_837i(
        samples.envelope(), (ClaimBatch(samples.FQHC, many),), claims_per_transaction=5
    )
    assert text.count("ST*837*") == 2 and "GE*2*7~" in text
    assert x12_errors(text) == []


def _claim_loop_tags(raw: str) -> list[str]:
    """The segment ids of the first claim loop: from CLM to the next HL or SE."""
    tags = [s[0] for s in split_segments(raw)[0]]
    start = tags.index("CLM")
    end = next(i for i in range(start + 1, len(tags)) if tags[i] in ("HL", "SE"))
    return tags[start:end]


def _in_order(tags: list[str], wanted: list[str]) -> bool:
    position = 0
    for tag in tags:
        if position < len(wanted) and tag == wanted[position]:
            position += 1
    return position == len(wanted)


def test_our_claim_loop_has_the_shape_of_the_guides_institutional_examples(shared):
    """Every external 837I example and ours run CLM, statement DTP, CL1, HI, attending NM1,
    then LX, SV2, service DTP; theirs carry the same revenue-code-first SV2."""
    wanted = ["CLM", "DTP", "CL1", "HI", "NM1", "LX", "SV2", "DTP"]
    examples = sorted((shared / EXAMPLES).glob("*.837i"))
    assert len(examples) == 4
    for example in examples:
        raw = example.read_text()
        assert _in_order(_claim_loop_tags(raw), wanted), example.name
        sv2 = [s for s in split_segments(raw)[0] if s[0] == "SV2"]
        assert all(len(s[1]) == 4 and s[1].isdigit() and s[4] == "UN" for s in sv2)
        assert "SV1" not in raw
    assert _in_order(_claim_loop_tags(written()), wanted)


def test_the_external_example_that_pyx12_reads_differs_only_where_we_know(shared):
    """The guide's single-claim example, relabelled X223A2 in memory: pyx12 reports exactly the
    three things docs/x12-837i.md lists (5-digit billing ZIP, CLM06, a D8 statement date), the
    things our writer does differently."""
    raw = (shared / EXAMPLES / "institutional-claim.837i").read_text()
    errors = x12_errors(raw.replace("005010X223A3", VERSION))
    assert len(errors) == 3
    assert "ZIP" in errors[0] and "CLM06" in errors[1] and "(D8)" in errors[2]
