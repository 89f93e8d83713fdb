"""Side by side: decrypting a fleet through the lab KDS with winlaps' live path
(``KeyStore.decrypt_many(values, dc=...)``: one GetKey per key group) and with dpapi-ng 0.2.0's
live client (``ncrypt_unprotect_secret(server=...)`` per value, as NetExec and LAPS portals call
it; and once more with one shared ``KeyCache``), in the same run against the same server.

    .venv/bin/python bindings/python/benches/live_keys.py [--values 1000] [--runs 3]

Needs root (dpapi-ng asks the endpoint mapper on port 135), the winlaps CLI (``WINLAPS_BIN`` or
``$CARGO_TARGET_DIR``) and the ``winlaps[rpc]`` extra. Prints medians, the GetKey calls each side
made (counted by the server) and the ratios.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import dpapi_ng  # noqa: E402

import winlaps  # noqa: E402
from live_kds import LabKds, lab, winlaps_binary  # noqa: E402

HOUR_TICKS = 36_000_000_000


def fleet(directory: Path, n: int, root_keys: int, l1_periods: int) -> tuple[list[bytes], list[str], int]:
    """`n` values over `root_keys` root keys and `l1_periods` L1 periods (past times), for a SID
    the helpdesk may read."""
    vectors = json.loads((directory / "vectors.json").read_text())
    sid = next(v["sid"] for v in vectors if v["origin"] == "windows")
    roots = [winlaps.RootKey.from_json(p.read_text()) for p in sorted(directory.glob("rk-*.json"))[:root_keys]]
    now = int(time.time() * 10_000_000) + lab.FILETIME_UNIX_EPOCH
    values, passwords = [], []
    for i in range(n):
        root = roots[i % len(roots)]
        l1_back = 1 + (i // len(roots)) % l1_periods
        t = now - l1_back * 32 * 10 * HOUR_TICKS + (i % 29) * 10 * HOUR_TICKS
        password = f"Fleet-{i:04d}-pw!"
        cred = winlaps.LapsCredential(f"admin{i}", password, t)
        values.append(winlaps.encrypt_attribute(
            cred, key=root, sid=sid, public_key=False, domain_name="contoso.com", forest_name="contoso.com"
        ))
        passwords.append(password)
    groups = {
        (x.target_sid, x.root_key_id, x.l0, x.l1) for x in (winlaps.parse_encrypted_attribute(v) for v in values)
    }
    return values, passwords, len(groups)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--values", type=int, default=1000)
    ap.add_argument("--root-keys", type=int, default=3)
    ap.add_argument("--l1-periods", type=int, default=40)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    binary = winlaps_binary()
    if binary is None:
        sys.exit("no winlaps CLI binary: set WINLAPS_BIN or build laps-cli")
    with tempfile.TemporaryDirectory() as d:
        kds = LabKds(binary, Path(d))
        try:
            if not kds.has_epm_135:
                sys.exit("dpapi-ng needs the endpoint mapper on port 135: run as root")
            values, passwords, groups = fleet(Path(d), args.values, args.root_keys, args.l1_periods)
            user = {"username": lab.HELPDESK[0], "password": lab.HELPDESK[1], "auth_protocol": "ntlm"}

            def ours() -> None:
                res = winlaps.KeyStore().decrypt_many(values, dc=kds.host, **user)
                assert [getattr(r, "password", r) for r in res] == passwords

            def theirs(shared_cache: bool) -> None:
                cache = dpapi_ng.KeyCache() if shared_cache else None
                for v, p in zip(values, passwords):
                    out = dpapi_ng.ncrypt_unprotect_secret(v[16:], server=kds.host, cache=cache, **user)
                    assert json.loads(out.decode("utf-16-le").rstrip("\x00"))["p"] == p

            rows = []
            for name, fn, runs in (
                ("winlaps decrypt_many(dc=)", ours, args.runs),
                ("dpapi-ng per value, shared KeyCache", lambda: theirs(True), args.runs),
                ("dpapi-ng per value, no cache (NetExec, portals)", lambda: theirs(False), 1),
            ):
                times, calls = [], []
                for _ in range(runs):
                    before = kds.calls()
                    t0 = time.perf_counter()
                    fn()
                    times.append(time.perf_counter() - t0)
                    calls.append(kds.calls() - before)
                rows.append((name, statistics.median(times), calls[0], runs))
        finally:
            kds.stop()
    print(f"{args.values} values, {args.root_keys} root keys x {args.l1_periods} L1 periods = {groups} key groups")
    base = rows[0][1]
    print(f"{'workload':50} {'median s':>9} {'GetKey':>7} {'runs':>5} {'vs winlaps':>10}")
    for name, med, calls, runs in rows:
        print(f"{name:50} {med:9.3f} {calls:7d} {runs:5d} {med / base:9.1f}x")


if __name__ == "__main__":
    main()
