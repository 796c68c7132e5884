"""A patient's Medicare coverage from the coverage rows the imports keep, as of a month or a day.

Coverage resources win over the payer named on claims; with neither, Part B stays unknown
(unverified) and is never assumed (issue 4, cms-rules §9). What the kinds in force mean
(Part B fee-for-service, Medicare Advantage, Medicare without Part B, none) is decided by
`ccm.rules.coverage.standing`, the one answer the audit, the worklist and the patient page
show. A Coverage whose period ended before the month no longer counts (docs/import.md).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from ccm.rules import coverage as rules
from ccmweb.patients.models import Coverage, Patient
from ccmweb.sql import IdList

CLAIMS = "claims"
#: (source_id, kind, start_date, end_date) of one Coverage row
CoverageRow = tuple[str, str, dt.date | None, dt.date | None]


def standing_as_of(
    rows: Iterable[CoverageRow], first: dt.date, last: dt.date
) -> rules.CoverageStanding:
    """The coverage standing for the days first..last from one patient's coverage rows.

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
    ended = [
        end
        for _s, kind, _start, end in rows
        if kind in rules.DEFAULT_POLICY.implies_part_b and end and end < first
    ]
    return rules.standing(kinds, max(ended) if ended else None)


def coverage_as_of(
    rows: Iterable[CoverageRow], first: dt.date, last: dt.date
) -> tuple[bool | None, bool, str]:
    """(part_b, qmb, note) for the days first..last: `standing_as_of` as the rules' flags."""
    found = standing_as_of(rows, first, last)
    return found.part_b, found.qmb, found.note


def refresh_coverage_flags(patient_ids: Iterable[int], today: dt.date) -> None:
    """Recompute Patient.part_b/qmb/medicare as of today from coverage rows, writing only changes."""
    ids = set(patient_ids)
    if not ids:
        return
    rows: dict[int, list[CoverageRow]] = defaultdict(list)
    for patient_id, source_id, kind, start, end in Coverage.objects.filter(
        patient_id__in=IdList(ids)
    ).values_list("patient_id", "source_id", "kind", "start_date", "end_date"):
        rows[patient_id].append((source_id, kind, start, end))
    # One UPDATE per outcome (there are few), not bulk_update's CASE a patient: on a first
    # import every patient's flags change (bench/RESULTS.md, "import").
    changed: dict[tuple[bool | None, bool, str], list[int]] = defaultdict(list)
    for pk, was_part_b, was_qmb, was in Patient.objects.filter(pk__in=IdList(ids)).values_list(
        "pk", "part_b", "qmb", "medicare"
    ):
        found = standing_as_of(rows[pk], today, today)
        now = (found.part_b, found.qmb, found.state)
        if (was_part_b, was_qmb, was) != now:
            changed[now].append(pk)
    for (part_b, qmb, state), pks in changed.items():
        Patient.objects.filter(pk__in=IdList(pks)).update(part_b=part_b, qmb=qmb, medicare=state)
