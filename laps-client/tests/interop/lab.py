"""The lab KDS's data for the interop tests, taken from the repository's test vectors.

`python lab.py setup DIR` writes into DIR:
  rk-N.json      one file per root key the vectors need (laps-crypto's root key JSON), plus the
                 sample root key last (the "current" key for encryption);
  root-key-args  the `--root-key FILE ...` arguments for `winlaps kds serve`;
  accounts       LAB\\helpdesk (holds every SID the vectors are protected to) and LAB\\plain
                 (holds none of them);
  vectors.json   the vectors to decrypt: id, kind (dpapi_ng_blob | laps_attribute), hex, SID,
                 root key id, L0/L1/L2, expected plaintext hex.
"""

import json
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[3]
DATA = ROOT / "laps-crypto" / "tests" / "data"
SAMPLE_ROOT_KEY = ROOT / "laps-crypto" / "data" / "sample_root_key.json"

HELPDESK = ("LAB\\helpdesk", "Helpd3sk-Lab!")
PLAIN = ("LAB\\plain", "Pl41n-Lab!")
PLAIN_SID = "S-1-5-21-1000-2000-3000-1106"

# GKDI key intervals: an L2 key lasts 360000000000 FILETIME ticks (10 hours), 32 L2 per L1,
# 32 L1 per L0 ([MS-GKDI] 3.1.4.1).
KDS_INTERVAL = 360000000000
FILETIME_UNIX_EPOCH = 116444736000000000


def current_index():
    ft = int(time.time() * 10_000_000) + FILETIME_UNIX_EPOCH
    return (ft // (KDS_INTERVAL * 32 * 32), (ft // (KDS_INTERVAL * 32)) % 32, (ft // KDS_INTERVAL) % 32)


def vectors():
    """Every repository vector that a KDS holding its root key can serve: Windows-made
    (decrypt_real.json) and generated (ncrypt_blob.json, laps_attribute.json), keys not in
    the future."""
    now = current_index()
    out = []
    for name in ("decrypt_real.json", "ncrypt_blob.json", "laps_attribute.json"):
        doc = json.loads((DATA / name).read_text())
        for v in doc["vectors"]:
            ks = v["key_source"]
            exp = v.get("expected", {})
            kid = exp.get("key_identifier")
            pd = exp.get("protection_descriptor", "")
            if ks.get("kind") != "root_key" or not kid or not pd.startswith("SID=") or "plaintext_hex" not in exp:
                continue
            if v["input_kind"] not in ("dpapi_ng_blob", "laps_attribute"):
                continue
            if (kid["l0"], kid["l1"], kid["l2"]) > now:
                continue
            key = {k: val for k, val in ks.items() if k != "kind"}
            out.append(
                {
                    "id": v["id"],
                    "origin": v.get("origin", ""),
                    "kind": v["input_kind"],
                    "hex": v["input_hex"],
                    "sid": pd[4:],
                    "root_key": key,
                    "root_key_id": kid["root_key_id"],
                    "l0": kid["l0"],
                    "l1": kid["l1"],
                    "l2": kid["l2"],
                    "plaintext_hex": exp["plaintext_hex"],
                }
            )
    return out


def setup(directory):
    d = pathlib.Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    vs = vectors()
    keys = {}
    for v in vs:
        keys.setdefault(v["root_key_id"], v.pop("root_key"))
    files = []
    for i, key in enumerate(keys.values()):
        f = d / f"rk-{i}.json"
        f.write_text(json.dumps(key))
        files.append(f)
    files.append(SAMPLE_ROOT_KEY)
    (d / "root-key-args").write_text(" ".join(f"--root-key {f}" for f in files))
    sids = sorted({v["sid"] for v in vs})
    (d / "accounts").write_text(
        f"{HELPDESK[0]}:{HELPDESK[1]}:{','.join(sids)}\n{PLAIN[0]}:{PLAIN[1]}:{PLAIN_SID}\n"
    )
    (d / "vectors.json").write_text(json.dumps(vs, indent=1))
    print(f"{len(vs)} vectors, {len(keys)} root keys, {len(sids)} SIDs")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "setup":
        sys.exit("usage: lab.py setup DIR")
    setup(sys.argv[2])
