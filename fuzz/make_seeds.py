#!/usr/bin/env python3
"""Rebuilds fuzz/seeds/<target>/ and fuzz/data/ from the vector and sample files the crates'
tests already carry (laps-crypto/tests/data, laps-policy/tests/data). Never reads ../shared.

Seeds are raw inputs for the targets in fuzz_targets/; targets whose input starts with a
selector byte get that byte prepended here (see each target's doc comment). Run from anywhere:

    python3 fuzz/make_seeds.py

then minimise with `cargo +nightly fuzz cmin <target> fuzz/seeds/<target>` if a set grows.
The structure-aware targets (resolve_policy, encrypt_roundtrip) have no vector seeds; their
committed seeds are minimised libFuzzer finds.
"""

import json
import pathlib
import shutil
import struct

FUZZ = pathlib.Path(__file__).resolve().parent
ROOT = FUZZ.parent
CRYPTO = ROOT / "laps-crypto" / "tests" / "data"
POLICY = ROOT / "laps-policy" / "tests" / "data"

VECTOR_TARGETS = [
    "encrypted_attribute",
    "dpapi_ng_blob",
    "key_identifier",
    "group_key_envelope",
    "key_blobs",
    "laps_password_json",
    "registry_pol",
    "syncml",
    "reg_file",
    "policy_snapshot",
    "decrypt_attribute",
]


def load(name):
    return json.loads((CRYPTO / name).read_text())


def der_tlv(b, at):
    """(tag, value_start, value_end) of the DER TLV at `at`."""
    tag = b[at]
    first = b[at + 1]
    if first < 0x80:
        return tag, at + 2, at + 2 + first
    n = first & 0x7F
    length = int.from_bytes(b[at + 2 : at + 2 + n], "big")
    return tag, at + 2 + n, at + 2 + n + length


def key_identifier_of(blob):
    """The keyIdentifier OCTET STRING of the first KEK recipient (walks the fixed CMS path)."""
    try:
        return _key_identifier_of(blob)
    except IndexError:  # truncated negative vectors
        return None


def _key_identifier_of(blob):
    _, s, _ = der_tlv(blob, 0)  # ContentInfo
    _, _, e = der_tlv(blob, s)  # contentType
    _, s, _ = der_tlv(blob, e)  # [0]
    _, s, _ = der_tlv(blob, s)  # EnvelopedData
    _, _, e = der_tlv(blob, s)  # version
    _, s, _ = der_tlv(blob, e)  # SET
    tag, s, _ = der_tlv(blob, s)  # [2] KEKRecipientInfo
    if tag != 0xA2:
        return None
    _, _, e = der_tlv(blob, s)  # version
    _, s, _ = der_tlv(blob, e)  # KEKIdentifier
    tag, s, e = der_tlv(blob, s)  # keyIdentifier
    return blob[s:e] if tag == 0x04 else None


def write(target, name, data):
    d = FUZZ / "seeds" / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data)


def main():
    for t in VECTOR_TARGETS:
        shutil.rmtree(FUZZ / "seeds" / t, ignore_errors=True)

    root_keys, envelopes = {}, {}
    attributes, blobs = [], []  # (id, bytes, store selector)
    for f in ["laps_attribute.json", "gke_decrypt.json", "ncrypt_blob.json", "negative.json", "laps_history.json", "decrypt_real.json"]:
        doc = load(f)
        for k in doc.get("root_keys", {}).values():
            root_keys[k["root_key_id"]] = k
        for v in doc["vectors"]:
            ks = v["key_source"]
            if ks["kind"] == "root_key":
                root_keys[ks["root_key_id"]] = ks
                store = 0
            else:
                envelopes[ks["gke_hex"]] = True
                store = 1
            if v["input_kind"] == "laps_attribute":
                attributes.append((v["id"], bytes.fromhex(v["input_hex"]), store))
            elif v["input_kind"] == "laps_attribute_multi":
                for i, h in enumerate(v["input_values_hex"]):
                    attributes.append((f"{v['id']}-{i}", bytes.fromhex(h), store))
            else:
                blobs.append((v["id"], bytes.fromhex(v["input_hex"]), store))
    for v in json.loads((CRYPTO / "parse_only.json").read_text())["vectors"]:
        blobs.append((v["id"], bytes.fromhex(v["blob_hex"]), 0))

    data = FUZZ / "data"
    data.mkdir(exist_ok=True)
    (data / "root_keys.json").write_text(json.dumps(sorted(root_keys.values(), key=lambda k: k["root_key_id"]), indent=1) + "\n")
    (data / "envelopes.json").write_text(json.dumps(sorted(envelopes), indent=1) + "\n")

    for vid, b, store in attributes:
        write("encrypted_attribute", vid, b)
        write("dpapi_ng_blob", vid, b[16:])
        # decrypt_attribute: byte 0 = bit0 key store (0 root keys, 1 envelopes), bit1 blob mode.
        write("decrypt_attribute", vid, bytes([store]) + b)
        ki = key_identifier_of(b[16:])
        if ki:
            write("key_identifier", vid, ki)
    for vid, b, store in blobs:
        write("dpapi_ng_blob", vid, b)
        write("decrypt_attribute", vid, bytes([store | 2]) + b)
        ki = key_identifier_of(b)
        if ki:
            write("key_identifier", vid, ki)

    # key_blobs: byte 0 = 0 DHPM, 1 public key blob (DHPB/ECK), 2 KDF parameters.
    comp = load("components.json")["structures"]
    write("key_blobs", "dhpm", b"\x00" + bytes.fromhex(comp["ffc_dh_parameters_hex"]))
    write("key_blobs", "dhpb", b"\x01" + bytes.fromhex(comp["ffc_dh_key_hex"]))
    write("key_blobs", "eck1", b"\x01" + bytes.fromhex(comp["ecdh_p256_key_hex"]))
    write("key_blobs", "kdf-sha512", b"\x02" + bytes.fromhex(comp["kdf_parameters_sha512_hex"]))
    for i, g in enumerate(sorted(envelopes) + [comp["group_key_envelope_hex"]]):
        write("group_key_envelope", f"gke-{i}", bytes.fromhex(g))
    for i, k in enumerate(sorted(root_keys.values(), key=lambda k: k["root_key_id"])):
        write("key_blobs", f"kdf-{i}", b"\x02" + bytes.fromhex(k["kdf_parameters_hex"]))
        if k["secret_agreement_parameters_hex"]:
            write("key_blobs", f"sa-{i}", b"\x00" + bytes.fromhex(k["secret_agreement_parameters_hex"]))
    # ECK3 and public GKE L2 keys: the ephemeral keys inside the collected KeyIdentifiers.
    for p in sorted((FUZZ / "seeds" / "key_identifier").iterdir()):
        ki = p.read_bytes()
        cb = struct.unpack_from("<I", ki, 40)[0]
        if struct.unpack_from("<I", ki, 8)[0] & 1:
            write("key_blobs", f"ki-{p.name}", b"\x01" + ki[52 : 52 + cb])

    # laps_password_json: byte 0 = 0 JSON text, 1 UTF-16LE plaintext, 2 Graph passwordBase64,
    # 3 expiration time, 4 legacy ms-Mcs-AdmPwd.
    clear = load("cleartext_formats.json")
    for i, c in enumerate(clear["msLAPS-Password"]):
        write("laps_password_json", f"json-{i}", b"\x00" + c["ldap_value_utf8"].encode())
    for i, g in enumerate(clear["graph_deviceLocalCredentials_passwordBase64"]["vectors"]):
        write("laps_password_json", f"graph-{i}", b"\x02" + g["passwordBase64"].encode())
    write("laps_password_json", "expiration", b"\x03133928369137884253")
    write("laps_password_json", "legacy", b"\x04Z,E2q68}")
    seen = set()
    for f in ["laps_attribute.json"]:
        for v in load(f)["vectors"]:
            pt = v["expected"].get("plaintext_hex")
            if pt and pt not in seen and len(seen) < 12:
                seen.add(pt)
                write("laps_password_json", f"plaintext-{v['id']}", b"\x01" + bytes.fromhex(pt))

    for p in sorted(POLICY.iterdir()):
        target = {".pol": "registry_pol", ".syncml": "syncml", ".reg": "reg_file"}.get(p.suffix)
        if target:
            write(target, p.name, p.read_bytes())

    # policy_snapshot: byte 0 = 0 snapshot JSON, 1 snapshot TOML, 2 device JSON, 3 device TOML.
    write("policy_snapshot", "gpo-json", b'\x00{"gpo": {"BackupDirectory": 2, "PasswordLength": 20, "PasswordComplexity": 5}}')
    write(
        "policy_snapshot",
        "all-roots-json",
        b'\x00{"csp": {"BackupDirectory": 1, "AdministratorAccountName": "admin"}, "gpo": {"BackupDirectory": 2},'
        b' "local": {"PasswordAgeDays": 7}, "legacy": {"AdmPwdEnabled": 1}, "state": {"LastPasswordUpdateTime": {"qword": 133928369137884253}}}',
    )
    write("policy_snapshot", "gpo-toml", b"\x01[gpo]\nBackupDirectory = 2\nPasswordLength = 20\n")
    write("policy_snapshot", "device-json", b'\x02{"join": "entra", "os_build": 22631}')
    write("policy_snapshot", "device-toml", b'\x03join = "ad"\ndomain_controller = true\n')


if __name__ == "__main__":
    main()
