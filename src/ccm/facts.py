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


class Latest:
    """Records of one import read newest first: a record already given (same type and id,
    the same or an older version) is counted as skipped, not reported as a duplicate id.

    Exports repeat themselves: a monthly CCD holds the whole problem list again, an ADT feed
    sends the patient with every event. Read newest first, the newest version is kept."""

    def __init__(self) -> None:
        self.seen: set[tuple[str, str]] = set()

    def fresh(self, facts: list[Fact], label: str) -> list[Fact]:
        kept: list[Fact] = []
        repeated: dict[str, int] = {}
        for fact in facts:
            key = (fact.resource_type, fact.source_id)
            if fact.record is not None and key in self.seen:
                repeated[fact.resource_type] = repeated.get(fact.resource_type, 0) + 1
                continue
            if fact.record is not None:
                self.seen.add(key)
            kept.append(fact)
        return kept + [Fact(label, kind, "", None, None, n) for kind, n in sorted(repeated.items())]
