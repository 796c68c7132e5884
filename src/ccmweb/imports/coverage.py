"""Medicare Part B and QMB from the coverage rows the imports keep, as of a month or a day.

Coverage resources win over the payer named on claims; with neither, Part B stays unknown
(None) and is never assumed (issue 4, cms-rules §9). Medicare Advantage is not Part B
fee-for-service; a Medicaid-only or private payer means Part B is known absent. A Coverage
whose period ended before the month no longer counts (docs/import.md).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from ccmweb.patients.models import Coverage, Patient
from ccmweb.sql import IdList

CLAIMS = "claims"
#: (source_id, kind, start_date, end_date) of one Coverage row
CoverageRow = tuple[str, str, dt.date | None, dt.date | None]
PART_B_KINDS = ("medicare_part_b", "qmb")


def coverage_as_of(
    rows: Iterable[CoverageRow], first: dt.date, last: dt.date
) -> tuple[bool | None, bool, str]:
    """(part_b, qmb, note) for the days first..last from one patient's coverage rows.

    Explicit Coverage counts only while its period overlaps the days; the payer seen on claims
    has no period (its date is the last claim's), so it counts whenever no explicit row does.
    """
    rows = list(rows)
    current = [
        kind
        for source, kind, start, end in rows
        if source != CLAIMS and (end is None or end >= first) and (start is None or start <= last)
    ]
    kinds = current or [kind for source, kind, _start, _end in rows if source == CLAIMS]
    if kinds:
        qmb = "qmb" in kinds
        return qmb or "medicare_part_b" in kinds, qmb, ""
    ended = [end for _s, kind, _start, end in rows if kind in PART_B_KINDS and end and end < first]
    if ended:
        return False, False, f"Medicare Part B coverage ended {max(ended).isoformat()}"
    return None, False, ""


def refresh_coverage_flags(patient_ids: Iterable[int], today: dt.date) -> None:
    """Recompute Patient.part_b/qmb as of today from coverage rows, writing only changes."""
    ids = set(patient_ids)
    if not ids:
        return
    rows: dict[int, list[CoverageRow]] = defaultdict(list)
    for patient_id, *row in Coverage.objects.filter(patient_id__in=IdList(ids)).values_list(
        "patient_id", "source_id", "kind", "start_date", "end_date"
    ):
        rows[patient_id].append(tuple(row))  # type: ignore[arg-type]
    # One UPDATE per outcome (there are at most six), not bulk_update's CASE a patient: on
    # a first import every patient's flags change (bench/RESULTS.md, "import").
    changed: dict[tuple[bool | None, bool], list[int]] = defaultdict(list)
    for pk, was_part_b, was_qmb in Patient.objects.filter(pk__in=IdList(ids)).values_list(
        "pk", "part_b", "qmb"
    ):
        part_b, qmb, _note = coverage_as_of(rows[pk], today, today)
        if (was_part_b, was_qmb) != (part_b, qmb):
            changed[part_b, qmb].append(pk)
    for (part_b, qmb), pks in changed.items():
        Patient.objects.filter(pk__in=IdList(pks)).update(part_b=part_b, qmb=qmb)
