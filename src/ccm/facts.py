"""One fact read out of a document or message (C-CDA, HL7v2): its record or why it was refused.

FHIR hands the importer resources to map one by one; C-CDA and HL7v2 readers map a whole
document or message at once, so they hand over what they made, in the shape the CSV reader
uses: where it came from, the FHIR resource type it stands for (the ledger's key), the EMR's
id, and the record (None with `error`: rejected; None without: skipped).
"""

from __future__ import annotations

from dataclasses import dataclass

from ccm.fhir.records import Record


@dataclass(slots=True)
class Fact:
    source: str
    resource_type: str
    source_id: str
    record: Record | None
    error: str | None = None
    count: int = 1  # with no record and no error: how many skipped entries it stands for
