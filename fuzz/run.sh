#!/usr/bin/env bash
# Builds the fuzz targets with libFuzzer on the stable toolchain and runs one of them.
#   fuzz/run.sh TARGET SECONDS     e.g. fuzz/run.sh frame_scan 60
#   fuzz/run.sh all SECONDS        every target in turn
# cargo-fuzz's default (ASan) mode needs nightly; plain libFuzzer coverage works on stable with
# these flags. --target keeps them off build scripts and proc macros.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
target_triple=x86_64-unknown-linux-gnu
name=${1:?usage: run.sh TARGET|all SECONDS}
seconds=${2:-30}
export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares"
cd "$here"
cargo build --release --target "$target_triple" --bins
targets=("$name")
[ "$name" = all ] && targets=(frame_scan event_decode wal_model rule_load)
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  # The rule loader starts from the built-in rule files: random bytes seldom make TOML.
  if [ "$t" = rule_load ] && [ -z "$(ls -A "corpus/$t")" ]; then
    cp ../crates/rules/builtin/*.toml "corpus/$t/"
  fi
  echo "fuzzing $t for ${seconds}s"
  "${CARGO_TARGET_DIR:-target}/$target_triple/release/$t" "corpus/$t" -artifact_prefix="artifacts/$t/" \
    -max_total_time="$seconds" -print_final_stats=1 2>&1 | grep -E "^(#|stat::number_of_executed_units|==|SUMMARY|Done)" | tail -n 3
done
