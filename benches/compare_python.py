#!/usr/bin/env python3
"""winlaps (Python bindings) against its Python peers, timed in one run on one machine.

    .venv/bin/python benches/compare_python.py            # full run (about a minute)
    .venv/bin/python benches/compare_python.py --quick    # smaller workloads, for a smoke run

Workloads (the goals of the Python-bindings issue):

1. 1000 real-shaped msLAPS-EncryptedPassword values: one root key in the Windows default
   configuration (SP800-108 with SHA-512, DH on the RFC 5114 2.3 group, 512/2048 bits), one
   Domain Admins SID, update times spread over 60 days (so L1/L2 vary like a real fleet),
   public-key path (what every real LAPS client writes): winlaps ``KeyStore.decrypt_many``
   (parallel, GIL released) against a dpapi-ng 0.2.0 ``ncrypt_unprotect_secret`` loop. Goal 15x.
2. The same values on the private-key (seed) path. Goal 30x.
3. ``generate_passwords(1_000_000)`` against ``"".join(secrets.choice(alphabet) ...)`` in a
   loop (complexity 4, 14 characters). Goal 50x.

Both sides are warmed first (dpapi-ng's KeyCache loaded and one pass run over a sample of the
values; winlaps' KeyStore likewise); then each side runs ``--repeat`` timed passes and the
median is reported. winlaps is also reported with a cold store (a fresh KeyStore per pass), the
number that matters for a one-shot domain dump. The values are made by winlaps' encryptor, and
a sample is checked to decrypt identically with dpapi-ng before anything is timed.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import string
import sys
import time
import uuid
from typing import Callable

import dpapi_ng  # type: ignore[import-untyped]

import winlaps

SID = "S-1-5-21-3112951519-3615558888-3888674396-512"
ALPHABET_4 = string.ascii_uppercase + string.ascii_lowercase + string.digits + ",.-+;!#&@{}[]$/()%"
UNIX_EPOCH_FILETIME = 116_444_736_000_000_000
TICKS_PER_DAY = 864_000_000_000


def median_seconds(f: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def make_values(root: winlaps.RootKey, n: int, public_key: bool, rng: random.Random) -> list[bytes]:
    now = UNIX_EPOCH_FILETIME + time.time_ns() // 100
    values = []
    for _ in range(n):
        t = now - rng.randrange(60 * TICKS_PER_DAY)
        cred = winlaps.LapsCredential("Administrator", winlaps.generate_password(), t)
        values.append(winlaps.encrypt_attribute(cred, key=root, sid=SID, public_key=public_key, domain_name="contoso.com"))
    return values


def bench_decrypt(
    root_id: uuid.UUID, root_data: bytes, root: winlaps.RootKey, n: int, public_key: bool, repeat: int, rng: random.Random
) -> tuple[float, float, float, float]:
    values = make_values(root, n, public_key, rng)
    blobs = [v[16:] for v in values]  # dpapi-ng takes the DPAPI-NG blob after the 16-byte header

    cache = dpapi_ng.KeyCache()
    cache.load_key(root_data, root_id)  # Windows defaults for everything else, as in winlaps
    warm_store = winlaps.KeyStore()
    warm_store.add_root_key(root)

    # Correctness first: a sample decrypts identically in both.
    for v, b in list(zip(values, blobs))[:: max(1, n // 20)]:
        assert dpapi_ng.ncrypt_unprotect_secret(b, cache=cache) == warm_store.decrypt_blob(b)

    # Warm both (dpapi-ng's cache keeps the L0/L1(31) seeds; winlaps caches seeds and group keys).
    for b in blobs[:: max(1, n // 50)]:
        dpapi_ng.ncrypt_unprotect_secret(b, cache=cache)
    warm_store.decrypt_many(values)

    def dpapi_ng_loop() -> None:
        for b in blobs:
            dpapi_ng.ncrypt_unprotect_secret(b, cache=cache)

    def winlaps_warm() -> None:
        results = warm_store.decrypt_many(values)
        assert all(isinstance(r, winlaps.LapsCredential) for r in results)

    def winlaps_cold() -> None:
        store = winlaps.KeyStore()
        store.add_root_key(root)
        store.decrypt_many(values)

    def winlaps_one_thread() -> None:
        for v in values:
            warm_store.decrypt_attribute(v)

    theirs = median_seconds(dpapi_ng_loop, max(1, repeat // 2) if public_key else repeat)
    cold = median_seconds(winlaps_cold, repeat)
    warm = median_seconds(winlaps_warm, repeat)
    one = median_seconds(winlaps_one_thread, repeat)
    return theirs, cold, warm, one


def bench_generate(n: int, repeat: int) -> tuple[float, float]:
    def secrets_loop() -> None:
        choice = secrets.choice
        [("".join(choice(ALPHABET_4) for _ in range(14))) for _ in range(n)]

    def ours() -> None:
        winlaps.generate_passwords(n)

    theirs = median_seconds(secrets_loop, max(1, repeat // 3))
    return theirs, median_seconds(ours, repeat)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small workloads (smoke run)")
    ap.add_argument("--repeat", type=int, default=5, help="timed passes per measurement (median)")
    args = ap.parse_args()
    n_blobs = 100 if args.quick else 1000
    n_passwords = 50_000 if args.quick else 1_000_000
    repeat = 3 if args.quick else args.repeat

    rng = random.Random(2026)
    root_id = uuid.UUID(int=rng.getrandbits(128))
    root_data = bytes(rng.getrandbits(8) for _ in range(64))
    root = winlaps.RootKey(root_id, root_data)

    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, dpapi-ng 0.2.0, winlaps (release build)")
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    print(f"{'workload':<66} {'peer':>10} {'winlaps':>10} {'ratio':>8} {'goal':>6}")
    rows: list[tuple[str, float, float, int | None]] = []
    for public_key, path_goal in ((True, 15), (False, 30)):
        theirs, cold, warm, one = bench_decrypt(root_id, root_data, root, n_blobs, public_key, repeat, rng)
        path = "DH-2048 public-key path" if public_key else "private-key (seed) path"
        rows.append((f"decrypt_many {n_blobs} LAPS values, {path}, warm store", theirs, warm, path_goal))
        rows.append((f"decrypt_many {n_blobs} LAPS values, {path}, cold store", theirs, cold, path_goal))
        rows.append(("  (one thread: decrypt_attribute loop, warm store)", theirs, one, None))
    theirs, ours = bench_generate(n_passwords, repeat)
    rows.append((f"generate {n_passwords:,} passwords (complexity 4, 14 chars)", theirs, ours, 50))
    for name, theirs, ours, row_goal in rows:
        ratio = theirs / ours
        goal_text = f"{row_goal:>5}x" if row_goal else ""
        print(f"{name:<66} {theirs * 1e3:>8.1f}ms {ours * 1e3:>8.1f}ms {ratio:>7.1f}x {goal_text}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
