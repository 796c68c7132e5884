"""Synthea's R4 bundles (a bundle a patient) as a bulk-export folder: one NDJSON file a
resource type, one compact resource a line, for the import bench on a larger input.

    python bench/bundles_to_ndjson.py OUT_FOLDER [BUNDLE_FOLDER]

BUNDLE_FOLDER defaults to ../shared/data/synthea_r4_bundles_dev/bundles (200 patients:
69,588 lines, 90 MB). The folder is written outside the repo (the data is not ours to copy).
"""

import gzip
import sys
from pathlib import Path

import orjson

DEFAULT = Path(__file__).resolve().parents[2] / "shared/data/synthea_r4_bundles_dev/bundles"


def main() -> None:
    out = Path(sys.argv[1])
    source = Path(sys.argv[2]) if len(sys.argv) > 2 else DEFAULT
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, object] = {}
    lines = 0
    for path in sorted(source.glob("*.json*")):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as stream:
            bundle = orjson.loads(stream.read())
        for entry in bundle.get("entry", []):
            resource = entry["resource"]
            kind = resource["resourceType"]
            if kind not in files:
                files[kind] = (out / f"{kind}.ndjson").open("wb")
            files[kind].write(orjson.dumps(resource) + b"\n")  # type: ignore[attr-defined]
            lines += 1
    for stream in files.values():
        stream.close()  # type: ignore[attr-defined]
    print(f"{lines} lines in {len(files)} files under {out}")


if __name__ == "__main__":
    main()
