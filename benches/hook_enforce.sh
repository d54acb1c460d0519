#!/usr/bin/env bash
# `tl hook claude-code --enforce` as a whole process, against `tl --version` (the same binary
# doing nothing) measured in the same run, interleaved run by run (proc-timer), for pre-tool
# payloads that screen to no rule (the common case), to a rule that lets the call pass, and to a
# block; plus `tl hook claude-code` without --enforce on the first payload, for reference.
# Each payload is a Claude Code PreToolUse of the shape of the fixtures
# (crates/capture/tests/fixtures/claude-code/hooks.jsonl).
#
# Usage: benches/hook_enforce.sh [RUNS]      (default 300)
# Env: TL_BENCH_DIR (where TL_HOME goes, default /tmp), CARGO_TARGET_DIR.
# Target (DESIGN.md §10): p50 <= 1.2 x `tl --version`, p99 < 5 ms.
set -euo pipefail

runs="${1:-300}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cargo build --quiet --release --manifest-path "$root/Cargo.toml" -p tl -p benches \
    --bin tl --bin proc-timer
bin="${CARGO_TARGET_DIR:-$root/target}/release"
[[ -x "$bin/tl" ]] || { echo "no $bin/tl (set CARGO_TARGET_DIR?)" >&2; exit 1; }

work="$(mktemp -d "${TL_BENCH_DIR:-/tmp}/tl-bench-enforce.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export TL_HOME="$work/tl-home" HOME="$work/home"
mkdir -p "$HOME/proj/src"
cwd="$HOME/proj"

# payload NAME TOOL INPUT-JSON: writes $work/NAME.json
payload() {
    printf '{"session_id":"0cfde7cd-23f6-45f2-9cd7-3fae11d5363e","transcript_path":"%s/.claude/projects/p/0cfde7cd.jsonl","cwd":"%s","permission_mode":"bypassPermissions","hook_event_name":"PreToolUse","tool_name":"%s","tool_input":%s,"tool_use_id":"toolu_01KqVnK1jGmR6Dz3aTbXk9Qe"}\n' \
        "$HOME" "$cwd" "$2" "$3" >"$work/$1.json"
}
payload ls Bash '{"command":"ls -la config/","description":"List files in config directory"}'
payload git Bash '{"command":"git status --short && cargo test --workspace -q","description":"Check and test"}'
payload read Read "{\"file_path\":\"$cwd/src/main.rs\"}"
payload rm_build Bash '{"command":"rm -rf build/","description":"Remove build directory"}'
payload rm_home Bash '{"command":"rm -rf ~","description":"Remove everything"}'

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
# The log's first segment exists before timing, as on an installed system.
"$bin/tl" hook claude-code <"$work/ls.json"

time_it() { # LABEL PAYLOAD EXIT ARGS…
    local label=$1 p=$2 code=$3
    shift 3
    echo
    echo "## $label"
    "$bin/proc-timer" --runs "$runs" --warmup 20 --stdin "$work/$p.json" --subject-exit "$code" \
        --baseline "$bin/tl" --version --subject "$bin/tl" "$@"
}
time_it "tl hook claude-code (no --enforce), ls -la" ls 0 hook claude-code
time_it "--enforce, Bash ls -la config/ (no rule loaded)" ls 0 hook claude-code --enforce
time_it "--enforce, Bash git status && cargo test (no rule loaded)" git 0 hook claude-code --enforce
time_it "--enforce, Read src/main.rs (no rule loaded)" read 0 hook claude-code --enforce
time_it "--enforce, Bash rm -rf build/ (dangerous-rm-rf loaded: info, passes)" rm_build 0 hook claude-code --enforce
time_it "--enforce, Bash rm -rf ~ (blocked, exit 2)" rm_home 2 hook claude-code --enforce
