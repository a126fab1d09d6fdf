#!/usr/bin/env python3
"""Wall time and peak RSS of both demos, `launch-audit demo` (the vulnerable target,
exit 1) and `demo --hardened` (exit 0), fixture start included, and start-up time of
`launch-audit --help`. Aim (issue #36): each demo at most 2 s median. Loopback only.

    python3 bench/demo.py [--runs N] [--no-build]

Prints a Markdown table for the README. Peak RSS comes from GNU time (`/usr/bin/time`,
Debian package `time`): measured from Python itself, a forked child would inherit the
interpreter's RSS high-water mark.
"""

import argparse
import os
import statistics
import subprocess
import shutil
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, "target", "release", "launch-audit")


GNU_TIME = "/usr/bin/time"


def measure(args, expect_exit):
    """Runs the binary once under GNU time; returns (seconds, peak RSS in MiB)."""
    with tempfile.NamedTemporaryFile("r") as report:
        start = time.perf_counter()
        code = subprocess.call(
            [GNU_TIME, "-o", report.name, "-f", "%M", BINARY, *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        elapsed = time.perf_counter() - start
        peak_kib = int(report.read().strip().splitlines()[-1])
    if code != expect_exit:
        sys.exit(f"{' '.join(args)} exited {code}, expected {expect_exit}")
    return elapsed, peak_kib / 1024.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--no-build", action="store_true")
    options = parser.parse_args()
    if not shutil.which(GNU_TIME):
        sys.exit("needs GNU time: apt-get install time")
    if not options.no_build:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)

    measure(["demo", "--hardened"], 0)  # warm the page cache
    hardened = [measure(["demo", "--hardened"], 0) for _ in range(options.runs)]
    vulnerable = [measure(["demo"], 1) for _ in range(options.runs)]
    help_runs = [measure(["--help"], 0) for _ in range(options.runs)]

    def ms(values):
        return f"{statistics.median(values) * 1000:.0f} ms (max {max(values) * 1000:.0f} ms)"

    print(f"{os.cpu_count()} cores, {options.runs} runs each, release build\n")
    print("| what | wall time, median | peak RSS, max |")
    print("|---|---|---|")
    for name, runs in (("demo", vulnerable), ("demo --hardened", hardened)):
        print(f"| `{name}` | {ms([d[0] for d in runs])} | {max(d[1] for d in runs):.1f} MiB |")
    print(f"| `--help` | {ms([h[0] for h in help_runs])} | {max(h[1] for h in help_runs):.1f} MiB |")


if __name__ == "__main__":
    main()
