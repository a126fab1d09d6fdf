#!/usr/bin/env python3
"""Wall time and peak RSS of discovery: the pages and every script they load fetched, each
script read as JavaScript (oxc) for its imports, chunk maps, calls, clients and GraphQL
documents. Two front ends, served from loopback by Python's http.server:

- built:  the front end Vite builds in the test suite (tests/stacks/frontend, `scripts/test`
          builds it into target/stacks/frontend/dist-right): an entry chunk that imports the
          projects screen lazily;
- large:  the same page loading, besides, about 3.5 MiB of real published JavaScript as
          module scripts (Rollup's and Vite's own dist files, from the same node_modules).

The audit runs `secrets.client-bundle` only, which needs the whole bundle collected and
read; the timing is of the whole command. Loopback only; release build.

    python3 bench/discovery.py [--runs N] [--no-build]

Peak RSS comes from GNU time (`/usr/bin/time`, Debian package `time`).
"""

import os
import sys

# bench/email.py would shadow the standard library's email package, which http.server uses.
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]

import argparse  # noqa: E402
import functools  # noqa: E402
import http.server  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile
import threading  # noqa: E402
import time  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RELEASE = os.path.join(ROOT, "target", "release")
STACKS = os.environ.get("LAUNCH_AUDIT_STACKS", os.path.join(ROOT, "target", "stacks"))
FRONTEND = os.path.join(STACKS, "frontend")
GNU_TIME = "/usr/bin/time"
LARGE = [
    "node_modules/rollup/dist/es/shared/node-entry.js",
    "node_modules/vite/dist/node/chunks/config.js",
    "node_modules/vite/dist/node/chunks/build2.js",
    "node_modules/vite/dist/node/chunks/dist.js",
    "node_modules/rollup/dist/es/shared/watch.js",
]

PROFILE = """[target]
name = "discovery bench"
base_url = "http://127.0.0.1:{port}/"
environment = "staging"
"""


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def site(kind, into):
    dist = os.path.join(FRONTEND, "dist-right")
    if not os.path.exists(os.path.join(dist, "index.html")):
        sys.exit(f"{dist} is not built: run scripts/test first (it builds the front end with Vite)")
    shutil.copytree(dist, into)
    if kind == "large":
        tags = []
        for i, path in enumerate(LARGE):
            name = f"lib-{i}.js"
            shutil.copy(os.path.join(FRONTEND, path), os.path.join(into, "assets", name))
            tags.append(f'<script type="module" src="/assets/{name}"></script>')
        index = os.path.join(into, "index.html")
        text = open(index).read().replace("</head>", "\n".join(tags) + "\n</head>")
        open(index, "w").write(text)
    size = sum(
        os.path.getsize(os.path.join(into, "assets", f)) for f in os.listdir(os.path.join(into, "assets"))
    )
    return size


def once(profile, work):
    rss = os.path.join(work, "rss")
    start = time.perf_counter()
    code = subprocess.call(
        [GNU_TIME, "-o", rss, "-f", "%M", os.path.join(RELEASE, "launch-audit"), "run", "-c", profile,
         "-q", "--only", "secrets.client-bundle", "--format", "json", "--out", os.path.join(work, "run.json")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    elapsed = time.perf_counter() - start
    if code not in (0, 1):
        sys.exit(f"launch-audit exited {code}")
    peak = int(open(rss).read().strip().splitlines()[-1]) / 1024.0
    return elapsed, peak


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-build", action="store_true")
    options = parser.parse_args()
    if not options.no_build:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    for kind in ["built", "large"]:
        work = tempfile.mkdtemp(prefix="bench-discovery-")
        root = os.path.join(work, "site")
        size = site(kind, root)
        handler = functools.partial(Quiet, directory=root)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        profile = os.path.join(work, "audit.toml")
        open(profile, "w").write(PROFILE.format(port=server.server_address[1]))
        runs = [once(profile, work) for _ in range(options.runs)]
        server.shutdown()
        shutil.rmtree(work)
        wall = statistics.median(r[0] for r in runs) * 1000
        peak = max(r[1] for r in runs)
        print(f"| {kind} front end ({size / 1024:.0f} KiB of scripts, {options.runs} runs) "
              f"| {wall:.0f} ms (max {max(r[0] for r in runs) * 1000:.0f} ms) | {peak:.1f} MiB |")


if __name__ == "__main__":
    main()
