"""An independent reading of spec/month-contract.md, checked against the rules core.

The cases in tests/acceptance/month_cases.json were written from the spec alone (before
reading src/ccm/rules), the way the hidden acceptance cases are: so a failure here is a
place where the core and a careful reader of the spec disagree. Cases marked
`ambiguous` are skipped with the note saying which readings the spec allows.
"""

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ccm.rules.command import main as rules_main
from ccm.rules.contract import case_from_json, result_to_json
from ccm.rules.month import evaluate_month

CASES_FILE = Path(__file__).resolve().parents[1] / "acceptance" / "month_cases.json"
CASES: list[dict[str, Any]] = json.loads(CASES_FILE.read_text())
MONTH_CASES = [c for c in CASES if "error_field" not in c["expect"]]
ERROR_CASES = [c for c in CASES if "error_field" in c["expect"]]


def _param(item: dict[str, Any]) -> Any:
    marks = [pytest.mark.skip(reason=item["note"])] if item.get("ambiguous") else []
    return pytest.param(item, id=item["name"], marks=marks)


def _differences(expect: dict[str, Any], got: dict[str, Any]) -> list[str]:
    """Only the fields the case states are compared; `minutes` only on the keys it gives.

    `findings_mention` lists figures (the other options' totals) that some finding must
    name: the contract says "Name the others in findings with their totals".
    """
    diffs = []
    findings = got.get("findings") or []
    for rule in [
        f.get("rule", "") for f in findings if not f.get("rule", "").startswith("cms-rules §")
    ]:
        diffs.append(f"finding rule {rule!r} does not name a cms-rules section")
    if not got.get("lines") and not findings:
        diffs.append("a month with no lines has no finding saying why")
    text = " ".join(f.get("text", "") for f in findings)
    for figure in expect.get("findings_mention", []):
        if figure not in text:
            diffs.append(f"findings: no finding names {figure}")
    for field, want in expect.items():
        if field == "findings_mention":
            continue
        have = got.get(field)
        if field == "minutes" and isinstance(have, dict):
            have = {k: have.get(k) for k in want}
        if have != want:
            diffs.append(f"{field}: expected {want!r}, got {have!r}")
    return diffs


@pytest.mark.parametrize("item", [_param(c) for c in MONTH_CASES])
def test_month_case(item: dict[str, Any]) -> None:
    got = result_to_json(evaluate_month(case_from_json(item["case"])))
    assert not _differences(item["expect"], got), "\n".join(_differences(item["expect"], got))


@pytest.mark.parametrize("item", [_param(c) for c in ERROR_CASES])
def test_malformed_case_names_the_field(
    item: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(item["case"]))
    try:
        code = rules_main(["rules", "month", str(path), "--json"])
    except SystemExit as stop:
        code = stop.code
    out = capsys.readouterr()
    assert code not in (0, None)
    assert out.out.strip() == ""
    assert item["expect"]["error_field"] in out.err


def test_not_json_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "case.json"
    path.write_text("{not json")
    try:
        code = rules_main(["rules", "month", str(path), "--json"])
    except SystemExit as stop:
        code = stop.code
    assert code not in (0, None)
    assert capsys.readouterr().err.strip()


def test_cli_reads_stdin() -> None:
    """The real command, as the hidden acceptance cases call it: `ccm rules month - --json`."""
    ccm = Path(sys.executable).parent / "ccm"
    if not ccm.exists():
        pytest.skip("the ccm console script is not installed in this environment")
    item = next(c for c in MONTH_CASES if c["name"] == "complex-moderate-95-min-complex-wins")
    done = subprocess.run(
        [str(ccm), "rules", "month", "-", "--json"],
        input=json.dumps(item["case"]),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert not _differences(item["expect"], got), "\n".join(_differences(item["expect"], got))
