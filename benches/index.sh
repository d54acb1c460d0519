#!/usr/bin/env bash
# The index at scale (DESIGN.md §10): a log of N steps shaped like a real Claude Code session
# (benches/src/bin/gen-steps.rs), then
#   - indexing: `tl reindex` (catalog + full text + rules), steps/s;
#   - size: catalog + index against the raw JSON of the same payloads;
#   - `tl search` whole command, p50 of 21 runs, for a rare term and a common phrase, against
#     `rg` over the raw JSONL in the same run (the ratio is the target);
#   - the first page of `tl inspect` and `tl timeline` of the one N-step session, and their peak
#     RSS (memory must not grow with the session);
#   - `tl view`: the requests of that session's first screen.
#
# Usage: benches/index.sh [STEPS]     (default 1000000)
# Env: TL_BENCH_DIR (default /tmp), CARGO_TARGET_DIR. Needs rg (ripgrep) and /usr/bin/time.
# Targets: indexing >= 100 k steps/s; search < 50 ms p50 and >= 20 x faster than rg;
# first page < 100 ms; catalog + index <= 0.5 x raw JSON.
set -euo pipefail
steps="${1:-1000000}"
root="$(cd "$(dirname "$0")/.." && pwd)"
command -v rg >/dev/null || { echo "needs rg (apt-get install ripgrep)" >&2; exit 1; }
cargo build --quiet --release --manifest-path "$root/Cargo.toml" -p tl --bin tl
cargo build --quiet --release --manifest-path "$root/Cargo.toml" -p benches --bin gen-steps
bin="${CARGO_TARGET_DIR:-$root/target}/release"
work="$(mktemp -d "${TL_BENCH_DIR:-/tmp}/tl-bench-index.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export TL_HOME="$work/tl" HOME="$work"
"$bin/gen-steps" "$TL_HOME" "$steps" "$work/raw.jsonl"
cat "$work/raw.jsonl" >/dev/null

t0=$(date +%s.%N)
"$bin/tl" reindex --json >"$work/reindex.json"
t1=$(date +%s.%N)

session=$("$bin/tl" sessions --json --limit 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')

# p50 of 21 runs of a command, in ms.
p50() {
  python3 - "$@" <<'PY'
import subprocess, sys, time
runs = []
for _ in range(21):
    t = time.perf_counter()
    subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, shell=False)
    runs.append((time.perf_counter() - t) * 1000)
runs.sort()
print(f"{runs[len(runs)//2]:.2f}")
PY
}
rare_tl=$(p50 "$bin/tl" search secrets.yml --limit 20)
rare_rg=$(p50 rg -c secrets.yml "$work/raw.jsonl")
phrase_tl=$(p50 "$bin/tl" search '"request handler"' --limit 20)
phrase_rg=$(p50 rg -c "request handler" "$work/raw.jsonl")
inspect=$(p50 sh -c "'$bin/tl' inspect $session | head -50")
timeline=$(p50 sh -c "'$bin/tl' timeline $session | head -50")
/usr/bin/time -f "%M" -o "$work/rss_timeline" sh -c "'$bin/tl' timeline $session --to 1000000000 >/dev/null"
/usr/bin/time -f "%M" -o "$work/rss_export" sh -c "'$bin/tl' export $session >/dev/null"
version=$("$bin/tl" --version)

# tl view: the requests of a session page's first screen (the page, the session, the first 100
# steps, the flagged steps), each timed from a fresh connection, p50 of 21.
"$bin/tl" view --port 0 >"$work/view.out" 2>&1 &
view_pid=$!
for _ in $(seq 100); do grep -q 'http://' "$work/view.out" && break; sleep 0.1; done
url=$(grep -o 'http://[^ ]*' "$work/view.out" | head -1)
base=${url%%/?token=*}; token=${url##*token=}
view_ms=$(python3 - "$base" "$token" "$session" <<'PY'
import sys, time, urllib.request
base, token, session = sys.argv[1:4]
paths = ["/", f"/api/sessions/{session}", f"/api/sessions/{session}/steps?from=1&limit=100", f"/api/sessions/{session}/flags"]
runs = []
for _ in range(21):
    t = time.perf_counter()
    for p in paths:
        req = urllib.request.Request(base + p, headers={"X-TL-Token": token})
        urllib.request.urlopen(req).read()
    runs.append((time.perf_counter() - t) * 1000)
runs.sort()
print(f"{runs[len(runs)//2]:.1f}")
PY
)
kill $view_pid 2>/dev/null || true

python3 - "$steps" "$t0" "$t1" "$work" "$rare_tl" "$rare_rg" "$phrase_tl" "$phrase_rg" "$inspect" "$timeline" "$version" "$view_ms" <<'PY'
import json, os, sys
steps, t0, t1, work = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
rare_tl, rare_rg, phrase_tl, phrase_rg, inspect, timeline = map(float, sys.argv[5:11])
def du(path):
    total = 0
    for d, _, files in os.walk(path):
        for f in files:
            total += os.path.getsize(os.path.join(d, f))
    return total
raw = os.path.getsize(f"{work}/raw.jsonl")
home = f"{work}/tl"
catalog = sum(os.path.getsize(f"{home}/{f}") for f in os.listdir(home) if f.startswith("catalog.db"))
index = du(f"{home}/index")
log = sum(os.path.getsize(os.path.join(f"{home}/log", f)) for f in os.listdir(f"{home}/log"))
r = json.load(open(f"{work}/reindex.json"))
rss_t = int(open(f"{work}/rss_timeline").read().split()[-1]) / 1024
rss_e = int(open(f"{work}/rss_export").read().split()[-1]) / 1024
rate = r["steps"] / (t1 - t0)
print(f"{sys.argv[11]}: {steps} generated steps -> {r['records']} records, {r['steps']} steps, {r['findings']} findings")
print(f"indexing (tl reindex): {t1-t0:.1f} s, {rate/1000:.0f} k steps/s   TARGET >= 100 k/s: {'met' if rate >= 100e3 else 'NOT met'}")
print(f"raw JSON {raw/1e6:.0f} MB; log {log/1e6:.0f} MB; catalog {catalog/1e6:.0f} MB + index {index/1e6:.0f} MB = {(catalog+index)/raw:.3f} x raw   TARGET <= 0.5: {'met' if (catalog+index)/raw <= 0.5 else 'NOT met'}")
for name, t, g in [("rare term 'secrets.yml'", rare_tl, rare_rg), ("phrase 'request handler'", phrase_tl, phrase_rg)]:
    print(f"search {name}: tl {t:.1f} ms, rg {g:.1f} ms, RATIO rg/tl = {g/t:.1f}   TARGET < 50 ms and >= 20x: {'met' if t < 50 and g/t >= 20 else 'NOT met'}")
print(f"first page: inspect {inspect:.1f} ms, timeline {timeline:.1f} ms   TARGET < 100 ms: {'met' if max(inspect, timeline) < 100 else 'NOT met'}")
print(f"peak RSS over the whole {steps}-step session: timeline {rss_t:.0f} MiB, export {rss_e:.0f} MiB")
view = float(sys.argv[12])
print(f"tl view first screen of the session (page + session + 100 steps + flags, p50): {view:.1f} ms   TARGET < 300 ms: {'met' if view < 300 else 'NOT met'}")
PY
