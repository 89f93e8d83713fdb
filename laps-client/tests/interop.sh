#!/usr/bin/env bash
# Interop tests of the lab KDS: `winlaps kds serve` on 127.0.0.2 (endpoint mapper on port 135,
# where dpapi-ng and impacket look) against dpapi-ng 0.2.0, impacket, Samba's
# samba.dcerpc.gkdi client and winlaps' own CLI, on the repository's Windows-made and
# generated vectors (laps-client/tests/interop/), with NTLM and SPNEGO; and, when the Samba DC
# runs (WINLAPS_SAMBA_ENV), with Kerberos: the KDS gets the keytab the DC exported for
# host/kds.winlaps.test (scripts/samba-dc maps that name to 127.0.0.2) and the clients take
# tickets from the DC's KDC (test_kds_kerberos.py). For dpapi-ng's Kerberos (pyspnego over MIT
# GSSAPI) the venv gets the gssapi and krb5 packages, built against libkrb5-dev
# (scripts/install-samba).
#
#   laps-client/tests/interop.sh            (from the repository root or anywhere)
#
# Needs: root (port 135), the project venv (.venv or $PYTHON) with pytest, dpapi-ng==0.2.0 and
# impacket; /usr/bin/python3 with python3-samba for the Samba client; for Kerberos the Samba DC
# (WINLAPS_SAMBA_ENV), kinit/kvno and libkrb5-dev. Without root or the venv packages it prints
# one line saying why and exits 0, except under CI=true, where it fails; without the DC the
# Kerberos tests say so in one line (and fail under CI=true).
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

KERBEROS_ARGS=()
KDS_KERBEROS=0
if [[ -n ${WINLAPS_SAMBA_ENV:-} && -r ${WINLAPS_SAMBA_ENV:-} ]]; then
  # shellcheck disable=SC1090
  SAMBA_KEYTAB=$(. "$WINLAPS_SAMBA_ENV" && echo "$SAMBA_KEYTAB")
  SAMBA_SERVICE_SPN=$(. "$WINLAPS_SAMBA_ENV" && echo "$SAMBA_SERVICE_SPN")
  KERBEROS_ARGS=(--keytab "$SAMBA_KEYTAB" --spn "$SAMBA_SERVICE_SPN")
  KDS_KERBEROS=1
  if ! getent hosts "${SAMBA_SERVICE_SPN#*/}" | grep -q "^$HOST "; then
    why="${SAMBA_SERVICE_SPN#*/} does not resolve to $HOST (scripts/samba-dc adds it to /etc/hosts)"
    [[ ${CI:-} == true ]] && { echo "laps-client interop: $why (required under CI=true)" >&2; exit 1; }
    echo "laps-client interop: Kerberos tests skipped: $why"
    KERBEROS_ARGS=()
    KDS_KERBEROS=0
  fi
fi
if [[ $KDS_KERBEROS == 1 ]]; then
  if ! "$PY" -c "import gssapi, krb5" 2>/dev/null; then
    start=$SECONDS
    "$PY" -m pip install --quiet --disable-pip-version-check gssapi==1.9.0 krb5==0.7.1 \
      || { [[ ${CI:-} == true ]] && exit 1; echo "laps-client interop: gssapi/krb5 did not build; dpapi-ng Kerberos tests will skip"; }
    echo "laps-client interop: gssapi + krb5 for pyspnego built in $((SECONDS - start)) s"
  fi
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
  --account-file "$DIR/accounts" "${KERBEROS_ARGS[@]}" >"$DIR/kds.log" 2>&1 &
KDS_PID=$!
for _ in $(seq 100); do
  grep -q "^listening on" "$DIR/kds.log" && break
  kill -0 "$KDS_PID" 2>/dev/null || { cat "$DIR/kds.log" >&2; exit 1; }
  sleep 0.1
done
grep -q "^listening on" "$DIR/kds.log" || { echo "the lab KDS did not start" >&2; cat "$DIR/kds.log" >&2; exit 1; }
head -1 "$DIR/kds.log"

KDS_DIR=$DIR KDS_HOST=$HOST WINLAPS_BIN=$WINLAPS_BIN KDS_KERBEROS=$KDS_KERBEROS \
  "$PY" -m pytest -q -p no:cacheprovider "$ROOT/laps-client/tests/interop"
