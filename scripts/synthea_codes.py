"""List the distinct SNOMED CT codes in Synthea Condition and Encounter resources, with counts.

Used to curate ``src/ccm/codes/data/snomed_groups.csv`` and the office-visit encounter set.
    .venv/bin/python scripts/synthea_codes.py [SHARED_DATA_DIR] [Condition|Encounter]
"""

from __future__ import annotations

import gzip
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson


def resources(shared: Path, kind: str) -> Iterator[dict[str, Any]]:
    for path in sorted((shared / "synthea_r4_bundles_dev" / "bundles").glob("*.json.gz")):
        bundle = orjson.loads(gzip.decompress(path.read_bytes()))
        for entry in bundle.get("entry", []):
            if entry["resource"]["resourceType"] == kind:
                yield entry["resource"]
    ndjson = shared / "synthea_bulk_ndjson_10_patients" / f"{kind}.000.ndjson"
    if ndjson.exists():
        with ndjson.open("rb") as f:
            for line in f:
                yield orjson.loads(line)


def main(argv: list[str]) -> None:
    repo = Path(__file__).resolve().parents[1]
    shared = Path(argv[1]) if len(argv) > 1 else repo.parent / "shared" / "data"
    kind = argv[2] if len(argv) > 2 else "Condition"
    counts: Counter[tuple[str, str, str]] = Counter()
    for res in resources(shared, kind):
        concepts = [res["code"]] if kind == "Condition" else res.get("type", [])
        cls = res.get("class", {}).get("code", "") if kind == "Encounter" else ""
        for concept in concepts:
            for coding in concept.get("coding", []):
                counts[(coding.get("code", ""), coding.get("display", ""), cls)] += 1
    for (code, display, cls), n in counts.most_common():
        print(f"{n}\t{code}\t{cls}\t{display}")


if __name__ == "__main__":
    main(sys.argv)
