#!/usr/bin/env python3
"""Peak RSS and wall time of a whole audit of the hostile target (`fixture-target hostile`):
bodies that never end, 100 MB and gzip-bomb answers, a 12 MiB script, 256 KiB of headers,
silence and resets. Loopback only; release build.

    python3 bench/hostile.py [--runs N] [--no-build]

Peak RSS comes from GNU time (`/usr/bin/time`, Debian package `time`). Prints one line per
run and a Markdown row for docs/benchmarks.md; exits 1 when a run's peak is over the aim.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RELEASE = os.path.join(ROOT, "target", "release")
GNU_TIME = "/usr/bin/time"
AIM_MIB = 64


def audit_once():
    """Starts the hostile target, audits it once; returns (seconds, peak MiB, exit code)."""
    work = tempfile.mkdtemp(prefix="bench-hostile-")
    target = subprocess.Popen(
        [os.path.join(RELEASE, "fixture-target"), "hostile", work],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        info = json.loads(target.stdout.readline())
        profile = info["profile"]
        rss = os.path.join(work, "rss")
        start = time.perf_counter()
        code = subprocess.call(
            [GNU_TIME, "-o", rss, "-f", "%M", os.path.join(RELEASE, "launch-audit"),
             "run", "-c", profile, "-q", "--format", "json", "--out",
             os.path.join(work, "run.json")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        elapsed = time.perf_counter() - start
        peak_kib = int(open(rss).read().strip().splitlines()[-1])
        return elapsed, peak_kib / 1024.0, code
    finally:
        target.stdin.close()
        try:
            target.wait(timeout=30)
        except subprocess.TimeoutExpired:
            target.kill()
        shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-build", action="store_true")
    options = parser.parse_args()
    if not shutil.which(GNU_TIME):
        sys.exit("needs GNU time: apt-get install time")
    if not options.no_build:
        subprocess.run(["cargo", "build", "--release", "--quiet", "--workspace"],
                       cwd=ROOT, check=True)
    runs = []
    for n in range(options.runs):
        elapsed, peak, code = audit_once()
        if code != 1:
            sys.exit(f"run {n + 1}: exit {code}, expected 1 (NOT READY)")
        print(f"run {n + 1}: {elapsed:.1f} s, peak RSS {peak:.1f} MiB")
        runs.append((elapsed, peak))
    peaks = [p for _, p in runs]
    times = [t for t, _ in runs]
    print(f"| hostile audit ({options.runs} runs) | {statistics.median(times):.1f} s "
          f"| {statistics.median(peaks):.1f} MiB (max {max(peaks):.1f}) | ≤ {AIM_MIB} MiB |")
    if max(peaks) > AIM_MIB:
        sys.exit(f"peak RSS {max(peaks):.1f} MiB over the {AIM_MIB} MiB aim")


if __name__ == "__main__":
    main()
