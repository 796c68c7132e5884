"""The `ccm rules …` and `ccm fees …` commands: the CLI edge of the pure rules core."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import orjson

from ccm.rules.contract import case_from_json, month_to_json
from ccm.rules.fees import FeeSchedule, FeeScheduleError, load_cms_files


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ccm")
    top = parser.add_subparsers(dest="group", required=True)
    rules = top.add_parser("rules", help="CMS billing rules").add_subparsers(
        dest="command", required=True
    )
    month = rules.add_parser("month", help="one patient-month in, lines and reasons out")
    month.add_argument("case", help="CASE.json, or - for stdin")
    month.add_argument("--json", action="store_true", help="print the contract's JSON document")
    month.add_argument(
        "--text", action="store_true", help="print a readable summary even when piped"
    )
    month.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="data directory (default $CCM_DATA_DIR or ./var)",
    )
    fees = top.add_parser("fees", help="fee schedule data").add_subparsers(
        dest="command", required=True
    )
    load = fees.add_parser("load", help="load CMS PPRRVU and GPCI files for a year")
    load.add_argument("--year", type=int, required=True)
    load.add_argument("--rvu", type=Path, required=True, help="CMS PPRRVU CSV")
    load.add_argument("--gpci", type=Path, required=True, help="CMS GPCI CSV")
    load.add_argument(
        "--counties",
        type=Path,
        default=None,
        help="CMS counties-per-locality CSV (e.g. 25LOCCO.csv): practices pick localities by county",
    )
    load.add_argument("--data-dir", type=Path, default=None)
    return parser


def main(argv: list[str]) -> int:
    """Run `rules month CASE.json [--json|--text]` or `fees load --year Y --rvu F --gpci F`; errors go to stderr."""
    args = _parser().parse_args(argv)
    data_dir: Path = args.data_dir or Path(os.environ.get("CCM_DATA_DIR") or "var")
    fee_dir = data_dir / "fees"
    try:
        if args.group == "fees":
            for path in load_cms_files(args.year, args.rvu, args.gpci, fee_dir, args.counties):
                print(f"wrote {path}")
            return 0
        raw = sys.stdin.buffer.read() if args.case == "-" else Path(args.case).read_bytes()
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise ValueError(f"{args.case}: not JSON ({exc})") from None
        if isinstance(obj, dict) and "case" in obj and "month" not in obj:
            obj = obj["case"]
        doc = month_to_json(case_from_json(obj), FeeSchedule.load(fee_dir))
    except (ValueError, OSError) as exc:
        kind = "fee schedule" if isinstance(exc, FeeScheduleError) else "error"
        print(f"ccm: {kind}: {exc}", file=sys.stderr)
        return 2
    # The contract: `ccm rules month CASE.json` prints JSON. A person at a terminal gets a summary.
    if args.json or not (args.text or sys.stdout.isatty()):
        sys.stdout.write(orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode() + "\n")
        return 0
    print(f"{doc['month']}: {'billable' if doc['billable'] else 'nothing to bill'}")
    for line in doc["lines"]:
        print(f"  {line['code']} × {line['units']}  {line['service_date']}  ${line['amount']}")
    print(f"  total ${doc['total']}, patient coinsurance ${doc['coinsurance']}")
    m = doc["minutes"]
    print(
        f"  minutes: clinical staff {m['clinical_staff']}, practitioner {m['practitioner']}, counted {m['counted']}"
    )
    if doc["next"]:
        print(f"  next: {doc['next']['code']} in {doc['next']['minutes_needed']} more min")
    for finding in doc["findings"]:
        print(f"  [{finding['rule']}] {finding['text']}")
    claim = doc["institutional"]
    if claim is not None:
        print(f"  institutional claim, type of bill {claim['type_of_bill']}:")
        for line in claim["lines"]:
            print(
                f"    {line['revenue_code']} {line['code']} × {line['units']}  "
                f"{line['service_date']}  ${line['amount']}"
            )
        print(f"    total ${claim['total']}, patient coinsurance ${claim['coinsurance']}")
        for finding in claim["findings"]:
            print(f"    [{finding['rule']}] {finding['text']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
