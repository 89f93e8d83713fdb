"""Side by side, in one session: `fleet read` (winlaps, 1 and 2 threads) and fleet_dpapi_ng.py
(ldap3 + dpapi-ng 0.2.0), interleaved for ROUNDS rounds over the same OU=Fleet. Prints each run's
JSON line, then the medians (LDAP and decryption apart) and the decryption speed-ups round by
round, by wall time and by CPU time (CPU time is what the load of other processes disturbs least).

    cargo build --release -p laps-ldap --example fleet
    WINLAPS_SAMBA_ENV=/tmp/sdc/env WINLAPS_PASSWORD=... .venv/bin/python laps-ldap/examples/fleet_compare.py [ROUNDS]

With FLEET_OPENSSL set to a second `fleet` binary, built with laps-crypto's `openssl` feature (the
CLI's default: `cargo build --release -p laps-ldap --example fleet --features laps-crypto/openssl`,
then copy it), that build runs too, in the same rounds.
"""

import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
FLEET = os.path.join(TARGET, "release", "examples", "fleet")


def run(cmd, threads=None):
    env = dict(os.environ)
    if threads:
        env["RAYON_NUM_THREADS"] = str(threads)
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    line = json.loads(out.strip().splitlines()[-1])
    print(json.dumps(line), flush=True)
    return line


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    builds = {"winlaps": FLEET}
    if os.environ.get("FLEET_OPENSSL"):
        builds["winlaps+openssl"] = os.environ["FLEET_OPENSSL"]
    ours = [(f"{name} {n} thread{'s' if n > 1 else ''}", path, n)
            for name, path in builds.items() for n in (1, 2)]
    runs = {label: [] for label, _, _ in ours}
    runs["ldap3 + dpapi-ng"] = []
    for _ in range(rounds):
        for label, path, threads in ours:
            runs[label].append(run([path, "read"], threads))
        runs["ldap3 + dpapi-ng"].append(run([sys.executable, os.path.join(HERE, "fleet_dpapi_ng.py")]))
    print(f"\nmedians over {rounds} rounds (seconds):")
    print(f"{'':26} {'connect':>8} {'search':>8} {'rootkey':>8} {'decrypt':>8} {'dec CPU':>8}")
    for name, lines in runs.items():
        med = {k: statistics.median(r[k] for r in lines)
               for k in ("connect_s", "ldap_search_s", "root_keys_s", "decrypt_s", "decrypt_cpu_s")}
        print(f"{name:26} {med['connect_s']:8.3f} {med['ldap_search_s']:8.3f} {med['root_keys_s']:8.3f} "
              f"{med['decrypt_s']:8.3f} {med['decrypt_cpu_s']:8.3f}")
    peer = runs["ldap3 + dpapi-ng"]
    for name, _, _ in ours:
        wall = [p["decrypt_s"] / w["decrypt_s"] for w, p in zip(runs[name], peer)]
        cpu = [p["decrypt_cpu_s"] / w["decrypt_cpu_s"] for w, p in zip(runs[name], peer) if w["decrypt_cpu_s"] > 0]
        search = [p["ldap_search_s"] / w["ldap_search_s"] for w, p in zip(runs[name], peer)]
        print(f"{name}: decryption {min(wall):.1f}-{max(wall):.1f}x wall (median {statistics.median(wall):.1f}x), "
              f"{min(cpu):.1f}-{max(cpu):.1f}x CPU; LDAP search {statistics.median(search):.1f}x")


if __name__ == "__main__":
    main()
