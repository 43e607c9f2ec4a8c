"""BOLD extraction speed: one fMRIPrep run through ``extract_bold``.

Writes one synthetic fMRIPrep run with ``write_bold`` in the size of a real
one (whole MNI152 box at 3 mm, 61 x 73 x 61 voxels, 300 volumes at TR 2 s:
a 10-minute run; noise in every voxel, so the ``.nii.gz`` compresses like
real data) with a planted sgACC-DLPFC Fisher z, then times ``extract_bold``
(decompress and load, confounds by nilearn's ``simple`` strategy and, in a
second row, ``scrubbing``, band-pass, two 10 mm seed spheres, Fisher z).
The first call includes importing nilearn; the table gives the median wall
and CPU time of the following repeats (wall time depends on what else the
machine runs) and the error against the planted value.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from predict.raw._bold import BoldOptions, extract_bold
from predict.raw._bold_write import write_bold

PLANTED = -0.35


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volumes", type=int, default=300)
    parser.add_argument("--voxel-mm", type=float, default=3.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        path = write_bold(
            Path(tmp),
            "bench",
            {"fc_sgacc_dlpfc_z": PLANTED},
            seed=0,
            n_volumes=args.volumes,
            voxel_mm=args.voxel_mm,
            fov="brain",
            spikes=6,
        )
        written = time.perf_counter() - start
        size = path.stat().st_size / 2**20
        print(
            f"machine: {platform.processor() or platform.machine()}, "
            f"{os.cpu_count()} cores; wrote {path.name} ({size:.0f} MB) in "
            f"{written:.1f} s"
        )
        start = time.perf_counter()
        extract_bold(path)
        print(f"first call (imports nilearn): {time.perf_counter() - start:.2f} s")
        print(
            "| strategy | frames kept | wall s per run (median) | CPU s per run "
            "(median) | z error |"
        )
        print("|---|---|---|---|---|")
        for strategy in ("simple", "scrubbing"):
            options = BoldOptions(strategy=strategy)
            times, cpu, extraction = [], [], None
            for _ in range(args.repeats):
                start, start_cpu = time.perf_counter(), time.process_time()
                extraction = extract_bold(path, options)
                times.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
            assert extraction is not None
            error = extraction.markers["fc_sgacc_dlpfc_z"] - PLANTED
            print(
                f"| {strategy} | {extraction.qc['frames_kept']} of "
                f"{extraction.qc['frames']} | {statistics.median(times):.2f} | "
                f"{statistics.median(cpu):.2f} | {error:+.4f} |"
            )


if __name__ == "__main__":
    main()
