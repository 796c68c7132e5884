"""The leaner month record study (issue 17): what typed findings and compact inputs would save.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ccm_bench_close \\
        .venv/bin/python bench/bench_month_record.py

Reads the PatientMonth rows a close left (bench/bench_close.py fills and closes a month), and
writes each row's inputs and findings two ways: as stored today (findings as English text with
their citation, inputs as the contract's JSON object), and leaner (a finding as its rule's
number and the values in its text; inputs as positional arrays, defaults dropped). Prints the
average sizes (pg_column_size of jsonb) and the time to COPY all the rows into a copy of the
table (`CREATE TABLE … (LIKE billing_patientmonth INCLUDING ALL)`: the same columns, defaults
and indexes, no foreign keys), best of three, both forms in the same run. Changes nothing in
the table it reads.
"""

from __future__ import annotations

import io
import os
import re
import sys
import time

import orjson
import psycopg

NUMBERS = re.compile(r"\d[\dA-Z.\-]*|[A-Z]\d{3,4}[A-Z]?")


def lean_findings(findings: list[dict[str, str]]) -> list[list[object]]:
    """A finding as [section, values…]: the text is the rules' words around these values, so
    the rules can write it again (a real change would store the `Rule` member's number)."""
    return [[f["rule"].removeprefix("cms-rules "), *NUMBERS.findall(f["text"])] for f in findings]


def lean_inputs(inputs: dict[str, object]) -> list[object]:
    """The contract's case as positional arrays in a fixed order, nulls and empties dropped."""
    p: dict[str, object] = inputs.get("patient") or {}  # type: ignore[assignment]
    s: dict[str, object] = inputs.get("practice") or {}  # type: ignore[assignment]
    e: dict[str, object] = inputs.get("enrollment") or {}  # type: ignore[assignment]
    time_entries: list[dict[str, object]] = inputs.get("time") or []  # type: ignore[assignment]
    return [
        inputs.get("month"),
        [p.get("medicare_part_b"), p.get("qmb"), p.get("chronic_conditions")],
        [s.get("setting"), s.get("locality"), s.get("qualifying_apm")],
        [
            e.get(k)
            for k in (
                "program",
                "consent_date",
                "care_plan_date",
                "initiating_visit_date",
                "consent_revoked_date",
            )
        ],  # fmt: skip
        inputs.get("mdm"),
        [
            [t.get("date"), t.get("minutes"), t.get("service"), t.get("performer")]
            for t in time_entries
        ],  # fmt: skip
        inputs.get("other_services") or None,
    ]


def main() -> None:
    dsn = os.environ.get("DATABASE_URL") or sys.exit("set DATABASE_URL to a closed bench_close db")
    with psycopg.connect(dsn, autocommit=True) as db:
        columns = [
            r[0]
            for r in db.execute(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_name = 'billing_patientmonth' ORDER BY ordinal_position"
            )
        ]
        rows = db.execute(f"SELECT {', '.join(columns)} FROM billing_patientmonth").fetchall()
        if not rows:
            sys.exit("no PatientMonth rows: run bench/bench_close.py first")
        at = {c: i for i, c in enumerate(columns)}
        forms = {"today": [], "lean": []}
        for row in rows:
            forms["today"].append(row)
            lean = list(row)
            lean[at["findings"]] = lean_findings(row[at["findings"]])
            lean[at["inputs"]] = lean_inputs(row[at["inputs"]])
            forms["lean"].append(tuple(lean))
        texts = {}
        for name, form in forms.items():
            out = io.StringIO()
            for row in form:
                out.write("\t".join(_text(v) for v in row) + "\n")
            texts[name] = out.getvalue()
        print(f"{len(rows):,} month rows; load average {os.getloadavg()[0]:.1f}")
        for name in forms:
            table = f"bench_pm_{name}"
            best = float("inf")
            for _ in range(3):
                db.execute(f"DROP TABLE IF EXISTS {table}")
                db.execute(f"CREATE TABLE {table} (LIKE billing_patientmonth INCLUDING ALL)")
                start = time.perf_counter()
                with (
                    db.transaction(),
                    db.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
                ):
                    copy.write(texts[name])
                best = min(best, time.perf_counter() - start)
            sizes = db.execute(
                f"SELECT avg(pg_column_size(t.*)), avg(pg_column_size(inputs)),"
                f" avg(pg_column_size(findings)), pg_total_relation_size('{table}')"
                f" FROM {table} t"
            ).fetchone()
            assert sizes is not None
            row_b, inputs_b, findings_b, total = sizes
            print(
                f"{name}: row {row_b:.0f} B (inputs {inputs_b:.0f} B, findings {findings_b:.0f} B),"
                f" table with indexes {total / 1e6:.1f} MB; COPY of all rows {best:.2f} s (best of 3)"
            )
            db.execute(f"DROP TABLE {table}")


def _text(value: object) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, (dict, list)):
        value = orjson.dumps(value).decode()
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


if __name__ == "__main__":
    main()
