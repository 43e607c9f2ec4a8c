"""``rtms-predict validate`` wall time on 600 patients, as a user runs it.

Each run is a fresh process (interpreter start, imports, reading, checking,
summarising, printing), with and without ``--site-diagnostics``; the best and
the median wall time of ``--repeat`` runs are printed with the CPU time each
run used (user + system, from the child's resource usage: what the run costs
when other jobs share the cores) and the machine's load.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from predict import simulate_cohort


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _time(command: list[str], repeat: int) -> tuple[list[float], list[float]]:
    """Return the wall and CPU seconds of each of ``repeat`` runs."""
    walls, cpus = [], []
    for _ in range(repeat):
        cpu = _cpu()
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        walls.append(time.perf_counter() - start)
        cpus.append(_cpu() - cpu)
    return walls, cpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=600)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    cli = str(Path(sys.executable).with_name("rtms-predict"))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cohort.csv"
        simulate_cohort(args.patients, seed=0).to_csv(path, index=False)
        load = os.getloadavg()[0]
        for extra in ([], ["--site-diagnostics"]):
            walls, cpus = _time([cli, "validate", str(path), *extra], args.repeat)
            label = " ".join(["validate", *extra])
            print(
                f"{label}: {args.patients} patients, wall best {min(walls):.2f} s, "
                f"median {statistics.median(walls):.2f} s; CPU (user + system) "
                f"best {min(cpus):.2f} s, median {statistics.median(cpus):.2f} s "
                f"({args.repeat} runs)"
            )
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, load average {load:.2f} before, "
        f"{os.getloadavg()[0]:.2f} after"
    )


if __name__ == "__main__":
    main()
