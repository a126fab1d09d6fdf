#!/usr/bin/env python3
"""From nothing to a verdict, timed: against the fixture target, `init --openapi URL
--probe` with two logins (the spec the app serves), then `run` on the profile it wrote.
Loopback only; release build.

    python3 bench/from_spec.py [--runs N] [--no-build]
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
PASSWORD = "correct-horse-battery-staple"  # the fixture users' password
CREDENTIALS = {
    "ALICE_USER": "alice@acme.test",
    "ALICE_PASSWORD": PASSWORD,
    "MALLORY_USER": "bob@globex.test",
    "MALLORY_PASSWORD": PASSWORD,
}


def once(target, run):
    env = dict(os.environ, **CREDENTIALS)
    profile = os.path.join(target.dir, f"from-spec-{run}.toml")
    spec = f"https://app.acme.test:{target.port}/openapi.json"
    start = time.perf_counter()
    subprocess.run(
        [BINARY, "init", "--openapi", spec, "--probe", "--nameserver", target.dns,
         "--ca-file", target.ca, "--out", profile],
        env=env, check=True, stdout=subprocess.DEVNULL,
    )
    init = time.perf_counter() - start
    code = subprocess.call([BINARY, "run", "-c", profile, "-q"], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if code not in (0, 1):
        sys.exit(f"run exited {code}")
    return init, time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-build", action="store_true")
    options = parser.parse_args()
    if not options.no_build:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    with FixtureTarget("vulnerable") as target:
        times = [once(target, i) for i in range(options.runs)]

    def ms(values):
        return f"{statistics.median(values) * 1000:.0f} ms (max {max(values) * 1000:.0f} ms)"

    print(f"{os.cpu_count()} cores, {options.runs} runs, release build\n")
    print("| from the served spec and two logins | wall time, median |")
    print("|---|---|")
    print(f"| `init --openapi URL --probe` | {ms([t[0] for t in times])} |")
    print(f"| init, then `run` to the verdict | {ms([t[1] for t in times])} |")


if __name__ == "__main__":
    main()
