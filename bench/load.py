#!/usr/bin/env python3
"""latency.p95's load generator against oha, side by side, on the fixture target (loopback,
release builds, both tools on the same 2 cores as the server):

1. the highest arrival rate each holds on GET /healthz, and CPU-seconds per 1000 requests
   (ours: the rate at which the generator's own lateness guard stays quiet and the achieved
   rate is within 1%; oha: `-q RATE --latency-correction`, achieved within 1%);
2. p95 error against the injected distribution of /api/onboarding/checklist (every tenth
   answer 300 ms, so the true p95 is 300 ms);
3. peak RSS (GNU time) over 10k and 100k requests.

oha is installed from crates.io into a throwaway root (`cargo install oha --root …`) unless
--oha PATH names one. Prints Markdown tables for the README.

    python3 bench/load.py [--no-build] [--oha PATH] [--seconds N] [--repeats N]
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import tempfile
import time

from fixture import RELEASE, ROOT, FixtureTarget

GNU_TIME = "/usr/bin/time"
RATES = [250, 500, 1000, 1500, 2000, 3000, 4000, 5000]
TRUE_P95_MS = 300.0


class Fixture(FixtureTarget):
    """The hardened target, with the token its profile gives alice."""

    def __enter__(self):
        super().__enter__()
        self.token = re.search(r'\[identities\.alice\]\ntoken = "([^"]+)"', self.text).group(1)
        return self

    def load_profile(self, path, auth, rate, seconds, warmup="500ms"):
        """The fixture's profile with one onboarding route and the given load."""
        text = self.text.replace("onboarding = true\n", "")
        text = re.sub(r"\[latency\][^\[]*", "", text)
        text += (
            f'\n[[routes]]\nname = "bench"\npath = "{path}"\nauth = "{auth}"\nonboarding = true\n'
            f'\n[latency]\np95 = "10s"\nrate = {rate}\nduration = "{seconds}s"\nwarmup = "{warmup}"\n'
            f"max_in_flight = 1000\nmax_error_rate = 1.0\n"
        )
        text = text.replace('check_timeout = "20s"', 'check_timeout = "300s"')
        return self.write(f"bench-{rate}-{seconds}.toml", text)


def timed(args):
    """Runs args under GNU time; returns (stdout, wall s, cpu s, peak RSS MiB)."""
    with tempfile.NamedTemporaryFile("r") as report:
        start = time.perf_counter()
        out = subprocess.run([GNU_TIME, "-o", report.name, "-f", "%U %S %M", *args],
                             capture_output=True, text=True)
        wall = time.perf_counter() - start
        user, system, peak = report.read().strip().splitlines()[-1].split()
    return out.stdout, wall, float(user) + float(system), int(peak) / 1024.0


def ours(fixture, path, auth, rate, seconds, warmup="500ms"):
    profile = fixture.load_profile(path, auth, rate, seconds, warmup)
    stdout, wall, cpu, rss = timed([os.path.join(RELEASE, "launch-audit"), "run", "-c", profile,
                                    "--only", "latency.p95", "--format", "json"])
    result = next(r for r in json.loads(stdout)["results"] if r["id"] == "latency.p95")
    detail = result["evidence"][0]["detail"]
    figures = dict(re.findall(r"(p50|p90|p95|p99|max) ([\d.]+) ms", detail))
    achieved = re.search(r"achieved ([\d.]+)/s", detail)
    requests = re.search(r"(\d+) requests", detail)
    return {
        "status": result["status"],
        "detail": detail[:160],
        "achieved": float(achieved.group(1)) if achieved else 0.0,
        "requests": int(requests.group(1)) if requests else 0,
        "p95": float(figures["p95"]) if "p95" in figures else None,
        "cpu": cpu,
        "rss": rss,
    }


def oha(binary, fixture, path, rate, seconds, auth):
    args = [binary, "-z", f"{seconds}s", "-q", str(rate), "--latency-correction", "--no-tui",
            "--output-format", "json", "-c", "200",
            "--connect-to", f"app.acme.test:{fixture.port}:127.0.0.1:{fixture.port}",
            "--insecure", f"https://app.acme.test:{fixture.port}{path}"]
    if auth:
        args[1:1] = ["-H", f"Authorization: Bearer {fixture.token}"]
    stdout, wall, cpu, rss = timed(args)
    report = json.loads(stdout)
    summary = report["summary"]
    pct = report.get("latencyPercentiles", {})
    total = summary.get("total", seconds)
    done = sum(report.get("statusCodeDistribution", {}).values())
    return {
        "achieved": done / seconds,
        "requests": done,
        "p95": pct.get("p95") * 1000 if pct.get("p95") is not None else None,
        "cpu": cpu,
        "rss": rss,
        "success": summary.get("successRate"),
        "wall": total,
    }


def per_1k(run):
    return run["cpu"] / max(run["requests"], 1) * 1000


def median_by_cpu(runs):
    return sorted(runs, key=per_1k)[len(runs) // 2]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("--oha")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    options = parser.parse_args()
    if not options.no_build:
        subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "launch-audit",
                        "--bin", "fixture-target"], cwd=ROOT, check=True)
    binary = options.oha or shutil.which("oha")
    if not binary:
        root = tempfile.mkdtemp(prefix="oha-root-")
        subprocess.run(["cargo", "install", "--locked", "--quiet", "oha", "--root", root], check=True)
        binary = os.path.join(root, "bin", "oha")
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
    s = options.seconds

    print(f"## 1. Highest arrival rate held on GET /healthz ({s} s per step), CPU per 1000 requests\n")
    print(f"Each step run {options.repeats} times, ours and oha alternating; CPU is the median run's.\n")
    print("| rate/s | ours: achieved, verdict | ours CPU-s/1k | oha: achieved | oha CPU-s/1k |")
    print("|---|---|---|---|---|")
    best_ours = best_oha = 0
    ratios = []
    with Fixture() as fixture:
        for rate in RATES:
            runs_a, runs_b = [], []
            for _ in range(options.repeats):
                # No warm-up: oha has none, and warm-up requests would cost CPU without
                # being counted in the requests the CPU is divided by.
                runs_a.append(ours(fixture, "/healthz", "public", rate, s, warmup="0s"))
                runs_b.append(oha(binary, fixture, "/healthz", rate, s, auth=False))
            a = median_by_cpu(runs_a)
            b = median_by_cpu(runs_b)
            held_a = all(r["status"] != "ERROR" and r["achieved"] >= 0.99 * rate for r in runs_a)
            held_b = all(r["achieved"] >= 0.99 * rate for r in runs_b)
            if held_a:
                best_ours = rate
            if held_b:
                best_oha = rate
            ratios.append(per_1k(a) / per_1k(b))
            print(f"| {rate} | {a['achieved']:.0f}/s, {a['status']}{'' if held_a else ' (not held)'} | "
                  f"{per_1k(a):.3f} | {b['achieved']:.0f}/s{'' if held_b else ' (not held)'} | "
                  f"{per_1k(b):.3f} |")
            if not held_a and not held_b:
                break
    print(f"\nHighest rate held: ours {best_ours}/s, {version} {best_oha}/s "
          f"({best_ours / best_oha if best_oha else float('nan'):.2f}×)")
    ratios.sort()
    print(f"CPU per request, ours / oha: median over the steps {ratios[len(ratios) // 2]:.2f}× "
          f"(range {ratios[0]:.2f}–{ratios[-1]:.2f}×)\n")

    print("## 2. p95 against the injected distribution (true p95 = 300 ms), 100/s for 10 s\n")
    with Fixture() as fixture:
        a = ours(fixture, "/api/onboarding/checklist", "required", 100, 10)
    with Fixture() as fixture:
        b = oha(binary, fixture, "/api/onboarding/checklist", 100, 10, auth=True)
    for name, run in [("launch-audit", a), (version, b)]:
        error = (run["p95"] - TRUE_P95_MS) / TRUE_P95_MS * 100
        print(f"- {name}: p95 {run['p95']:.1f} ms, error {error:+.1f}% ({run['requests']} requests)")

    print("\n## 3. Peak RSS (GNU time) as the request count grows, GET /healthz at 2000/s\n")
    print("| requests | launch-audit | oha |")
    print("|---|---|---|")
    for seconds in (5, 50):
        with Fixture() as fixture:
            a = ours(fixture, "/healthz", "public", 2000, seconds, warmup="0s")
            b = oha(binary, fixture, "/healthz", 2000, seconds, auth=False)
        print(f"| {a['requests']} / {b['requests']} | {a['rss']:.1f} MiB | {b['rss']:.1f} MiB |")


if __name__ == "__main__":
    main()
