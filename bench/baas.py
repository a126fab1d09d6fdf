#!/usr/bin/env python3
"""Wall time and peak RSS of the baas.* family over 50 tables: a PostgreSQL 15 cluster of
the bench's own with Supabase's role model (tests/stacks/supabase/roles.sql), 50 tables
each with row security and an owner policy, two rows each (alice's and mallory's), served
by the PostgREST-compatible server the tests use (postrust-server, which `scripts/test`
links into target/stacks/bin). The profile names the 50 tables in [baas] tables, with two
users and the service key, so every probe runs: the public key's listing, each user's,
the cross-tenant comparison, an update and two inserts per table (all refused), and a
function. Loopback only; release build.

    python3 bench/baas.py [--runs N] [--tables N] [--no-build]

PostgreSQL refuses to run as root: as root the cluster runs as `nobody`. Peak RSS comes
from GNU time (`/usr/bin/time`, Debian package `time`).
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RELEASE = os.path.join(ROOT, "target", "release")
STACKS = os.environ.get("LAUNCH_AUDIT_STACKS", os.path.join(ROOT, "target", "stacks"))
PG = "/usr/lib/postgresql/15/bin"
GNU_TIME = "/usr/bin/time"
SECRET = "launch-audit-bench-jwt-secret-0123456789abcdef"
ALICE = "11111111-1111-4111-8111-111111111111"
MALLORY = "22222222-2222-4222-8222-222222222222"
CHECKS = ["baas.public-read", "baas.cross-tenant", "baas.public-write", "baas.functions"]


def jwt(claims):
    def b64(raw):
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    sig = hmac.new(SECRET.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(sig)}"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unprivileged():
    if os.geteuid() != 0:
        return {}
    return {"user": 65534, "group": 65534}


def schema(tables):
    sql = [f"insert into auth.users values ('{ALICE}', 'alice@acme.test'), ('{MALLORY}', 'mallory@globex.test');"]
    for i in range(1, tables + 1):
        t = f"t{i:02d}"
        sql.append(
            f"create table public.{t} (id bigint generated always as identity primary key, "
            f"owner uuid default auth.uid() references auth.users (id), body text not null);"
            f"insert into public.{t} (owner, body) values ('{ALICE}', 'a'), ('{MALLORY}', 'm');"
            f"alter table public.{t} enable row level security;"
            f"create policy own on public.{t} for all to authenticated using (owner = auth.uid()) with check (owner = auth.uid());"
        )
    sql.append(
        "create function public.own_rows() returns setof public.t01 language sql security invoker "
        "as $$ select * from public.t01 $$;"
    )
    return "\n".join(sql)


def wait_for(port, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"nothing listens on {port}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tables", type=int, default=50)
    parser.add_argument("--no-build", action="store_true")
    options = parser.parse_args()
    if not options.no_build:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    work = tempfile.mkdtemp(prefix="bench-baas-")
    os.chmod(work, 0o755)
    home = os.path.join(work, "pg")
    os.makedirs(home)
    if os.geteuid() == 0:
        os.chown(home, 65534, 65534)
    data = os.path.join(home, "data")
    pg_port = free_port()
    subprocess.run([f"{PG}/initdb", "-A", "trust", "-U", "postgres", "--no-sync", "-D", data],
                   check=True, stdout=subprocess.DEVNULL, **unprivileged())
    subprocess.run([f"{PG}/pg_ctl", "-w", "-D", data, "-l", os.path.join(home, "log"), "-o",
                    f"-p {pg_port} -k {home} -c listen_addresses=127.0.0.1 -c fsync=off", "start"],
                   check=True, stdout=subprocess.DEVNULL, **unprivileged())
    server = None
    try:
        psql = ["psql", "-h", "127.0.0.1", "-p", str(pg_port), "-U", "postgres", "-X", "-q", "-v", "ON_ERROR_STOP=1"]
        subprocess.run(psql + ["-f", os.path.join(ROOT, "tests/stacks/supabase/roles.sql")], check=True)
        subprocess.run(psql + ["-c", schema(options.tables)], check=True, stdout=subprocess.DEVNULL)
        api_port = free_port()
        env = {
            "DATABASE_URL": f"postgres://authenticator@127.0.0.1:{pg_port}/postgres",
            "PGRST_DB_ANON_ROLE": "anon", "PGRST_DB_SCHEMAS": "public", "PGRST_JWT_SECRET": SECRET,
            "PGRST_SERVER_HOST": "127.0.0.1", "PGRST_SERVER_PORT": str(api_port),
        }
        server = subprocess.Popen([os.path.join(STACKS, "bin", "postrust")], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(api_port)
        tables = ", ".join(f'"t{i:02d}"' for i in range(1, options.tables + 1))
        profile = os.path.join(work, "audit.toml")
        with open(profile, "w") as f:
            f.write(f"""[target]
name = "baas bench"
base_url = "http://127.0.0.1:{api_port}/"
[identities.alice]
token = "${{ALICE_JWT}}"
[identities.mallory]
token = "${{MALLORY_JWT}}"
[baas]
kind = "supabase"
url = "http://127.0.0.1:{api_port}"
rest_path = "/api"
key = "${{ANON_KEY}}"
service_key = "${{SERVICE_KEY}}"
identities = ["alice", "mallory"]
tables = [{tables}]
functions = ["own_rows"]
""")
        audit_env = dict(os.environ,
                         ALICE_JWT=jwt({"role": "authenticated", "sub": ALICE}),
                         MALLORY_JWT=jwt({"role": "authenticated", "sub": MALLORY}),
                         ANON_KEY=jwt({"role": "anon"}), SERVICE_KEY=jwt({"role": "service_role"}))
        runs = []
        for _ in range(options.runs):
            rss = os.path.join(work, "rss")
            args = [GNU_TIME, "-o", rss, "-f", "%M", os.path.join(RELEASE, "launch-audit"), "run", "-c", profile,
                    "-q", "--format", "json", "--out", os.path.join(work, "run.json")]
            for check in CHECKS:
                args += ["--only", check]
            start = time.perf_counter()
            code = subprocess.call(args, env=audit_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            elapsed = time.perf_counter() - start
            if code not in (0, 1):
                sys.exit(f"launch-audit exited {code}")
            report = json.load(open(os.path.join(work, "run.json")))
            statuses = {r["id"]: r["status"] for r in report["results"]}
            if any(statuses[c] != "PASS" for c in CHECKS):
                sys.exit(f"expected every check to PASS on the right schema: {statuses}")
            runs.append((elapsed, int(open(rss).read().strip().splitlines()[-1]) / 1024.0))
        wall = statistics.median(r[0] for r in runs) * 1000
        print(f"| {options.tables} tables, 2 users, service key ({options.runs} runs) "
              f"| {wall:.0f} ms (max {max(r[0] for r in runs) * 1000:.0f} ms) | {max(r[1] for r in runs):.1f} MiB |")
    finally:
        if server:
            server.kill()
        subprocess.run([f"{PG}/pg_ctl", "-m", "immediate", "-D", data, "stop"],
                       stdout=subprocess.DEVNULL, **unprivileged())
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
