#!/usr/bin/env bash
# Hook-sized process, then the real `tl hook`: whole-process wall time of `append-once <log> ` (open the log, append one
# ~2 KB PostToolUse payload read from stdin, exit) against `append-once --noop` (the same binary
# exiting at once), p50/p99 over RUNS runs each, interleaved run by run (proc-timer, always).
# When hyperfine is installed it also runs both (one after the other, payload as a file
# argument, since hyperfine 1.15 has no --input) as a cross-check of the timer.
#
# Usage: benches/hook_process.sh [RUNS]      (default 500)
# Env: TL_BENCH_DIR (where the log goes, default /tmp), TL_BENCH_NO_HYPERFINE=1 (skip hyperfine),
#      CARGO_TARGET_DIR (where cargo puts the binaries).
# Target (DESIGN.md §10): p50 <= 1.2 x the do-nothing run, p99 < 5 ms.
set -euo pipefail

runs="${1:-500}"
root="$(cd "$(dirname "$0")/.." && pwd)"
payload="$root/benches/data/post_tool_use.json"

cargo build --quiet --release --manifest-path "$root/Cargo.toml" -p benches \
    --bin append-once --bin proc-timer
bin="${CARGO_TARGET_DIR:-$root/target}/release"
[[ -x "$bin/append-once" ]] || { echo "no $bin/append-once (set CARGO_TARGET_DIR?)" >&2; exit 1; }

log_parent="${TL_BENCH_DIR:-/tmp}"
work="$(mktemp -d "$log_parent/tl-bench-hook.XXXXXX")"
trap 'rm -rf "$work"' EXIT
log="$work/log"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r)"
echo "log: $log ($(df --output=fstype "$log_parent" | tail -1)); payload: $(wc -c <"$payload") bytes"
# Create the log's first segment outside the measurement, as an installed tl would have.
"$bin/append-once" "$log" "$payload"

echo
echo "## proc-timer (interleaved)"
"$bin/proc-timer" --runs "$runs" --warmup 20 --stdin "$payload" \
    --baseline "$bin/append-once" --noop \
    --subject "$bin/append-once" "$log"

# The real thing: `tl hook claude-code` (read stdin, parse, redact, normalize, encode, append)
# against the same binary doing nothing (`tl --version`), and against one sqlite3 insert process
# (the cost of the obvious alternative: a hook that writes to SQLite).
cargo build --quiet --release --manifest-path "$root/Cargo.toml" -p tl --bin tl
tl_home="$work/tl-home"
export TL_HOME="$tl_home"
"$bin/tl" hook claude-code <"$payload"
echo
echo "## tl hook claude-code vs tl --version (proc-timer, interleaved)"
"$bin/proc-timer" --runs "$runs" --warmup 20 --stdin "$payload" \
    --baseline "$bin/tl" --version \
    --subject "$bin/tl" hook claude-code
if command -v sqlite3 >/dev/null; then
    db="$work/hooks.db"
    sqlite3 "$db" "create table hooks(payload text)"
    echo
    echo "## tl hook claude-code vs one sqlite3 insert process (proc-timer, interleaved)"
    "$bin/proc-timer" --runs "$runs" --warmup 20 --stdin "$payload" \
        --baseline sqlite3 "$db" "insert into hooks values(readfile('/dev/stdin'))" \
        --subject "$bin/tl" hook claude-code
fi

if [[ -z "${TL_BENCH_NO_HYPERFINE:-}" ]] && command -v hyperfine >/dev/null; then
    echo
    echo "## hyperfine $(hyperfine --version | cut -d' ' -f2) (not interleaved; cross-check)"
    json="$work/hyperfine.json"
    hyperfine -N --style basic --warmup 20 --runs "$runs" --export-json "$json" \
        "$bin/append-once --noop" "$bin/append-once $log $payload"
    if command -v python3 >/dev/null; then
        python3 - "$json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
def pct(ts, p):
    ts = sorted(ts); k = max(1, -(-len(ts) * p // 100)); return ts[int(k) - 1]
rows = [(x["command"].split("/")[-1], pct(x["times"], 50), pct(x["times"], 99)) for x in r]
for name, p50, p99 in rows:
    print(f"hyperfine {name}: p50 {p50*1e3:.3f} ms, p99 {p99*1e3:.3f} ms")
print(f"RATIO hyperfine p50 subject/baseline = {rows[1][1]/rows[0][1]:.3f}")
print(f"RATIO hyperfine p99 subject/baseline = {rows[1][2]/rows[0][2]:.3f}")
PY
    fi
else
    echo "(hyperfine not installed or disabled: proc-timer only)"
fi
