#!/usr/bin/env python3
"""Per-call cost of the Python binding's small calls, in microseconds.

    .venv/bin/python benches/python_percall.py [--runs 5] [--calls 2000]

Times ``resolve_policy(gpo={...})``, ``decide_rotation(policy, now=...)``,
``parse_encrypted_attribute(value)``, ``Device(join="ad")`` and ``generate_password(4, 14)``:
each one ``--calls`` times in a loop, ``--runs`` times over, with ``time.perf_counter``. Prints
the median and the minimum (best) of the runs, per call. Build the binding with
``maturin develop --release`` first; a debug build is several times slower.
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import time
import uuid
from typing import Callable

import winlaps

SID = "S-1-5-21-3112951519-3615558888-3888674396-512"
NOW = datetime.datetime(2026, 12, 3, 12, 0, tzinfo=datetime.timezone.utc)
GPO = {"BackupDirectory": 2, "PasswordAgeDays": 30, "PasswordLength": 20}


def per_call_us(call: Callable[[], object], runs: int, calls: int) -> list[float]:
    """``runs`` timings of ``calls`` calls of ``call``, each as microseconds per call."""
    results = []
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(calls):
            call()
        results.append((time.perf_counter() - start) / calls * 1e6)
    return results


def workloads() -> dict[str, Callable[[], object]]:
    """The calls to time, by label, with their inputs made once."""
    policy = winlaps.resolve_policy(gpo=GPO)
    root = winlaps.RootKey(uuid.UUID(int=0x1234), bytes(range(64)))
    cred = winlaps.LapsCredential("Administrator", "Passw0rd!", 133_000_000_000_000_000)
    value = winlaps.encrypt_attribute(cred, key=root, sid=SID, domain_name="contoso.com")
    return {
        "resolve_policy(gpo={...})": lambda: winlaps.resolve_policy(gpo=GPO),
        "decide_rotation(policy, now=...)": lambda: winlaps.decide_rotation(policy, now=NOW),
        "parse_encrypted_attribute(value)": lambda: winlaps.parse_encrypted_attribute(value),
        'Device(join="ad")': lambda: winlaps.Device(join="ad"),
        "generate_password(4, 14)": lambda: winlaps.generate_password(4, 14),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per call (default 5)")
    parser.add_argument("--calls", type=int, default=2000, help="calls per run (default 2000)")
    args = parser.parse_args()

    calls = workloads()
    print(f"{'call':<36} {'median us':>10} {'min us':>8}")
    for label, call in calls.items():
        call()  # warm up (first-use caches, imports)
        times = per_call_us(call, args.runs, args.calls)
        print(f"{label:<36} {statistics.median(times):>10.2f} {min(times):>8.2f}")


if __name__ == "__main__":
    main()
