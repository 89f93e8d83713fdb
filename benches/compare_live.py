"""Live keys side by side: one fleet, one lab KDS, every client, one run.

The fleet (benches/src/live_fleet.rs, written by the `live_fleet` example): N
msLAPS-EncryptedPassword values over 3 KDS root keys and 40 L1 periods, in dump order. The
lab KDS (`winlaps kds serve --stats`, NTLM, sealed) listens on HOST with its endpoint mapper on
port 135, where dpapi-ng looks. Each client decrypts the whole fleet, keys fetched with
MS-GKDI GetKey, RUNS times; the KDS's own counter gives the GetKey calls of every run.

Clients:
  winlaps CLI      `winlaps decrypt --dc HOST --auth ntlm @v…` (laps-client's fetch_keys + KeyStore)
  winlaps Node     `decryptMany(values, { dc })` (bindings/node, built with `npm run build`)
  winlaps Python   `decrypt_many(values, dc=…)` / `KeyStore.fetch_from_dc`, when the binding has it
  dpapi-ng 0.2.0   `ncrypt_unprotect_secret(blob, server=HOST, auth_protocol="ntlm", cache=KeyCache())`
                   with one KeyCache for the whole fleet (its documented way to avoid RPCs), and
                   without a cache (one call per computer, as NetExec and LAPS portals do)
  criterion        the `live` bench (in-process lab KDS), with --criterion

Usage (root: port 135):
  .venv/bin/python benches/compare_live.py                 # 1000 values, 5 runs, release build
  .venv/bin/python benches/compare_live.py --smoke         # 150 values, 1 run, debug build, asserts only

Every run asserts that each client decrypted every value and that the GetKey count of the
minimal clients equals the fleet's (root key, L0) groups. Medians and ratios go to stdout
as a Markdown table (BENCHMARKS.md records them with the load average).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
USER = "LAB\\helpdesk"
PASSWORD = "Helpd3sk-Bench!"
SID = "S-1-5-21-3112951519-3615558888-3888674396-512"


def target_dir() -> pathlib.Path:
    return pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))


def build(release: bool) -> tuple[pathlib.Path, pathlib.Path]:
    profile = ["--release"] if release else []
    for args in (["-p", "laps-cli"], ["-p", "winlaps-benches", "--example", "live_fleet"]):
        subprocess.run(["cargo", "build", "-q", "--locked", *profile, *args], cwd=ROOT, check=True)
    out = target_dir() / ("release" if release else "debug")
    return out / "winlaps", out / "examples" / "live_fleet"


class Kds:
    """`winlaps kds serve --stats` on HOST:135, its GetKey count read from stdout."""

    def __init__(self, winlaps: pathlib.Path, fleet: pathlib.Path, host: str) -> None:
        meta = json.loads((fleet / "fleet.json").read_text())
        accounts = fleet / "accounts"
        accounts.write_text(f"{USER}:{PASSWORD}:{SID}\n")
        args = [str(winlaps), "kds", "serve", "--listen", host, "--epm-port", "135", "--port", "0",
                "--account-file", str(accounts), "--stats", "--max-connections", "256"]
        for rk in meta["root_keys"]:
            args += ["--root-key", str(fleet / rk)]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.calls = 0
        self.ready = threading.Event()
        self.changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        if not self.ready.wait(30):
            self.stop()
            raise SystemExit(f"the lab KDS did not start: {self.proc.stderr.read() if self.proc.stderr else ''}")

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("listening on"):
                self.ready.set()
            m = re.match(r"getkey calls: (\d+)", line)
            if m:
                with self.changed:
                    self.calls = int(m.group(1))
                    self.changed.notify_all()

    def settled(self) -> int:
        """The count once it has not changed for 150 ms (it is reported within 20 ms)."""
        while True:
            with self.changed:
                before = self.calls
                self.changed.wait(0.15)
                if self.calls == before:
                    return before

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


def time_runs(kds: Kds, runs: int, once) -> tuple[list[float], list[int]]:
    """Wall times and GetKey calls of `runs` calls of `once()` (which checks its own results)."""
    times, calls = [], []
    for _ in range(runs):
        before = kds.settled()
        t0 = time.perf_counter()
        once()
        times.append(time.perf_counter() - t0)
        calls.append(kds.settled() - before)
    return times, calls


def cli_client(winlaps: pathlib.Path, files: list[str], host: str, n: int):
    def once() -> None:
        env = dict(os.environ, WINLAPS_PASSWORD=PASSWORD)
        out = subprocess.run([str(winlaps), "decrypt", "--dc", host, "--user", USER, "--auth", "ntlm", *files],
                             capture_output=True, text=True, env=env, timeout=600)
        results = json.loads(out.stdout)
        ok = sum(1 for r in results if r.get("ok"))
        assert ok == n, f"winlaps CLI decrypted {ok}/{n}: {out.stderr[-500:]}"
    return once


NODE_SCRIPT = r"""
const { decryptMany } = require(process.argv[1])
const fs = require('fs')
const values = fs.readFileSync(process.argv[2], 'utf8').trim().split('\n').map((h) => Buffer.from(h, 'hex'))
const [host, user, runs] = [process.argv[3], process.argv[4], Number(process.argv[5])]
;(async () => {
  for (let i = 0; i < runs; i++) {
    // One line per run on stdin paces the runs, so the parent reads the KDS counter between them.
    await new Promise((r) => process.stdin.once('data', r))
    const t0 = process.hrtime.bigint()
    const results = await decryptMany(values, { dc: host, user, password: process.env.WINLAPS_PASSWORD, auth: 'ntlm' })
    const ms = Number(process.hrtime.bigint() - t0) / 1e6
    const ok = results.filter((r) => !(r instanceof Error)).length
    process.stdout.write(JSON.stringify({ ms, ok }) + '\n')
  }
  process.exit(0)
})()
"""


def node_runs(kds: Kds, fleet: pathlib.Path, host: str, runs: int, n: int) -> tuple[list[float], list[int]] | str:
    addon = ROOT / "bindings" / "node"
    if not shutil.which("node"):
        return "no node on PATH"
    if not list(addon.glob("*.node")):
        return "the Node addon is not built (npm run build in bindings/node)"
    env = dict(os.environ, WINLAPS_PASSWORD=PASSWORD)
    proc = subprocess.Popen(["node", "-e", NODE_SCRIPT, str(addon), str(fleet / "values.txt"), host, USER, str(runs)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdin is not None and proc.stdout is not None
    times, calls = [], []
    for _ in range(runs):
        before = kds.settled()
        proc.stdin.write("go\n")
        proc.stdin.flush()
        r = json.loads(proc.stdout.readline())
        assert r["ok"] == n, f"Node decrypted {r['ok']}/{n}"
        times.append(r["ms"] / 1000)
        calls.append(kds.settled() - before)
    proc.wait(30)
    return times, calls


def python_client(values: list[bytes], host: str, n: int):
    """winlaps' own Python live path, if this build of the binding has it."""
    try:
        import winlaps
    except ImportError:
        return "the winlaps Python package is not installed in this interpreter"
    fn = getattr(winlaps, "decrypt_many", None)
    store_cls = getattr(winlaps, "KeyStore", None)
    if store_cls is not None and hasattr(store_cls, "fetch_from_dc"):
        def once() -> None:
            store = store_cls()
            store.fetch_from_dc(values, dc=host, username=USER, password=PASSWORD, auth_protocol="ntlm")
            results = store.decrypt_many(values)
            ok = sum(1 for r in results if not isinstance(r, Exception))
            assert ok == n, f"winlaps Python decrypted {ok}/{n}"
        return once
    if fn is not None:
        def once_fn() -> None:
            results = fn(values, dc=host, username=USER, password=PASSWORD, auth_protocol="ntlm")
            ok = sum(1 for r in results if not isinstance(r, Exception))
            assert ok == n, f"winlaps Python decrypted {ok}/{n}"
        return once_fn
    return "this build of the winlaps Python binding has no live path (KeyStore.fetch_from_dc / decrypt_many(dc=))"


def dpapi_ng_client(blobs: list[bytes], host: str, cached: bool):
    import dpapi_ng

    def once() -> None:
        cache = dpapi_ng.KeyCache() if cached else None
        for b in blobs:
            pt = dpapi_ng.ncrypt_unprotect_secret(b, server=host, username=USER, password=PASSWORD,
                                                  auth_protocol="ntlm", cache=cache)
            assert pt.decode("utf-16-le").startswith('{"n":"admin')
    return once


def criterion_run(path: str, n: int) -> tuple[float, str] | str:
    done = subprocess.run(["cargo", "bench", "-q", "--locked", "-p", "winlaps-benches", "--bench", "live", "--",
                           f"live_fetch_decrypt/{path}_{n}"], cwd=ROOT)
    if done.returncode != 0:
        return f"cargo bench failed ({done.returncode})"
    est = target_dir() / "criterion" / "live_fetch_decrypt" / f"{path}_{n}" / "new" / "estimates.json"
    if not est.exists():
        return f"no criterion estimate at {est}"
    e = json.loads(est.read_text())
    return e["median"]["point_estimate"] / 1e9, "criterion, in-process lab KDS"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--path", default="dh2048", choices=["private", "dh2048", "p256", "p384"])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--host", default="127.0.0.5")
    ap.add_argument("--debug", action="store_true", help="debug build of winlaps (quicker to build)")
    ap.add_argument("--criterion", action="store_true", help="also run the criterion bench")
    ap.add_argument("--no-uncached", action="store_true", help="skip dpapi-ng without a cache (one call per value)")
    ap.add_argument("--no-build", action="store_true", help="use the winlaps and live_fleet binaries already built")
    ap.add_argument("--smoke", action="store_true", help="150 values, 1 run, debug build: checks, not timings")
    a = ap.parse_args()
    if a.smoke:
        a.count, a.runs, a.debug, a.no_uncached = 150, 1, True, True
    if os.geteuid() != 0:
        print("compare_live: skipped: needs root for the lab KDS's endpoint mapper on port 135 (dpapi-ng looks there)")
        return 1 if os.environ.get("CI") == "true" else 0

    if a.no_build:
        out = target_dir() / ("debug" if a.debug else "release")
        winlaps, live_fleet = out / "winlaps", out / "examples" / "live_fleet"
    else:
        winlaps, live_fleet = build(not a.debug)
    with tempfile.TemporaryDirectory(prefix="winlaps-live-fleet-") as d:
        fleet = pathlib.Path(d)
        subprocess.run([str(live_fleet), a.path, str(a.count), str(fleet)], check=True)
        meta = json.loads((fleet / "fleet.json").read_text())
        n, groups = meta["count"], meta["groups"]
        values = [bytes.fromhex(h) for h in (fleet / "values.txt").read_text().split()]
        files = []
        for i, v in enumerate(values):
            f = fleet / f"v{i:05}.bin"
            f.write_bytes(v)
            files.append(f"@{f}")
        blobs = [v[16:] for v in values]
        load_before = os.getloadavg()
        kds = Kds(winlaps, fleet, a.host)
        rows: list[tuple[str, list[float] | None, list[int] | None, str]] = []
        try:
            peers = [
                ("winlaps CLI (`decrypt --dc`)", lambda: time_runs(kds, a.runs, cli_client(winlaps, files, a.host, n))),
                ("winlaps Node `decryptMany({ dc })`", lambda: node_runs(kds, fleet, a.host, a.runs, n)),
            ]
            py = python_client(values, a.host, n)
            peers.append(("winlaps Python (live)", (lambda: time_runs(kds, a.runs, py)) if callable(py) else (lambda: py)))
            peers.append(("dpapi-ng 0.2.0, one KeyCache for the fleet",
                          lambda: time_runs(kds, a.runs, dpapi_ng_client(blobs, a.host, True))))
            if not a.no_uncached:
                peers.append(("dpapi-ng 0.2.0, no cache (a call per computer)",
                              lambda: time_runs(kds, 1, dpapi_ng_client(blobs, a.host, False))))
            for name, run in peers:
                r = run()
                if isinstance(r, str):
                    print(f"{name}: not measured: {r}", file=sys.stderr)
                    rows.append((name, None, None, r))
                else:
                    rows.append((name, r[0], r[1], ""))
                    print(f"{name}: median {statistics.median(r[0]):.3f} s, GetKey calls {r[1]}", file=sys.stderr)
        finally:
            kds.stop()
        load_after = os.getloadavg()

    for name, _, calls, _ in rows:
        if calls and name.startswith("winlaps"):
            assert all(c == groups for c in calls), f"{name}: GetKey calls {calls}, groups {groups}"
    crit = None
    if a.criterion:
        crit = criterion_run(a.path, a.count)

    ref = {name: statistics.median(t) for name, t, _, _ in rows if t}
    dpapi = ref.get("dpapi-ng 0.2.0, one KeyCache for the fleet")
    dpapi_nc = ref.get("dpapi-ng 0.2.0, no cache (a call per computer)")
    print(f"\nFleet: {n} values ({a.path}), 3 root keys x 40 L1 periods = {groups} (root key, L0) groups; "
          f"{a.runs} run(s); lab KDS on {a.host}:135 (NTLM, sealed); load {load_before[0]:.2f} before, {load_after[0]:.2f} after.\n")
    print("| client | median wall time | per value | GetKey calls per run | vs dpapi-ng (KeyCache) | vs dpapi-ng (no cache) |")
    print("|---|---|---|---|---|---|")
    for name, t, calls, why in rows:
        if not t:
            print(f"| {name} | not measured: {why} | | | | |")
            continue
        m = statistics.median(t)
        r1 = f"{dpapi / m:.1f}x" if dpapi else ""
        r2 = f"{dpapi_nc / m:.1f}x" if dpapi_nc else ""
        print(f"| {name} | {m * 1000:.0f} ms | {m / n * 1e6:.0f} us | {', '.join(map(str, sorted(set(calls or []))))} | {r1} | {r2} |")
    if isinstance(crit, tuple):
        m = crit[0]
        r1 = f"{dpapi / m:.1f}x" if dpapi else ""
        r2 = f"{dpapi_nc / m:.1f}x" if dpapi_nc else ""
        print(f"| winlaps Rust ({crit[1]}) | {m * 1000:.0f} ms | {m / n * 1e6:.0f} us | {groups} (asserted) | {r1} | {r2} |")
    elif isinstance(crit, str):
        print(f"| winlaps Rust (criterion) | not measured: {crit} | | | | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
