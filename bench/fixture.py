"""The fixture target as a process, for the bench scripts: `fixture-target MODE DIR` writes
its profile into a fresh directory, prints its ports, serves until standard input closes,
then prints what it received. Loopback only."""

import json
import os
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RELEASE = os.path.join(ROOT, "target", "release")


class FixtureTarget:
    """`with FixtureTarget("hardened") as target:` — `target.text` is its profile, `port`
    its HTTPS port, `dns` its nameserver (`host:port`), `ca` its CA file."""

    def __init__(self, mode="hardened"):
        self.mode = mode

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix=f"bench-{self.mode}-")
        self.proc = subprocess.Popen(
            [os.path.join(RELEASE, "fixture-target"), self.mode, self.dir],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        info = json.loads(self.proc.stdout.readline())
        self.port = info["https_port"]
        self.dns = info["dns"]
        self.profile = info["profile"]
        self.text = open(self.profile).read()
        self.ca = os.path.join(self.dir, "fixture-ca.pem")
        return self

    def write(self, name, text):
        """Writes a profile variant beside the original; returns its path."""
        path = os.path.join(self.dir, name)
        with open(path, "w") as out:
            out.write(text)
        return path

    def counts(self):
        """Stops the target; returns the HTTP requests and DNS queries it received."""
        self.proc.stdin.close()
        counts = json.loads(self.proc.stdout.readline())
        self.proc.wait(timeout=30)
        return counts

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
