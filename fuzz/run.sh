#!/usr/bin/env bash
# Bounded fuzz runs: every target for SECONDS (default 60) of libFuzzer, seeded from the
# repository's own data, corpora in a throwaway directory. Prints each target's run count.
# cargo-fuzz is installed from crates.io into a throwaway root when it is not on PATH.
#
#     bash fuzz/run.sh [SECONDS]
#
# A crash leaves its input under fuzz/artifacts/TARGET/; turn it into a regression test.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-60}

if ! command -v cargo-fuzz >/dev/null; then
    root=$(mktemp -d /tmp/cargo-fuzz-root-XXXXXX)
    cargo install --locked --quiet cargo-fuzz --root "$root"
    export PATH="$root/bin:$PATH"
fi
# cargo fuzz passes flags stable rustc keeps behind this switch; the machine has one
# (stable) toolchain.
export RUSTC_BOOTSTRAP=1

work=$(mktemp -d /tmp/launch-audit-fuzz-XXXXXX)
seed() { mkdir -p "$work/seeds/$1"; }
seed profile && cp ../audit.example.toml "$work/seeds/profile/"
seed email_records
printf '%s' 'v=spf1 ip4:192.0.2.0/24 include:_spf.%{d} redirect=%{l1r-}.example ~all' > "$work/seeds/email_records/spf"
printf '%s' 'v=DKIM1; k=rsa; t=y:s; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA' > "$work/seeds/email_records/dkim"
printf '%s' 'v=DMARC1; p=reject; sp=quarantine; pct=50; rua=mailto:d@acme.test!10m' > "$work/seeds/email_records/dmarc"
printf 'version: STSv1\nmode: enforce\nmx: *.acme.test\nmax_age: 86400\n' > "$work/seeds/email_records/mta-sts"
seed tls_reply
printf '\x16\x03\x01\x00\x2a\x02\x00\x00\x26\x03\x01' > "$work/seeds/tls_reply/server-hello"
printf '\x15\x03\x01\x00\x02\x02\x46' > "$work/seeds/tls_reply/alert"
seed scripts
printf '<html><script src="/a.js"></script><link rel="modulepreload" href="/b.js"><script>var k=1</script></html>' > "$work/seeds/scripts/page.html"
printf '%s' 'import{a as t}from"./index-D.js";const r=`/api/${x}?o=${y}`;async function c(e){await t("/api/projects");await fetch("/api/notes",{method:"POST",body:JSON.stringify({text:"hi"})});const m=()=>import("./p-D.js")}n.u=e=>"assets/"+e+"."+{43:"e6"}[e]+".js";n.e(43);' > "$work/seeds/scripts/chunk.js"
seed secrets && cp ../fixtures/corpus/positives/* ../fixtures/corpus/negatives/* "$work/seeds/secrets/"

printf '| target | runs in %s s | corpus entries |\n|---|---|---|\n' "$seconds"
for target in profile email_records tls_reply scripts secrets; do
    mkdir -p "$work/corpus/$target"
    log="$work/$target.log"
    cargo fuzz run --release "$target" "$work/corpus/$target" "$work/seeds/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 >"$log" 2>&1 || {
        echo "$target: FAILED (see $log and fuzz/artifacts/$target/)" >&2
        tail -30 "$log" >&2
        exit 1
    }
    runs=$(grep -o 'Done [0-9]* runs' "$log" | grep -o '[0-9]*' | tail -1)
    entries=$(find "$work/corpus/$target" -type f | wc -l)
    printf '| `%s` | %s | %s |\n' "$target" "${runs:-?}" "$entries"
done
