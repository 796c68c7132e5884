"""The spec's worked examples (shared/spec/examples/*.json) pass field for field, in process and by the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ccm.rules.contract import case_from_json, result_to_json
from ccm.rules.month import evaluate_month

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
EXAMPLES = sorted((SHARED / "spec" / "examples").glob("*.json"))
pytestmark = pytest.mark.skipif(not EXAMPLES, reason=f"no spec examples under {SHARED}")


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example(path: Path) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    got = result_to_json(evaluate_month(case_from_json(doc["case"])))
    for key, expected in doc["expect"].items():
        assert got[key] == expected, key
    assert all(f["rule"].startswith("cms-rules §") for f in got["findings"])


def _cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "ccm.rules.command", *args],
        input=stdin,
        capture_output=True,
        check=False,
    )


def test_cli_prints_one_json_document() -> None:
    path = next(p for p in EXAMPLES if p.stem == "complex-pays-more-at-95-minutes")
    doc = json.loads(path.read_text(encoding="utf-8"))
    proc = _cli("rules", "month", "-", "--json", stdin=json.dumps(doc["case"]).encode())
    assert proc.returncode == 0, proc.stderr
    got: dict[str, Any] = json.loads(proc.stdout)
    for key, expected in doc["expect"].items():
        assert got[key] == expected


def test_cli_reads_a_file_and_names_a_bad_field(tmp_path: Path) -> None:
    doc = json.loads(EXAMPLES[0].read_text(encoding="utf-8"))
    good = tmp_path / "case.json"
    good.write_text(json.dumps(doc["case"]))
    proc = _cli("rules", "month", str(good))  # piped: the contract's JSON, as written in the spec
    assert proc.returncode == 0 and json.loads(proc.stdout)["month"] == doc["case"]["month"]
    proc = _cli("rules", "month", str(good), "--text")
    assert proc.returncode == 0 and b"total $" in proc.stdout and b"cms-rules" in proc.stdout
    doc["case"]["time"] = [
        {"date": "2026-03-01", "minutes": -5, "performer": "clinical_staff", "service": "ccm"}
    ]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc["case"]))
    proc = _cli("rules", "month", str(bad), "--json")
    assert proc.returncode != 0
    assert proc.stdout == b""
    assert b"time[0].minutes: must be a non-negative integer" in proc.stderr
