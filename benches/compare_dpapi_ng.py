#!/usr/bin/env python3
"""laps-crypto (Rust, criterion medians) side by side with dpapi-ng 0.2.0, on the same values.

    python3 -m venv /tmp/dpapi-venv && /tmp/dpapi-venv/bin/pip install dpapi-ng==0.2.0
    /tmp/dpapi-venv/bin/python benches/compare_dpapi_ng.py            # runs the crypto bench too
    /tmp/dpapi-venv/bin/python benches/compare_dpapi_ng.py --no-bench # reuse target/criterion

For each case of the issue-3 performance table, the fleet example writes the very values the
criterion bench `benches/benches/crypto.rs` decrypts (one root key with Windows defaults and the
case's secret agreement, one Domain Admins SID, update times spread over 60 days). dpapi-ng gets
the root key in a KeyCache, is warmed by one pass over the values, then timed over `--repeat`
passes; its per-blob median is set beside laps-crypto's criterion median (warm KeyStore, one
core). The two sides of each row run back to back (bench, then dpapi-ng) and the row shows the
load average, so on a shared machine the ratio is the number to read.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

import dpapi_ng

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# fleet label -> (criterion id, secret agreement, private bits, public bits, values, goal in µs)
CASES = {
    "dh2048": ("dh2048_public_per_blob", "DH", 512, 2048, 200, 500.0),
    "private": ("private_fleet_warm", "DH", 512, 2048, 1000, 15.0),
    "p256": ("ecdh_p256_per_blob", "ECDH_P256", 256, 256, 300, 150.0),
    "p384": ("ecdh_p384_per_blob", "ECDH_P384", 384, 384, 300, 450.0),
}


def run(cmd: list[str]) -> None:
    print("+", " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, cwd=ROOT, check=True)


def fleet(label: str, n: int, out_dir: str) -> dict:
    path = os.path.join(out_dir, f"fleet-{label}.json")
    run(["cargo", "run", "--release", "-q", "-p", "winlaps-benches", "--example", "fleet", "--", label, str(n), path])
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def criterion_median_us(bench_id: str) -> float | None:
    path = os.path.join(ROOT, "target", "criterion", "crypto", bench_id, "new", "estimates.json")
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)["median"]["point_estimate"] / 1000.0
    except FileNotFoundError:
        return None


def dh_parameters() -> bytes:
    with open(os.path.join(ROOT, "laps-crypto", "data", "sample_root_key.json"), encoding="utf-8") as f:
        return bytes.fromhex(json.load(f)["secret_agreement_parameters_hex"])


def dpapi_ng_median_us(data: dict, case: tuple, repeat: int) -> float:
    _, algorithm, private_bits, public_bits, _, _ = case
    cache = dpapi_ng.KeyCache()
    cache.load_key(
        bytes.fromhex(data["root_key_data_hex"]),
        root_key_id=uuid.UUID(data["root_key_id"]),
        secret_algorithm=algorithm,
        secret_parameters=dh_parameters() if algorithm == "DH" else None,
        private_key_length=private_bits,
        public_key_length=public_bits,
    )
    # dpapi-ng takes the DPAPI-NG blob: drop the 16-byte LAPS header.
    blobs = [bytes.fromhex(v)[16:] for v in data["values_hex"]]
    first = dpapi_ng.ncrypt_unprotect_secret(blobs[0], cache=cache)
    if b'"\x00n\x00"\x00:\x00' not in first:
        raise SystemExit("dpapi-ng did not decrypt the fleet's first value to LAPS JSON")
    for b in blobs:  # warm pass
        dpapi_ng.ncrypt_unprotect_secret(b, cache=cache)
    per_blob = []
    for _ in range(repeat):
        start = time.perf_counter_ns()
        for b in blobs:
            dpapi_ng.ncrypt_unprotect_secret(b, cache=cache)
        per_blob.append((time.perf_counter_ns() - start) / len(blobs) / 1000.0)
    return statistics.median(per_blob)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--no-bench", action="store_true", help="reuse the criterion results in target/criterion")
    ap.add_argument("--repeat", type=int, default=5, help="timed dpapi-ng passes (median reported)")
    ap.add_argument("--cases", default=",".join(CASES), help="comma-separated subset of " + ",".join(CASES))
    args = ap.parse_args()
    cases = [c for c in args.cases.split(",") if c]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        data = {label: fleet(label, CASES[label][4], tmp) for label in cases}
        for label in cases:
            case = CASES[label]
            if not args.no_bench:
                run(["cargo", "bench", "-q", "-p", "winlaps-benches", "--bench", "crypto", "--", f"crypto/{case[0]}$"])
            load = os.getloadavg()[0]
            ours = criterion_median_us(case[0])
            theirs = dpapi_ng_median_us(data[label], case, args.repeat)
            rows.append((label, case, len(data[label]["values_hex"]), data[label]["distinct_keys"], ours, theirs, load))
    print(f"\nmachine: {os.cpu_count()} CPUs; dpapi-ng 0.2.0; medians per blob\n")
    print("| case | values (distinct keys) | laps-crypto | dpapi-ng 0.2.0 | speed-up | goal | load avg |")
    print("|---|---|---|---|---|---|---|")
    for label, case, n, keys, ours, theirs, load in rows:
        ours_s = f"{ours:.1f} µs" if ours is not None else "n/a (run the bench)"
        ratio = f"{theirs / ours:.1f}×" if ours else "n/a"
        print(f"| {label} | {n} ({keys}) | {ours_s} | {theirs:.1f} µs | {ratio} | ≤ {case[5]:g} µs | {load:.1f} |")


if __name__ == "__main__":
    main()
