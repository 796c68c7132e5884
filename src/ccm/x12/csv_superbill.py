"""A superbill CSV: one row per service line, for practices that key claims into their EMR."""

from __future__ import annotations

import io
from collections.abc import Sequence

from ccm.csvout import SafeWriter
from ccm.x12.claim837p import ClaimBatch

COLUMNS = (
    "claim_id",
    "frequency",
    "billing_npi",
    "billing_tin",
    "rendering_npi",
    "patient_family_name",
    "patient_given_name",
    "patient_birth_date",
    "mbi",
    "diagnoses",
    "line",
    "code",
    "modifiers",
    "units",
    "charge",
    "service_date",
    "place_of_service",
)


def write_superbill(batches: Sequence[ClaimBatch]) -> str:
    """The claims as CSV rows (diagnoses with their dots, separated by spaces), header first;
    names that start like a formula are quoted for spreadsheets (ccm.csvout)."""
    out = io.StringIO()
    writer = SafeWriter(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for batch in batches:
        provider = batch.billing_provider
        for claim in batch.claims:
            rendering = claim.rendering.npi if claim.rendering else provider.npi
            for number, line in enumerate(claim.lines, 1):
                writer.writerow(
                    (
                        claim.claim_id,
                        claim.frequency,
                        provider.npi,
                        provider.tin,
                        rendering,
                        claim.subscriber.family_name,
                        claim.subscriber.given_name,
                        claim.subscriber.birth_date.isoformat(),
                        claim.subscriber.mbi,
                        " ".join(claim.diagnoses),
                        number,
                        line.code,
                        " ".join(line.modifiers),
                        line.units,
                        f"{line.charge:.2f}",
                        line.service_date.isoformat(),
                        claim.place_of_service,
                    )
                )
    return out.getvalue()
