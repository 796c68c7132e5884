"""`make bench`: the quick benchmarks, at sizes that finish in minutes on a laptop.

The full-scale runs (1,000,000 patient-months, the month close and the audit on
PostgreSQL) take their own commands, listed with their results in bench/RESULTS.md.
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUICK = [
    ["bench_month.py", "--n", "200000"],
    ["population.py", "--n", "100000"],
    ["bench_837p.py", "--claims", "20000"],
    ["bench_import.py"],
]


def main() -> int:
    failed = 0
    for script, *args in QUICK:
        print(f"\n== {script} {' '.join(args)}", flush=True)
        failed |= subprocess.call([sys.executable, str(HERE / script), *args])
    return failed


if __name__ == "__main__":
    sys.exit(main())
