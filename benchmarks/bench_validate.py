"""``rtms-predict validate`` wall time on 600 patients, as a user runs it.

Each run is a fresh process (interpreter start, imports, reading, checking,
summarising, printing), with and without ``--site-diagnostics``; the best and
the median of ``--repeat`` runs are printed with the machine's load.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from predict import simulate_cohort


def _time(command: list[str], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=600)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    cli = str(Path(sys.executable).with_name("rtms-predict"))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cohort.csv"
        simulate_cohort(args.patients, seed=0).to_csv(path, index=False)
        for extra in ([], ["--site-diagnostics"]):
            times = _time([cli, "validate", str(path), *extra], args.repeat)
            label = " ".join(["validate", *extra])
            print(
                f"{label}: {args.patients} patients, best {min(times):.2f} s, "
                f"median {statistics.median(times):.2f} s ({args.repeat} runs)"
            )
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, load average {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
