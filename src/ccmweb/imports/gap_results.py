"""The enrollment gap as stored results: computed once by a task, read by the page and the CLI.

`run_audit` computes the audit (audit.compute) and writes it as it goes: each chunk's patients
as narrow `AuditRow`s (COPY on PostgreSQL), then each distinct standing once and the summary;
then, in the database, how many patients each of the page's lists holds and where every
MARK_EVERY-th of them is (`AuditMark`). The result counts only once `computed_at` is set, and it
then replaces the practice's older results of the month. Memory stays flat: no list of a million
patients, no sort in Python (the rows' index is the order). Readers page through the rows in
that order (`page`, which starts at the nearest mark: a page deep in a list costs what the first
does) or stream them (`write_json`, the `ccm eligibility audit --json` document), loading the
standings a chunk needs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import IO, Any

import orjson
from django.db import connection
from django.db.models import BooleanField, Count, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from ccm.periods import BillingMonth
from ccmweb.billing.bulk import insert_rows
from ccmweb.sql import IdList, column, concrete_field
from ccmweb.tenants.models import Practice

from .audit import STANDINGS_HELD, compute, summarize
from .gap_lines import GROUP, PatientGap, Row, Seen, Standing, dumps, gaps
from .models import AuditMark, AuditResult, AuditRow, AuditStanding

ROW_COLUMNS = ("result_id", "rank", "source_id", "patient_id", "mrn", "standing", "seen")
ORDER = ("rank", "source_id", "patient_id")
#: The lists of the page, as ranges of rank (gap_lines.Standing.rank): (above, at most).
#: The page's lists as ranges of ranks: clinically eligible, alive and not enrolled, by what
#: stands between them and a fee-for-service claim (gap_lines.PatientGap's groups).
LISTS = {
    "opportunities": (-GROUP, 0),
    "unverified": (0, GROUP),
    "advantage": (GROUP, 2 * GROUP),
    "status_unknown": (2 * GROUP, 3 * GROUP),
}
STANDING_FIELDS = [f.name for f in dataclasses.fields(Standing) if f.init]
#: A mark every this many rows of a list: a page reads at most this many index entries more
#: than it shows (1,000,000 patients: ~10,000 marks).
MARK_EVERY = 100


def run_audit(
    practice: Practice,
    month: BillingMonth,
    progress: Callable[[int], None] | None = None,
) -> AuditResult:
    """Compute PRACTICE's audit of MONTH and store it; the older results of the month go."""
    result = AuditResult.objects.create(
        organization_id=practice.organization_id, practice=practice, month=str(month)
    )
    numbers: dict[Standing, int] = {}  # by identity (Standing has eq=False); forgotten as
    numbered = 0  # compute forgets its standings (audit.STANDINGS_HELD): memory stays flat
    seens: dict[int, tuple[int, Seen]] = {}  # id(seen): compute keeps each Seen (one a day)

    def number_of_seen(seen: Seen) -> int:
        found = seens.get(id(seen))
        if found is None:
            found = seens[id(seen)] = (len(seens), seen)
        return found[0]

    def write(rows: list[Row]) -> None:
        """The chunk's patients, and the standings first met in it, written now."""
        nonlocal numbered
        if len(numbers) > STANDINGS_HELD:
            numbers.clear()
        new: list[tuple[int, int, str]] = []
        stored = []
        for rank, source_id, patient, mrn, standing, seen in rows:
            number = numbers.get(standing)
            if number is None:
                number = numbers[standing] = numbered
                numbered += 1
                fields = {name: getattr(standing, name) for name in STANDING_FIELDS}
                new.append((result.pk, number, dumps(fields).decode()))
            stored.append((result.pk, rank, source_id, patient, mrn, number, number_of_seen(seen)))
        insert_rows(AuditStanding, ("result_id", "number", "fields"), new, ids=False)
        insert_rows(AuditRow, ROW_COLUMNS, stored, ids=False)

    audit = compute(practice, month, write, progress)
    result.summary = dumps(summarize(audit)).decode()
    result.seen = [[list(s.ccm), list(s.apcm), s.needed] for _n, s in sorted(seens.values())]
    result.list_sizes = _mark(result)
    result.computed_at = timezone.now()
    AuditResult.objects.filter(pk=result.pk).update(
        summary=result.summary,
        seen=result.seen,
        list_sizes=result.list_sizes,
        computed_at=result.computed_at,
    )
    older = list(
        AuditResult.objects.filter(practice=practice, month=str(month), pk__lt=result.pk)
        .values_list("pk", flat=True)
    )  # fmt: skip
    if older:  # fast deletes: nothing points at rows, standings or marks
        AuditRow.objects.filter(result_id__in=older).delete()
        AuditStanding.objects.filter(result_id__in=older).delete()
        AuditMark.objects.filter(result_id__in=older).delete()
        AuditResult.objects.filter(pk__in=older).delete()
    return result


def _mark(result: AuditResult) -> dict[str, int]:
    """Store where every MARK_EVERY-th row of each list is (one INSERT … SELECT a list, the
    rows never leave the database) and return the lists' sizes: a page then neither skips nor
    counts rows."""
    quote = connection.ops.quote_name
    row, mark = quote(AuditRow._meta.db_table), quote(AuditMark._meta.db_table)
    with connection.cursor() as cursor:
        for listed, (above, most) in LISTS.items():
            cursor.execute(
                f"INSERT INTO {mark} (result_id, listed, position, rank, source_id, patient_id)"
                " SELECT result_id, %s, position, rank, source_id, patient_id FROM ("
                "  SELECT result_id, rank, source_id, patient_id, row_number() OVER"
                "  (ORDER BY rank, source_id, patient_id) - 1 AS position"
                f"  FROM {row} WHERE result_id = %s AND rank > %s AND rank <= %s) AS listed"
                " WHERE position > 0 AND position %% %s = 0",
                [listed, result.pk, above, most, MARK_EVERY],
            )
    sizes = {
        listed: Count("pk", filter=Q(rank__gt=above, rank__lte=most))
        for listed, (above, most) in LISTS.items()
    }
    return AuditRow.objects.filter(result=result).aggregate(**sizes)


def latest(practice: Practice, month: BillingMonth) -> AuditResult | None:
    """The practice's latest complete result of MONTH, if any."""
    return (
        AuditResult.objects.filter(practice=practice, month=str(month), computed_at__isnull=False)
        .order_by("-computed_at", "-pk")
        .first()
    )


def audit_summary(result: AuditResult) -> dict[str, Any]:
    """The JSON document but its patients, as it was computed (key order kept: stored as text)."""
    summary: dict[str, Any] = orjson.loads(result.summary)
    return summary


def _rows(result: AuditResult, listed: str | None = None) -> QuerySet[AuditRow, Any]:
    rows = AuditRow.objects.filter(result=result)
    if listed is not None:
        above, most = LISTS[listed]
        rows = rows.filter(rank__gt=above, rank__lte=most)
    return rows.order_by(*ORDER)


def _stored(
    result: AuditResult, rows: list[tuple[Any, ...]], known: dict[int, Standing]
) -> list[Row]:
    """Stored rows as audit Rows, with the standings they need (loaded once into KNOWN)."""
    missing = {row[4] for row in rows} - known.keys()
    if missing:
        found = AuditStanding.objects.filter(result=result, number__in=IdList(missing))
        for number, fields in found.values_list("number", "fields"):
            known[number] = _standing(fields)
    seen = _seen(result)
    return [
        (rank, source_id, pk, mrn, known[s], seen[v]) for rank, source_id, pk, mrn, s, v in rows
    ]


def _standing(fields: dict[str, Any]) -> Standing:
    """A Standing from its stored fields (JSON made its tuples lists)."""
    values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()}
    return Standing(**values)


def _seen(result: AuditResult) -> list[Seen]:
    if result.seen_parts is None:
        result.seen_parts = [
            Seen.stored(tuple(ccm), tuple(apcm), needed) for ccm, apcm, needed in result.seen
        ]
    return result.seen_parts


def stream(
    result: AuditResult, listed: str | None = None, chunk: int = 5000
) -> Iterator[list[Row]]:
    """The result's rows in order, CHUNK at a time; at most about 2 × CHUNK standings held."""
    known: dict[int, Standing] = {}
    batch: list[tuple[Any, ...]] = []
    columns = ("rank", "source_id", "patient_id", "mrn", "standing", "seen")
    for row in _rows(result, listed).values_list(*columns).iterator(chunk_size=chunk):
        batch.append(row)
        if len(batch) == chunk:
            if len(known) > chunk:
                known.clear()
            yield _stored(result, batch, known)
            batch = []
    if batch:
        yield _stored(result, batch, known)


def listed_count(result: AuditResult, listed: str) -> int:
    """How many patients one of the page's LISTS holds (stored with the result; counted for a
    result stored before the sizes were)."""
    size = result.list_sizes.get(listed)
    return _rows(result, listed).count() if size is None else size


def page(result: AuditResult, listed: str, number: int, size: int = 100) -> list[PatientGap]:
    """Page NUMBER (from 1) of one of the page's LISTS: the patients with names, for the screen."""
    return pages(result, {listed: number}, size)[listed]


def pages(
    result: AuditResult, numbers: dict[str, int], size: int = 100
) -> dict[str, list[PatientGap]]:
    """Page numbers[LISTED] of each list named, read together: a query a list for its rows, then
    one for all their standings and one for all their names (the page shows four lists)."""
    rows = {listed: _page_rows(result, listed, number, size) for listed, number in numbers.items()}
    listed_of = {row[2]: listed for listed, found in rows.items() for row in found}
    paged: dict[str, list[PatientGap]] = {listed: [] for listed in numbers}
    everyone = [row for found in rows.values() for row in found]
    for line in gaps(_stored(result, everyone, {})):
        paged[listed_of[line.pk]].append(line)
    return paged


def _page_rows(result: AuditResult, listed: str, number: int, size: int) -> list[tuple[Any, ...]]:
    """The stored rows of page NUMBER of LISTED.

    It reads the rows' index from the nearest mark before the page (`_mark`), skipping fewer
    than MARK_EVERY rows, where an OFFSET would step over every row before it (page 1,000:
    100,000); with no mark (a result stored before marks were) it skips them all."""
    start = (max(number, 1) - 1) * size
    rows = _rows(result, listed)
    at = start - start % MARK_EVERY
    key = AuditMark.objects.filter(result=result, listed=listed, position=at).values_list(
        "rank", "source_id", "patient_id"
    )
    found = key.first() if at else None
    if found is not None:
        table = connection.ops.quote_name(AuditRow._meta.db_table)
        key_columns = ", ".join(f"{table}.{column(concrete_field(AuditRow, c))}" for c in ORDER)
        from_mark = RawSQL(f"({key_columns}) >= (%s, %s, %s)", found, output_field=BooleanField())
        rows, start = rows.filter(from_mark), start - at
    columns = ("rank", "source_id", "patient_id", "mrn", "standing", "seen")
    return list(rows.values_list(*columns)[start : start + size])


def audit_json(result: AuditResult) -> dict[str, Any]:
    """The `ccm eligibility audit --json` document (docs/spec/cli.md), with extra fields, whole:
    for tests and small practices; `write_json` streams it."""
    return audit_summary(result) | {"patients": [orjson.loads(line) for line in _lines(result)]}


def _lines(result: AuditResult, chunk: int = 5000) -> Iterator[bytes]:
    """Each patient's JSON object: its standing's serialized parts around the patient's own
    source_id, mrn and visit reasons."""
    for rows in stream(result, chunk=chunk):
        for _rank, source_id, _pk, mrn, standing, seen in rows:
            ccm, apcm, extra = standing.reasons
            yield b'{"source_id":%s,"mrn":%s%s%s%s' % (
                dumps(source_id),
                dumps(mrn),
                standing.head,
                (ccm + seen.reasons[0] + apcm + seen.reasons[1] + extra)[1:],
                standing.tails[seen.needed],
            )


def write_json(result: AuditResult, out: IO[bytes], batch: int = 20000) -> None:
    """Write `orjson.dumps(audit_json(result))`, byte for byte, without building it whole
    (a million patients are ~750 MB of JSON), `batch` lines at a time."""
    out.write(result.summary.encode()[:-1] + b',"patients":[')
    lines: list[bytes] = []
    first = True
    for line in _lines(result, chunk=min(batch, 5000)):
        lines.append(line)
        if len(lines) == batch:
            out.write((b"" if first else b",") + b",".join(lines))
            lines, first = [], False
    if lines:
        out.write((b"" if first else b",") + b",".join(lines))
    out.write(b"]}")
