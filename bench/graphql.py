#!/usr/bin/env python3
"""Wall time and peak RSS of the graphql.* family on one endpoint: the Apollo Server and
GraphQL Yoga stacks of the test suite (tests/stacks/graphql, which `scripts/test` installs
into target/stacks/graphql), right and wrong, each audited with the six checks and the
profile the stack tests use (four operations, a login mutation, two identities logging in
through it). Loopback only; release build.

    python3 bench/graphql.py [--runs N] [--no-build]

Peak RSS comes from GNU time (`/usr/bin/time`, Debian package `time`).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RELEASE = os.path.join(ROOT, "target", "release")
STACKS = os.environ.get("LAUNCH_AUDIT_STACKS", os.path.join(ROOT, "target", "stacks"))
GNU_TIME = "/usr/bin/time"
CHECKS = ["graphql.schema-exposure", "graphql.limits", "graphql.csrf", "graphql.errors",
          "graphql.access", "graphql.login-limit"]

PROFILE = """[target]
name = "graphql bench"
base_url = "http://127.0.0.1:{port}/"
environment = "staging"

[identities.alice]
tenant = "acme"
[identities.alice.login]
path = "/graphql"
json = {{ query = "mutation($e: String!, $p: String!) {{ login(email: $e, password: $p) {{ token }} }}", variables = {{ e = "alice@acme.test", p = "AlicePassw0rd!" }} }}
token_pointer = "/data/login/token"

[identities.mallory]
tenant = "globex"
[identities.mallory.login]
path = "/graphql"
json = {{ query = "mutation($e: String!, $p: String!) {{ login(email: $e, password: $p) {{ token }} }}", variables = {{ e = "mallory@globex.test", p = "MalloryPassw0rd!" }} }}
token_pointer = "/data/login/token"

[tenants.acme]
invoice_id = "10"
org_id = "1"

[tenants.globex]
invoice_id = "20"
org_id = "2"

[[graphql]]
path = "/graphql"
public_fields = ["posts"]

[graphql.login]
field = "login"
arguments = {{ email = "bench@acme.test", password = "not-the-password" }}
selection = "token"
max_attempts = 4

[[graphql.operations]]
query = "query($id: ID!) {{ invoice(id: $id) {{ id title }} }}"
variables = {{ id = "{{invoice_id}}" }}

[[graphql.operations]]
query = "query($id: ID!) {{ org(id: $id) {{ name }} }}"
variables = {{ id = "{{org_id}}" }}

[[graphql.operations]]
query = "query($term: String!) {{ search(term: $term) {{ id }} }}"
variables = {{ term = "hosting" }}

[[graphql.operations]]
query = "{{ posts {{ title }} }}"
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-build", action="store_true")
    options = parser.parse_args()
    if not options.no_build:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    stack = os.path.join(STACKS, "graphql")
    for server in ["apollo", "yoga"]:
        for variant in ["wrong", "right"]:
            process = subprocess.Popen(["node", os.path.join(stack, f"{server}.js"), variant], cwd=stack,
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            port = json.loads(process.stdout.readline())["port"]
            work = tempfile.mkdtemp(prefix="bench-graphql-")
            profile = os.path.join(work, "audit.toml")
            open(profile, "w").write(PROFILE.format(port=port))
            runs = []
            for _ in range(options.runs):
                rss = os.path.join(work, "rss")
                args = [GNU_TIME, "-o", rss, "-f", "%M", os.path.join(RELEASE, "launch-audit"), "run", "-c",
                        profile, "-q", "--format", "json", "--out", os.path.join(work, "run.json")]
                for check in CHECKS:
                    args += ["--only", check]
                start = time.perf_counter()
                code = subprocess.call(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                elapsed = time.perf_counter() - start
                if code not in (0, 1):
                    sys.exit(f"launch-audit exited {code}")
                runs.append((elapsed, int(open(rss).read().strip().splitlines()[-1]) / 1024.0))
            process.stdin.close()
            process.wait()
            wall = statistics.median(r[0] for r in runs) * 1000
            print(f"| {server} {variant} ({options.runs} runs) | {wall:.0f} ms (max {max(r[0] for r in runs) * 1000:.0f} ms) "
                  f"| {max(r[1] for r in runs):.1f} MiB |")


if __name__ == "__main__":
    main()
