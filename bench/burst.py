#!/usr/bin/env python3
"""Wall time of a rate-limit burst against a login that slows every failure by 500 ms (the
fixture's `POST /auth/slow-login`, limited from the 6th failure per email when hardened):
the audit's concurrent burst against the same burst with `pace` set, which sends one
attempt at a time. Loopback only; release build.

    python3 bench/burst.py [--runs N] [--no-build]
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixture import ROOT, RELEASE, FixtureTarget  # noqa: E402

BINARY = os.path.join(RELEASE, "launch-audit")

ENTRY = """
[[rate_limits]]
name = "slow-login"
path = "/auth/slow-login"
body = {{ email = "nobody+{run}@acme.test", password = "wrong" }}
max_attempts = 10
burst = 20
{pace}
"""


def once(target, run, pace):
    # A fresh email per run: the fixture limits per email, and a burst must start unlimited.
    text = target.text + ENTRY.format(run=run, pace=f'pace = "{pace}"' if pace else "")
    profile = target.write(f"burst-{run}.toml", text)
    start = time.perf_counter()
    code = subprocess.call(
        [BINARY, "run", "-c", profile, "-q", "--only", "ratelimit.slow-login"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    elapsed = time.perf_counter() - start
    if code not in (0, 1):
        sys.exit(f"launch-audit exited {code}")
    return elapsed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-build", action="store_true")
    options = parser.parse_args()
    if not options.no_build:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    with FixtureTarget("hardened") as target:
        concurrent = [once(target, f"c{i}", None) for i in range(options.runs)]
        # 1 ms apart is "one at a time": a paced burst waits for each answer.
        serial = [once(target, f"s{i}", "1ms") for i in range(options.runs)]

    def ms(values):
        return f"{statistics.median(values) * 1000:.0f} ms (max {max(values) * 1000:.0f} ms)"

    print(f"{os.cpu_count()} cores, {options.runs} runs each, release build\n")
    print("| burst against a login that slows failures by 500 ms | wall time, median |")
    print("|---|---|")
    print(f"| concurrent (6 in flight after the first attempt) | {ms(concurrent)} |")
    print(f"| one at a time (`pace` set) | {ms(serial)} |")


if __name__ == "__main__":
    main()
