#!/usr/bin/env python3
"""Wall time of a whole audit when the infrastructure is not there: the profile's
nameserver is a UDP socket that never answers, or base_url's port is closed. The
preflight says each once, as the cause, within seconds; before it, every check waited out
its own DNS or connect timeout. Loopback only; release build.

    python3 bench/dead_infra.py [--runs N] [--no-build] [--binary PATH]
"""

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixture import ROOT, RELEASE, FixtureTarget  # noqa: E402


def once(binary, profile):
    start = time.perf_counter()
    code = subprocess.call(
        [binary, "run", "-c", profile, "-q"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    elapsed = time.perf_counter() - start
    if code not in (0, 1):
        sys.exit(f"launch-audit exited {code}")
    return elapsed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("--binary", default=os.path.join(RELEASE, "launch-audit"))
    options = parser.parse_args()
    if not options.no_build:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    silent.bind(("127.0.0.1", 0))
    dead_dns = "127.0.0.1:%d" % silent.getsockname()[1]
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    with FixtureTarget("hardened") as target:
        no_dns = target.write("dead-dns.toml", target.text.replace(target.dns, dead_dns))
        https = re.search(r'base_url = "https://app\.acme\.test:(\d+)', target.text).group(1)
        no_app = target.write(
            "dead-app.toml", target.text.replace(f":{https}", f":{closed_port}")
        )
        rows = [
            ("the nameserver never answers", [once(options.binary, no_dns) for _ in range(options.runs)]),
            ("base_url's port is closed (DNS up)", [once(options.binary, no_app) for _ in range(options.runs)]),
        ]

    def ms(values):
        return f"{statistics.median(values) * 1000:.0f} ms (max {max(values) * 1000:.0f} ms)"

    print(f"{os.cpu_count()} cores, {options.runs} runs each, {options.binary}\n")
    print("| whole audit of the fixture profile, when | wall time, median |")
    print("|---|---|")
    for name, values in rows:
        print(f"| {name} | {ms(values)} |")


if __name__ == "__main__":
    main()
