#!/usr/bin/env bash
# Fuzz smoke run: builds every target once (libFuzzer + AddressSanitizer, nightly) and runs each
# for a bounded time on its committed seeds. Any crash, panic, leak, timeout or over-allocation
# fails the script; the crashing input is kept in fuzz/artifacts/<target>/ (gitignored).
#
# Usage: fuzz/smoke.sh [target ...]        (default: every target)
# Env:   FUZZ_SECONDS   seconds per target (default 20)
#        FUZZ_SANITIZER address (default) | none
#        FUZZ_JOBS      targets run at the same time (default 1)
# The tree stays clean: new corpus entries go to a scratch directory that is deleted afterwards.
set -euo pipefail
cd "$(dirname "$0")"
FUZZ=$PWD
SECONDS_PER_TARGET=${FUZZ_SECONDS:-20}
SANITIZER=${FUZZ_SANITIZER:-address}
JOBS=${FUZZ_JOBS:-1}

if ! command -v cargo-fuzz >/dev/null; then
  cargo install cargo-fuzz --locked
fi

mapfile -t ALL < <(grep -A1 '^\[\[bin\]\]' Cargo.toml | sed -n 's/^name = "\(.*\)"$/\1/p')
TARGETS=("$@")
[[ ${#TARGETS[@]} -gt 0 ]] || TARGETS=("${ALL[@]}")

# cargo-fuzz adds -Cdebug-assertions and overflow checks; --release keeps it fast.
cargo +nightly fuzz build --release --sanitizer "$SANITIZER"
BIN=$FUZZ/target/$(rustc +nightly -vV | sed -n 's/^host: //p')/release

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/winlaps-fuzz.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT

run_one() {
  local t=$1
  mkdir -p "$SCRATCH/$t" "$FUZZ/artifacts/$t"
  # -malloc_limit_mb: a single allocation this large from a few-KB input is a bug.
  # -timeout: one input taking this long is a hang.
  local rc=0
  "$BIN/$t" "$SCRATCH/$t" "$FUZZ/seeds/$t" \
    -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=256 \
    -max_len=8192 -print_final_stats=1 -artifact_prefix="$FUZZ/artifacts/$t/" \
    >"$SCRATCH/$t.log" 2>&1 || rc=$?
  local stats
  stats=$(grep -E '^stat::(number_of_executed_units|peak_rss_mb)|^#[0-9]+.*DONE' "$SCRATCH/$t.log" | tr '\n' ' ')
  if [[ $rc -ne 0 ]]; then
    echo "FAIL $t (exit $rc)"
    tail -n 60 "$SCRATCH/$t.log"
    return 1
  fi
  echo "ok   $t  $stats"
}

failed=0
if [[ $JOBS -le 1 ]]; then
  for t in "${TARGETS[@]}"; do
    run_one "$t" || failed=1
  done
else
  export -f run_one
  export BIN FUZZ SCRATCH SECONDS_PER_TARGET
  printf '%s\n' "${TARGETS[@]}" | xargs -P "$JOBS" -I{} bash -c 'run_one {}' || failed=1
fi
exit $failed
