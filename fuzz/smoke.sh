#!/usr/bin/env bash
# Fuzz smoke run: builds every target once (libFuzzer + AddressSanitizer, nightly) and runs each
# for a bounded time on its committed seeds. Any crash, panic, timeout, leak or over-allocation
# fails the script; the offending input is kept in fuzz/artifacts/<target>/ (gitignored).
#
# Usage: fuzz/smoke.sh [target ...]        (default: every target)
# Env:   FUZZ_SECONDS   seconds per target (default 20)
#        FUZZ_SANITIZER address (default) | none
#        FUZZ_JOBS      targets run at the same time (default: 2 on a machine with 2+ cores)
#        FUZZ_CORPUS    keep the corpus in $FUZZ_CORPUS/<target> (e.g. fuzz/corpus, gitignored)
#                       instead of a scratch directory, and the libFuzzer logs in
#                       $FUZZ_CORPUS/logs/. Used for the longer campaigns in fuzz/README.md.
# Without FUZZ_CORPUS the tree stays clean: new inputs go to a scratch directory deleted at exit.
set -euo pipefail
# FUZZ_CORPUS is relative to where the script is called from, not to fuzz/.
export CORPUS=${FUZZ_CORPUS:+$(realpath -m "$FUZZ_CORPUS")}
cd "$(dirname "$0")"
FUZZ=$PWD
export SECONDS_PER_TARGET=${FUZZ_SECONDS:-20}
SANITIZER=${FUZZ_SANITIZER:-address}
JOBS=${FUZZ_JOBS:-$(($(nproc) >= 2 ? 2 : 1))}

command -v cargo-fuzz >/dev/null || {
  echo "cargo-fuzz missing: cargo install cargo-fuzz --locked" >&2
  exit 1
}

mapfile -t ALL < <(grep -A1 '^\[\[bin\]\]' Cargo.toml | sed -n 's/^name = "\(.*\)"$/\1/p')
TARGETS=("$@")
[[ ${#TARGETS[@]} -gt 0 ]] || TARGETS=("${ALL[@]}")

# cargo-fuzz builds with debug assertions and overflow checks on, optimised.
cargo +nightly fuzz build --release --sanitizer "$SANITIZER"
export BIN FUZZ
# cargo-fuzz honours CARGO_TARGET_DIR (relative paths are relative to fuzz/).
TARGET_DIR=$(realpath -m "${CARGO_TARGET_DIR:-$FUZZ/target}")
BIN=$TARGET_DIR/$(rustc +nightly -vV | sed -n 's/^host: //p')/release

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/winlaps-fuzz.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT
CORPUS=${CORPUS:-$SCRATCH}

run_one() {
  local t=$1 rc=0
  local log=$CORPUS/logs/$t.log
  mkdir -p "$CORPUS/$t" "$CORPUS/logs" "$FUZZ/artifacts/$t"
  # -timeout: one input running this long is a hang. -malloc_limit_mb: one allocation this
  # large from an input of at most 8 KiB is a bug. -max_len: the largest seed is ~2 KiB.
  local TIMEFORMAT="stat::cpu_seconds: %U user + %S sys (%R wall)"
  { time "$BIN/$t" "$CORPUS/$t" "$FUZZ/seeds/$t" \
    -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=256 \
    -max_len=8192 -print_final_stats=1 -artifact_prefix="$FUZZ/artifacts/$t/" \
    >"$log" 2>&1; } 2>>"$log" || rc=$?
  if [[ $rc -ne 0 ]]; then
    echo "FAIL $t (exit $rc)"
    tail -n 60 "$log"
    return 1
  fi
  local done execs cpu
  done=$(grep -E '^#[0-9]+.*DONE' "$log" | tr -s ' \t' ' ' | cut -d' ' -f3-8 || true)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  cpu=$(sed -n 's/^stat::cpu_seconds: //p' "$log")
  printf 'ok   %-20s execs %-9s %s | %s\n' "$t" "$execs" "$done" "$cpu"
}
export -f run_one

failed=0
printf '%s\n' "${TARGETS[@]}" | xargs -P "$JOBS" -I{} bash -c 'run_one {}' || failed=1
exit $failed
