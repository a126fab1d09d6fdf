#!/usr/bin/env python3
"""`secrets.repository` on a generated repository of 10,000+ commits (written by
`git fast-import`, no network), and detect-secrets (PyPI, installed into a throwaway
virtualenv) on the same working tree:

1. the whole history: commits, blobs, blobs per second, wall time and peak RSS of the
   whole process, and whether every secret planted in history only was found, credited
   to the commit that added it;
2. the working tree alone (`[source] history = false`) against `detect-secrets scan`:
   wall time (median of N runs, whole processes) and how many of the planted secrets
   each found.

    python3 bench/repo.py [--commits N] [--runs N] [--no-build] [--detect-secrets PATH]
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import tempfile
import time

from fixture import RELEASE, ROOT

GNU_TIME = "/usr/bin/time"
FILES = 300

# One value per rule both tools know, each in its own file of the final tree. Shaped like
# real keys, none real.
PLANTED_TREE = {
    "config/aws.env": "AWS_ACCESS_KEY_ID=AKIAZ7Q3MXV2LR8KPW4N\n",
    "src/billing/stripe.js": "const stripe = require('stripe')('sk_live_51Hq8ZxL2mKp4Rt7Vw9Yb3Nc');\n",
    "scripts/release.sh": "export GITHUB_TOKEN=ghp_Zx81Kq2Lm7Np4Rt9Vw3Yb6Cd0Fg5Hj2Ks8Lq\n",
    "ops/gitlab.env": "GITLAB_TOKEN=glpat-Q7x2Mv9Kp4Lt8Rz3Wn6B\n",
    "src/notify/slack.py": "SLACK_BOT_TOKEN = 'xoxb-2847193650-4816203957-Qm7Zx2Kp9Lr4Vt8Wn3Bc6Df'\n",
    "src/mail/sendgrid.js": "const key = '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';\n",
    "src/sms/twilio.rb": "TWILIO_API_KEY = 'SK3f9a2c7e1b8d4f6a0c5e9b2d7f1a3c8e'\n",
    "deploy/id_rsa": "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx9Zq8Xm2Kp7Lr4Vt9Wn3Bc6Df1Gh5Jk8Ls2Mq7Nw4Px9Ry3Tz\n-----END RSA PRIVATE KEY-----\n",
    "config/database.yml": "url: postgres://app:Zq8Xm2Kp7Lr4Vt9W@db.internal:5432/app\n",
    "src/ai/client.ts": "const openai = new OpenAI({ apiKey: 'sk-proj-Zq8Xm2Kp7Lr4Vt9Wn3Bc6T3BlbkFJDf1Gh5Jk8Ls2Mq7Nw4Px' });\n",
}
# Added at commit N, deleted at commit N+1: only a history scan finds them.
PLANTED_HISTORY = {
    2000: ("config/old-prod.env", "AWS_ACCESS_KEY_ID=AKIAR4T8WN2QX7ZL5MPK\n"),
    5000: ("deploy/hook.sh", "curl -H 'Authorization: token ghp_Lm7Np4Rt9Vw3Yb6Cd0Fg5Hj2Ks8Lq1Zx81Kq' https://api.github.com\n"),
    8000: ("src/legacy/pay.js", "stripe('sk_live_51Pq2Wx7Ln4Mt8Rv3Ks9Bz6Yc');\n"),
}


def module_text(index, revision):
    lines = [f"// module {index}: plain application code", "export function handler(request) {"]
    lines += [f"  const step{n} = request.body.items.map((item) => item.value + {n});" for n in range(30)]
    lines += [f"  return {{ ok: true, revision: {revision} }};", "}", ""]
    return "\n".join(lines)


def path_of(index):
    return f"src/modules/group{index % 12}/module{index}.js"


def generate(repo, commits):
    """A fast-import stream: an initial tree of FILES modules, then one small edit per
    commit; the planted files come and go at fixed commits. Returns {commit number: mark}."""
    subprocess.run(["git", "init", "-q", "-b", "main", repo], check=True)
    chunks = []

    def data(text):
        raw = text.encode()
        chunks.append(f"data {len(raw)}\n".encode() + raw + b"\n")

    def header(number):
        chunks.append(f"commit refs/heads/main\nmark :{number}\n".encode())
        when = 1_767_225_600 + number * 600  # 2026-01-01, ten minutes apart
        chunks.append(f"author Dev <dev@acme.test> {when} +0000\n".encode())
        chunks.append(f"committer Dev <dev@acme.test> {when} +0000\n".encode())
        data(f"change {number}")
        if number > 1:
            chunks.append(f"from :{number - 1}\n".encode())

    header(1)
    for index in range(FILES):
        chunks.append(f"M 100644 inline {path_of(index)}\n".encode())
        data(module_text(index, 0))
    for number in range(2, commits + 1):
        header(number)
        index = number * 7 % FILES
        chunks.append(f"M 100644 inline {path_of(index)}\n".encode())
        data(module_text(index, number))
        if number in PLANTED_HISTORY:
            path, text = PLANTED_HISTORY[number]
            chunks.append(f"M 100644 inline {path}\n".encode())
            data(text)
        if number - 1 in PLANTED_HISTORY:
            chunks.append(f"D {PLANTED_HISTORY[number - 1][0]}\n".encode())
        if number == commits:
            for path, text in PLANTED_TREE.items():
                chunks.append(f"M 100644 inline {path}\n".encode())
                data(text)
    subprocess.run(["git", "-C", repo, "fast-import", "--quiet"], input=b"".join(chunks), check=True)
    subprocess.run(["git", "-C", repo, "reset", "-q", "--hard", "main"], check=True)
    marks = {}
    log = subprocess.run(["git", "-C", repo, "log", "--format=%H %s", "main"],
                         capture_output=True, text=True, check=True).stdout
    for line in log.splitlines():
        sha, subject = line.split(" ", 1)
        marks[int(subject.split()[1])] = sha
    return marks


def timed(args, cwd=None):
    """(stdout, wall seconds, peak RSS MiB) of a whole process under GNU time."""
    with tempfile.NamedTemporaryFile("r") as report:
        start = time.perf_counter()
        out = subprocess.run([GNU_TIME, "-o", report.name, "-f", "%M", *args], cwd=cwd,
                             capture_output=True, text=True)
        wall = time.perf_counter() - start
        peak = int(report.read().strip().splitlines()[-1]) / 1024.0
    return out.stdout, wall, peak


def ours(work, repo, history):
    profile = os.path.join(work, f"repo-{history}.toml")
    with open(profile, "w") as out:
        out.write('[target]\nname = "bench"\nbase_url = "https://app.acme.test"\n\n'
                  '[network]\nnameservers = ["127.0.0.1:9"]\ncheck_timeout = "300s"\n\n'
                  f'[source]\npath = "{repo}"\nhistory = {"true" if history else "false"}\n')
    stdout, wall, rss = timed([os.path.join(RELEASE, "launch-audit"), "run", "-c", profile,
                               "--only", "secrets.repository", "--format", "json"])
    result = next(r for r in json.loads(stdout)["results"] if r["id"] == "secrets.repository")
    return result, wall, rss


def found_by_us(result):
    """Working-tree findings, as {path}."""
    return {o["subject"].split(":")[0] for o in result["evidence"]
            if o["status"] == "FAIL" and "in the working tree" in o["detail"]}


def detect_secrets_binary(given):
    if given:
        return given
    venv = tempfile.mkdtemp(prefix="detect-secrets-venv-")
    subprocess.run(["python3", "-m", "venv", venv], check=True)
    subprocess.run([os.path.join(venv, "bin", "pip"), "install", "-q", "detect-secrets"], check=True)
    return os.path.join(venv, "bin", "detect-secrets")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--commits", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-build", action="store_true")
    parser.add_argument("--detect-secrets")
    options = parser.parse_args()
    if not options.no_build:
        subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "launch-audit"],
                       cwd=ROOT, check=True)
    work = tempfile.mkdtemp(prefix="bench-repo-")
    repo = os.path.join(work, "app")
    marks = generate(repo, options.commits)

    print(f"## 1. History: {len(marks)} commits, {FILES + len(PLANTED_TREE)} files in the tree\n")
    result, wall, rss = ours(work, repo, history=True)
    scanned = next(o["detail"] for o in result["evidence"] if o["subject"] == "scanned")
    blobs = int(re.search(r"(\d+) blob\(s\)", scanned).group(1))
    millis = int(re.search(r"; (\d+) ms$", scanned).group(1))
    print(f"- evidence: {scanned}")
    print(f"- {blobs} blobs in {millis} ms: **{blobs / (millis / 1000):,.0f} blobs/s**; "
          f"whole process {wall:.2f} s, peak RSS {rss:.1f} MiB")
    for number, (path, _) in PLANTED_HISTORY.items():
        hit = next((o for o in result["evidence"] if o["subject"].startswith(path + ":")), None)
        right = hit is not None and f"commit {marks[number][:12]}" in hit["detail"]
        print(f"- planted in history at commit {number} ({path}): "
              f"{'found, credited to the commit that added it' if right else 'NOT FOUND or wrong commit'}")
    tree_hits = found_by_us(result)
    print(f"- planted in the working tree: {len(tree_hits & set(PLANTED_TREE))} of {len(PLANTED_TREE)} found")

    print(f"\n## 2. Working tree only, against detect-secrets (median of {options.runs} runs, whole processes)\n")
    binary = detect_secrets_binary(options.detect_secrets)
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
    our_times, their_times = [], []
    for _ in range(options.runs):
        result, wall, _ = ours(work, repo, history=False)
        our_times.append(wall)
        stdout, wall, _ = timed([binary, "scan"], cwd=repo)
        their_times.append(wall)
        theirs = json.loads(stdout)["results"]
    ours_found = len(found_by_us(result) & set(PLANTED_TREE))
    theirs_found = len(set(theirs) & set(PLANTED_TREE))
    their_other = sum(len(v) for k, v in theirs.items() if k not in PLANTED_TREE)
    our_other = len(found_by_us(result) - set(PLANTED_TREE))
    a, b = statistics.median(our_times), statistics.median(their_times)
    print("| tool | wall time | planted found | other findings |")
    print("|---|---|---|---|")
    print(f"| launch-audit (`history = false`) | {a * 1000:.0f} ms | {ours_found} of {len(PLANTED_TREE)} | {our_other} |")
    print(f"| detect-secrets {version} | {b * 1000:.0f} ms | {theirs_found} of {len(PLANTED_TREE)} | {their_other} |")
    print(f"\nRatio: {b / a:.1f}× faster. Missed by detect-secrets: "
          f"{sorted(set(PLANTED_TREE) - set(theirs)) or 'none'}; by us: "
          f"{sorted(set(PLANTED_TREE) - found_by_us(result)) or 'none'}")


if __name__ == "__main__":
    main()
