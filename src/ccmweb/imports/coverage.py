"""Patient.part_b and Patient.qmb from the coverage rows the imports keep.

Coverage resources win over the payer named on claims; with neither, Part B stays unknown
(None) and is never assumed (issue 4, cms-rules §9). Medicare Advantage is not Part B
fee-for-service; a Medicaid-only or private payer means Part B is known absent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from ccmweb.patients.models import Coverage, Patient

CLAIMS = "claims"


def coverage_flags(rows: Iterable[tuple[str, str]]) -> tuple[bool | None, bool]:
    """(part_b, qmb) from (source_id, kind) rows of one patient."""
    rows = list(rows)
    explicit = [kind for source, kind in rows if source != CLAIMS]
    kinds = explicit or [kind for source, kind in rows if source == CLAIMS]
    if not kinds:
        return None, False
    qmb = "qmb" in kinds
    part_b = qmb or "medicare_part_b" in kinds
    return part_b, qmb


def refresh_coverage_flags(patient_ids: Iterable[int]) -> None:
    """Recompute the flags of these patients from their coverage rows, writing only changes."""
    ids = set(patient_ids)
    if not ids:
        return
    rows: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for patient_id, source, kind in Coverage.objects.filter(patient_id__in=ids).values_list(
        "patient_id", "source_id", "kind"
    ):
        rows[patient_id].append((source, kind))
    changed = []
    for patient in Patient.objects.filter(pk__in=ids).only("pk", "part_b", "qmb"):
        part_b, qmb = coverage_flags(rows[patient.pk])
        if (patient.part_b, patient.qmb) != (part_b, qmb):
            patient.part_b, patient.qmb = part_b, qmb
            changed.append(patient)
    Patient.objects.bulk_update(changed, ["part_b", "qmb"])
