#!/usr/bin/env python3
"""The email family against a domain whose SPF tree needs exactly 10 lookups
(tenlookups.test in fixtures/zones/test.zone), over loopback UDP: wall time and number of
DNS queries; and, where checkdmarc installs from PyPI into a throwaway virtualenv, the same
domain and nameserver through checkdmarc, with both times, the ratio and verdict agreement.

    python3 bench/email.py [--runs N] [--no-build] [--no-checkdmarc]
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

from fixture import RELEASE, ROOT, FixtureTarget

DOMAIN = "tenlookups.test"

CHECKDMARC_SNIPPET = """
import json, sys, time
import dns.resolver
import checkdmarc
host, port, domain = sys.argv[1], int(sys.argv[2]), sys.argv[3]
resolver = dns.resolver.Resolver(configure=False)
resolver.nameservers = [host]
resolver.port = port
start = time.perf_counter()
result = checkdmarc.check_domains([domain], resolver=resolver, skip_tls=True, timeout=2.0)
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "result": result}, default=str))
"""


class Fixture(FixtureTarget):
    """The hardened target, its profile rewritten to audit DOMAIN."""

    def __enter__(self):
        super().__enter__()
        self.dns_host, self.dns_port = self.dns.rsplit(":", 1)
        text = self.text.replace('domain = "acme.test"', f'domain = "{DOMAIN}"')
        text = re.sub(r'dkim_selectors = \[[^\]]*\]', 'dkim_selectors = ["s2"]', text)
        text = re.sub(r'senders = \[[^\]]*\]', 'senders = ["192.0.2.1", "198.51.100.7"]', text)
        open(self.profile, "w").write(text)
        return self


def audit(fixture):
    start = time.perf_counter()
    out = subprocess.run(
        [os.path.join(RELEASE, "launch-audit"), "run", "-c", fixture.profile, "--only", "email", "--format", "json"],
        capture_output=True, text=True,
    )
    return time.perf_counter() - start, json.loads(out.stdout)


def our_verdicts(report):
    by_id = {r["id"]: r for r in report["results"]}
    spf = by_id["email.spf"]
    tree = next(o["detail"] for o in spf["evidence"] if o["subject"].startswith("include tree"))
    lookups = int(re.search(r"total (\d+) DNS-querying terms", tree).group(1))
    dmarc_record = next(o["detail"] for o in by_id["email.dmarc"]["evidence"] if o["detail"].startswith("`v=DMARC1"))
    return {
        "spf_valid": spf["status"] in ("PASS", "WARN"),
        "spf_lookups": lookups,
        "dmarc_policy": re.search(r"p=(\w+)", dmarc_record).group(1),
        "mx_present": by_id["email.mx"]["status"] == "PASS",
    }


def checkdmarc_verdicts(result):
    spf, dmarc, mx = result.get("spf", {}), result.get("dmarc", {}), result.get("mx", {})
    policy = (dmarc.get("tags", {}).get("p") or {}).get("value")
    return {
        "spf_valid": bool(spf.get("valid")),
        "spf_lookups": spf.get("dns_lookups"),
        "dmarc_policy": policy,
        "mx_present": bool(mx.get("hosts")),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("--no-checkdmarc", action="store_true")
    options = parser.parse_args()
    if not options.no_build:
        subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "launch-audit", "--bin", "fixture-target"], cwd=ROOT, check=True)

    with Fixture() as fixture:
        _, report = audit(fixture)
        counts = fixture.counts()
    ours = our_verdicts(report)
    with Fixture() as fixture:
        times = [audit(fixture)[0] for _ in range(options.runs)]
    print(f"launch-audit --only email on {DOMAIN}: median {statistics.median(times) * 1000:.0f} ms "
          f"(max {max(times) * 1000:.0f} ms) over {options.runs} runs; {counts['dns_queries']} DNS queries in one audit")
    print(f"  verdicts: {ours}")

    if options.no_checkdmarc:
        return
    venv = tempfile.mkdtemp(prefix="checkdmarc-venv-")
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    python = os.path.join(venv, "bin", "python")
    install = subprocess.run([python, "-m", "pip", "install", "-q", "checkdmarc"], capture_output=True, text=True)
    if install.returncode != 0:
        print(f"checkdmarc could not be installed: {install.stderr.strip()[-300:]}")
        return
    version = subprocess.run([python, "-m", "pip", "show", "checkdmarc"], capture_output=True, text=True).stdout.split("\n")[1]
    with Fixture() as fixture:
        theirs_times, theirs = [], None
        for _ in range(options.runs):
            start = time.perf_counter()
            out = subprocess.run([python, "-c", CHECKDMARC_SNIPPET, fixture.dns_host, fixture.dns_port, DOMAIN], capture_output=True, text=True)
            theirs_times.append(time.perf_counter() - start)
            if out.returncode != 0:
                print(f"checkdmarc failed: {out.stderr.strip()[-500:]}")
                return
            theirs = json.loads(out.stdout)
        their_verdicts = checkdmarc_verdicts(theirs["result"])
    ours_median, theirs_median = statistics.median(times), statistics.median(theirs_times)
    print(f"checkdmarc ({version}) on {DOMAIN}: median {theirs_median * 1000:.0f} ms (process, Python start included; "
          f"its own check {theirs['seconds'] * 1000:.0f} ms) over {options.runs} runs")
    print(f"  verdicts: {their_verdicts}")
    print(f"ratio (checkdmarc / launch-audit, whole processes): {theirs_median / ours_median:.1f}x")
    agree = {key: ours[key] == their_verdicts[key] for key in ours}
    print(f"agreement: {agree}")


if __name__ == "__main__":
    main()
