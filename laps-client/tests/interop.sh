#!/usr/bin/env bash
# Interop tests of the lab KDS: `winlaps kds serve` on 127.0.0.2 (endpoint mapper on port 135,
# where dpapi-ng and impacket look) against dpapi-ng 0.2.0, impacket, Samba's
# samba.dcerpc.gkdi client and winlaps' own CLI, on the repository's Windows-made and
# generated vectors (laps-client/tests/interop/).
#
#   laps-client/tests/interop.sh            (from the repository root or anywhere)
#
# Needs: root (port 135), the project venv (.venv or $PYTHON) with pytest, dpapi-ng==0.2.0 and
# impacket; /usr/bin/python3 with python3-samba for the Samba client. Without root or the venv
# packages it prints one line saying why and exits 0, except under CI=true, where it fails.
# WINLAPS_BIN: a built winlaps (default: cargo build -p laps-cli).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PY=${PYTHON:-$ROOT/.venv/bin/python}
HOST=${KDS_HOST:-127.0.0.2}

skip() {
  if [[ ${CI:-} == true ]]; then
    echo "laps-client interop: $1 (required under CI=true)" >&2
    exit 1
  fi
  echo "laps-client interop: skipped: $1"
  exit 0
}

[[ $(id -u) == 0 ]] || skip "needs root to listen on $HOST:135"
[[ -x $PY ]] || skip "no Python venv at $PY"
"$PY" -c "import dpapi_ng, impacket, pytest" 2>/dev/null || skip "$PY lacks dpapi-ng, impacket or pytest"

if [[ -z ${WINLAPS_BIN:-} ]]; then
  (cd "$ROOT" && cargo build -q -p laps-cli)
  WINLAPS_BIN=${CARGO_TARGET_DIR:-$ROOT/target}/debug/winlaps
fi

DIR=$(mktemp -d)
KDS_PID=
cleanup() {
  if [[ -n $KDS_PID ]]; then
    kill "$KDS_PID" 2>/dev/null || true
    wait "$KDS_PID" 2>/dev/null || true
  fi
  rm -rf "$DIR"
}
trap cleanup EXIT

"$PY" "$ROOT/laps-client/tests/interop/lab.py" setup "$DIR"
# shellcheck disable=SC2046 # one word per argument, paths without spaces (mktemp)
"$WINLAPS_BIN" kds serve $(cat "$DIR/root-key-args") --listen "$HOST" --epm-port 135 --port 49700 \
  --account-file "$DIR/accounts" >"$DIR/kds.log" 2>&1 &
KDS_PID=$!
for _ in $(seq 100); do
  grep -q "^listening on" "$DIR/kds.log" && break
  kill -0 "$KDS_PID" 2>/dev/null || { cat "$DIR/kds.log" >&2; exit 1; }
  sleep 0.1
done
grep -q "^listening on" "$DIR/kds.log" || { echo "the lab KDS did not start" >&2; cat "$DIR/kds.log" >&2; exit 1; }
head -1 "$DIR/kds.log"

KDS_DIR=$DIR KDS_HOST=$HOST WINLAPS_BIN=$WINLAPS_BIN \
  "$PY" -m pytest -q -p no:cacheprovider "$ROOT/laps-client/tests/interop"
