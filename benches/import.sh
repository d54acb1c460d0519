#!/usr/bin/env bash
# tl import of one large transcript: MB/s and peak RSS, against reading the same file with
# `wc -l` (the cost of just getting the bytes) in the same run.
#
# Usage: benches/import.sh [MIB]      (default 512: the target is stated for >= 500 MB)
# Env: TL_BENCH_DIR (where the transcript and TL_HOME go, default /tmp), CARGO_TARGET_DIR.
# Target (DESIGN.md §10): streaming, RSS < 200 MB, >= 100 MB/s.
set -euo pipefail
mib="${1:-512}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cargo build --quiet --release --manifest-path "$root/Cargo.toml" -p tl --bin tl
cargo build --quiet --release --manifest-path "$root/Cargo.toml" -p benches --bin gen-transcript
bin="${CARGO_TARGET_DIR:-$root/target}/release"
work="$(mktemp -d "${TL_BENCH_DIR:-/tmp}/tl-bench-import.XXXXXX")"
trap 'rm -rf "$work"' EXIT
file="$work/session.jsonl"
"$bin/gen-transcript" "$file" "$mib"
bytes=$(stat -c %s "$file")
cat "$file" >/dev/null # both runs start from a warm page cache

t0=$(date +%s.%N); wc -l "$file" >/dev/null; t1=$(date +%s.%N)
TL_HOME="$work/tl" /usr/bin/time -f "%M" -o "$work/rss" "$bin/tl" import --json --agent claude-code "$file" >"$work/summary.json"
t2=$(date +%s.%N)
python3 - "$bytes" "$t0" "$t1" "$t2" "$work/rss" "$work/summary.json" <<'PY'
import json, sys
size, t0, t1, t2 = int(sys.argv[1]), *map(float, sys.argv[2:5])
rss_kib = int(open(sys.argv[5]).read().split()[-1])
s = json.load(open(sys.argv[6]))
base, imp = size / (t1 - t0) / 1e6, size / (t2 - t1) / 1e6
print(f"transcript: {size/1e6:.0f} MB, {s['lines']} lines -> {s['events']} events, {s['redactions']} redactions")
print(f"wc -l (baseline): {base:.0f} MB/s")
print(f"tl import:        {imp:.0f} MB/s in {t2-t1:.1f} s, peak RSS {rss_kib/1024:.1f} MiB")
print(f"RATIO import/wc = {imp/base:.3f}")
print(f"TARGET >= 100 MB/s: {'met' if imp >= 100 else 'NOT met'}; RSS < 200 MB: {'met' if rss_kib*1024 < 200e6 else 'NOT met'}")
PY
