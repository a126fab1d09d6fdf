#!/usr/bin/env python3
"""The TLS side of the edge family (tls.certificate, tls.expiry, tls.protocols, tls.hsts)
against the fixture's HTTPS port, one host at a time — the good chain and three variants
(missing intermediate, 5 days left, TLS 1.2 only) — and, in the same run, testssl.sh
(Debian package testssl.sh; installed with apt-get when missing and run as root) on the
same port and SNI name. Prints both times, the ratio, and whether the verdicts agree on
certificate, expiry, protocols and HSTS. Loopback only: testssl runs with --ip 127.0.0.1
and --nodns none, so it resolves nothing and phones nowhere.

    python3 bench/edge.py [--runs N] [--no-build] [--no-testssl]
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time

from fixture import RELEASE, ROOT, FixtureTarget

HOSTS = ["app", "no-intermediate", "expiring", "tls12"]
CHECKS = ["tls.certificate", "tls.expiry", "tls.protocols", "tls.hsts"]


def profile_for(fixture, label):
    """The fixture's profile narrowed to one https host: base_url = canonical = it."""
    url = f"https://{label}.acme.test:{fixture.port}"
    text = re.sub(r'base_url = "[^"]*"', f'base_url = "{url}"', fixture.text)
    text = re.sub(r'canonical = "[^"]*"', f'canonical = "{url}"', text)
    text = re.sub(r'entry_points = \[[^\]]*\]', "entry_points = []", text)
    text = re.sub(r'(\[tls\]\nhosts = )\[[^\]]*\]', r"\1[]", text)
    return fixture.write(f"{label}.toml", text)


def ours(profile):
    args = [os.path.join(RELEASE, "launch-audit"), "run", "-c", profile, "--format", "json"]
    for check in CHECKS:
        args += ["--only", check]
    start = time.perf_counter()
    out = subprocess.run(args, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    report = json.loads(out.stdout)
    by_id = {r["id"]: r for r in report["results"]}
    protocols = by_id["tls.protocols"]["evidence"][0]["detail"]
    accepted = re.search(r"accepts ([^;]*)", protocols).group(1)
    expiry = by_id["tls.expiry"]["evidence"][0]["detail"]
    days = int(re.search(r"(\d+) days left", expiry).group(1))
    return elapsed, {
        "certificate": by_id["tls.certificate"]["status"] == "PASS",
        "expiry_days": days,
        "expiry_ok": by_id["tls.expiry"]["status"] == "PASS",
        "protocols": sorted(v.strip() for v in accepted.split(",") if v.strip() != "none"),
        "hsts": by_id["tls.hsts"]["status"] == "PASS",
    }


def testssl(fixture, label, binary):
    out = os.path.join(fixture.dir, f"testssl-{label}.json")
    ca = os.path.join(fixture.dir, "fixture-ca.pem")
    start = time.perf_counter()
    subprocess.run(
        [binary, "--quiet", "--warnings", "off", "--nodns", "none", "--ip", "127.0.0.1",
         "--add-ca", ca, "-p", "-S", "-h", "--jsonfile", out,
         f"https://{label}.acme.test:{fixture.port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    elapsed = time.perf_counter() - start
    findings = {f["id"]: f for f in json.load(open(out))}
    offered = [name for key, name in [("TLS1_3", "TLS 1.3"), ("TLS1_2", "TLS 1.2"),
                                      ("TLS1_1", "TLS 1.1"), ("TLS1", "TLS 1.0")]
               if findings.get(key, {}).get("finding", "").startswith("offered")]
    expiry = findings.get("cert_expirationStatus", {})
    days = re.match(r"\s*(-?\d+)", expiry.get("finding", ""))
    return elapsed, {
        "certificate": findings.get("cert_chain_of_trust", {}).get("severity") == "OK"
        and findings.get("cert_trust", {}).get("severity") in ("OK", "INFO"),
        "expiry_days": int(days.group(1)) if days else None,
        # testssl's own bar is 60 days; judge its day count by ours (30/7) to compare verdicts.
        "expiry_ok": bool(days) and int(days.group(1)) >= 30,
        "protocols": sorted(offered),
        "hsts": findings.get("HSTS_time", {}).get("severity") == "OK",
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("--no-testssl", action="store_true")
    options = parser.parse_args()
    if not options.no_build:
        subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "launch-audit",
                        "--bin", "fixture-target"], cwd=ROOT, check=True)
    binary = shutil.which("testssl") or shutil.which("testssl.sh")
    if not binary and not options.no_testssl and os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "-qq", "testssl.sh"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        binary = shutil.which("testssl") or shutil.which("testssl.sh")

    rows, total_ours, total_theirs, agree_all = [], 0.0, 0.0, True
    with FixtureTarget("hardened") as fixture:
        for label in HOSTS:
            profile = profile_for(fixture, label)
            ours(profile)  # warm the page cache
            runs = [ours(profile) for _ in range(options.runs)]
            our_time = statistics.median(t for t, _ in runs)
            verdict = runs[0][1]
            total_ours += our_time
            row = f"| `{label}.acme.test` | {our_time * 1000:.0f} ms |"
            if binary and not options.no_testssl:
                their_time, theirs = testssl(fixture, label, binary)
                total_theirs += their_time
                differ = [k for k in ("certificate", "expiry_ok", "protocols", "hsts")
                          if verdict[k] != theirs[k]]
                agree_all &= not differ
                row += (f" {their_time:.1f} s | {their_time / our_time:.0f}× | "
                        f"{'yes' if not differ else 'no: ' + ', '.join(differ)} |")
                print(f"{label}: ours {verdict}\n{' ' * len(label)}  testssl {theirs}")
            else:
                print(f"{label}: ours {verdict}")
            rows.append(row)

    print()
    print("| host | launch-audit (4 tls checks, median) | testssl.sh -p -S -h | ratio | verdicts agree |")
    print("|---|---|---|---|---|")
    for row in rows:
        print(row)
    if total_theirs:
        print(f"\nAll hosts: ours {total_ours * 1000:.0f} ms, testssl {total_theirs:.1f} s, "
              f"{total_theirs / total_ours:.0f}×; verdicts agree everywhere: {agree_all}")
    elif not options.no_testssl:
        print("\ntestssl.sh is not installed (Debian package testssl.sh); only our times shown")


if __name__ == "__main__":
    main()
