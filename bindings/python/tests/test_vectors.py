"""Every shared DPAPI-NG / LAPS vector, through the bindings."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

import winlaps
from conftest import load_json, store_for, vectors

DECRYPT_FILES = ["decrypt_real.json", "laps_attribute.json", "ncrypt_blob.json", "gke_decrypt.json"]
POSITIVE = [(f, v) for f in DECRYPT_FILES for v in vectors(f)]
HISTORY = vectors("laps_history.json")
NEGATIVE = vectors("negative.json")
PARSE_ONLY = vectors("parse_only.json")

ERROR_CLASSES = {
    "authentication_failed": winlaps.DecryptionError,
    "key_unwrap_failed": winlaps.DecryptionError,
    "root_key_not_found": winlaps.KeyNotFoundError,
    "malformed": winlaps.FormatError,
    "unsupported_algorithm": winlaps.UnsupportedError,
}


def ids(items: list[tuple[str, dict[str, Any]]]) -> list[str]:
    return [v["id"] for _, v in items]


def check_credential(c: winlaps.LapsCredential, laps_json: dict[str, Any]) -> None:
    assert c.account == laps_json["n"]
    assert c.password == laps_json["p"]
    assert c.update_filetime == int(laps_json["t"], 16)


@pytest.mark.parametrize(("file", "v"), POSITIVE, ids=ids(POSITIVE))
def test_positive_vector_decrypts(file: str, v: dict[str, Any]) -> None:
    store = store_for(v)
    data = bytes.fromhex(v["input_hex"])
    expected = v["expected"]
    if v["input_kind"] == "laps_attribute":
        check_credential(store.decrypt_attribute(data), expected["laps_json"])
        assert store.decrypt_blob(data[16:]) == bytes.fromhex(expected["plaintext_hex"])
    else:
        assert store.decrypt_blob(data) == bytes.fromhex(expected["plaintext_hex"])


@pytest.mark.parametrize(("file", "v"), POSITIVE, ids=ids(POSITIVE))
def test_positive_vector_parses_without_a_key(file: str, v: dict[str, Any]) -> None:
    data = bytes.fromhex(v["input_hex"])
    expected = v["expected"]
    if v["input_kind"] == "laps_attribute":
        info = winlaps.parse_encrypted_attribute(data)
        header = expected.get("laps_header")
        if header:
            assert info.update_filetime == header["update_filetime"]
            assert info.encrypted_size == header["encrypted_size"]
    else:
        info = winlaps.parse_blob(data)
        assert info.update_time is None and info.encrypted_size is None
    assert info.protection_descriptor == expected["protection_descriptor"]
    assert info.target_sid == expected["protection_descriptor"].removeprefix("SID=")
    assert info.content_detached == expected["content_detached"]
    assert info.path == expected["path"]
    ki = expected.get("key_identifier")
    if ki:
        assert info.root_key_id == uuid.UUID(ki["root_key_id"])
        assert (info.l0, info.l1, info.l2, info.flags) == (ki["l0"], ki["l1"], ki["l2"], ki["flags"])
        assert (info.domain_name, info.forest_name) == (ki["domain_name"], ki["forest_name"])
    assert info.to_dict()["protection_descriptor"] == expected["protection_descriptor"]


@pytest.mark.parametrize("v", HISTORY, ids=[v["id"] for v in HISTORY])
def test_history_values_decrypt_in_one_parallel_call(v: dict[str, Any]) -> None:
    values = [bytes.fromhex(h) for h in v["input_values_hex"]]
    results = store_for(v).decrypt_many(values)
    assert len(results) == len(values) == len(v["expected"]["values"])
    for c, expected in zip(results, v["expected"]["values"]):
        assert isinstance(c, winlaps.LapsCredential)
        check_credential(c, expected["laps_json"])
        assert c.update_filetime == expected["laps_header"]["update_filetime"]


@pytest.mark.parametrize("v", NEGATIVE, ids=[v["id"] for v in NEGATIVE])
def test_negative_vector_fails_with_its_error_class(v: dict[str, Any]) -> None:
    store = store_for(v)
    data = bytes.fromhex(v["input_hex"])
    cls = ERROR_CLASSES[v["expected"]["error_class"]]
    with pytest.raises(cls):
        store.decrypt_attribute(data)
    [result] = store.decrypt_many([data])
    assert isinstance(result, cls)


def test_decrypt_many_mixes_results_and_errors_in_order() -> None:
    good = [v for v in vectors("laps_attribute.json") if v["key_source"]["name"] == "rk-sha512-dh"]
    # Negatives that fail even with the right key (neg-unknown-root-key-id only lacks its key).
    bad = [
        v
        for v in NEGATIVE
        if v["key_source"]["name"] == "rk-sha512-dh" and v["expected"]["error_class"] != "root_key_not_found"
    ]
    assert len(bad) >= 3
    store = store_for(good[0])
    inputs = []
    for g, b in zip(good, bad):
        inputs += [bytes.fromhex(g["input_hex"]), bytes.fromhex(b["input_hex"])]
    results = store.decrypt_many(inputs)
    for i, r in enumerate(results):
        if i % 2 == 0:
            assert isinstance(r, winlaps.LapsCredential)
            check_credential(r, good[i // 2]["expected"]["laps_json"])
        else:
            assert isinstance(r, winlaps.WinlapsError)
    # bytearray and memoryview inputs work too, and an empty batch is fine
    assert isinstance(store.decrypt_many([bytearray(inputs[0])])[0], winlaps.LapsCredential)
    assert store.decrypt_many([]) == []
    with pytest.raises(TypeError):
        store.decrypt_many(inputs[0])


@pytest.mark.parametrize("v", PARSE_ONLY, ids=[v["id"] for v in PARSE_ONLY])
def test_unsupported_protectors_parse_and_refuse_to_decrypt(v: dict[str, Any]) -> None:
    blob = bytes.fromhex(v["blob_hex"])
    info = winlaps.parse_blob(blob)
    assert info.protection_descriptor == v["expected_descriptor"]
    # No keys here: an unsupported protector, or (OR of SIDs) a key that is not in the store.
    with pytest.raises((winlaps.UnsupportedError, winlaps.KeyNotFoundError)):
        winlaps.KeyStore().decrypt_blob(blob)


ENCRYPTABLE = [
    (f, v)
    for f in ["laps_attribute.json", "ncrypt_blob.json"]
    for v in vectors(f)
    if "encrypt_inputs" in v
]


def randomness(inputs: dict[str, Any]) -> bytes:
    r = inputs["randomness"]
    tail = r.get("ephemeral_private_key") or r["kdf_context_nonce"]
    return bytes.fromhex(r["cek"] + r["gcm_nonce"] + tail)


@pytest.mark.parametrize(("file", "v"), ENCRYPTABLE, ids=ids(ENCRYPTABLE))
def test_encryption_reproduces_the_vector_byte_for_byte(file: str, v: dict[str, Any]) -> None:
    inputs = v["encrypt_inputs"]
    sid = inputs["protection_descriptor"].removeprefix("SID=")
    gke = bytes.fromhex(inputs["group_key_envelope_hex"])
    plaintext = bytes.fromhex(inputs["plaintext_hex"])
    if v["input_kind"] == "laps_attribute":
        out = winlaps.encrypt_attribute(
            plaintext, key=gke, sid=sid, update_time=inputs["update_filetime"], randomness=randomness(inputs)
        )
    else:
        out = winlaps.encrypt_blob(plaintext, key=gke, sid=sid, randomness=randomness(inputs))
    assert out.hex() == v["input_hex"]


def test_too_little_randomness_is_reported() -> None:
    v = ENCRYPTABLE[0][1]
    inputs = v["encrypt_inputs"]
    with pytest.raises(winlaps.WinlapsError, match="random number generator"):
        winlaps.encrypt_attribute(
            bytes.fromhex(inputs["plaintext_hex"]),
            key=bytes.fromhex(inputs["group_key_envelope_hex"]),
            sid=inputs["protection_descriptor"].removeprefix("SID="),
            update_time=inputs["update_filetime"],
            randomness=b"\x00" * 10,
        )


@pytest.mark.parametrize("public_key", [True, False])
def test_encrypt_then_decrypt_round_trips_for_every_root_key_config(public_key: bool) -> None:
    configs = {v["key_source"]["name"]: v for v in vectors("laps_attribute.json")}
    for v in configs.values():
        store = store_for(v)
        from conftest import root_key

        key = root_key(v["key_source"])
        cred = winlaps.LapsCredential("Administrator", "Z,E2q68}", 133_928_369_137_884_253)
        value = winlaps.encrypt_attribute(
            cred, key=key, sid="S-1-5-21-1-2-3-512", public_key=public_key, domain_name="contoso.com"
        )
        assert store.decrypt_attribute(value) == cred
        info = winlaps.parse_encrypted_attribute(value)
        assert info.path == ("public_key" if public_key else "private_key")
        assert info.domain_name == "contoso.com"
        assert info.update_filetime == cred.update_filetime
        blob = winlaps.encrypt_blob(
            b"\x00secret", key=key, sid="S-1-5-21-1-2-3-512", public_key=public_key, domain_name="contoso.com"
        )
        assert store.decrypt_blob(blob) == b"\x00secret"


def test_encryption_is_randomised() -> None:
    v = vectors("laps_attribute.json")[0]
    from conftest import root_key

    key = root_key(v["key_source"])
    cred = winlaps.LapsCredential("Administrator", "pw", 133_928_369_137_884_253)
    a = winlaps.encrypt_attribute(cred, key=key, sid="S-1-5-32-544", domain_name="contoso.com")
    b = winlaps.encrypt_attribute(cred, key=key, sid="S-1-5-32-544", domain_name="contoso.com")
    assert a != b


def test_component_structures() -> None:
    s = load_json("components.json")["structures"]
    # A Group Key Envelope (GetKey answer): add it, encrypt with it, and read its fields back.
    gke = bytes.fromhex(s["group_key_envelope_hex"])
    fields = s["group_key_envelope_fields"]
    winlaps.KeyStore().add_group_key_envelope(gke)
    info = winlaps.parse_blob(winlaps.encrypt_blob(b"x", key=gke, sid="S-1-5-32-544"))
    assert info.root_key_id == uuid.UUID(fields["root_key_id"])
    assert (info.l0, info.l1, info.l2) == (fields["l0"], fields["l1"], fields["l2"])
    assert (info.domain_name, info.forest_name) == (fields["domain_name"], fields["forest_name"])
    # KDF parameters and DH parameters blobs are accepted as msKds-KDFParam / -SecretAgreementParam.
    key = winlaps.RootKey(
        fields["root_key_id"],
        bytes(64),
        kdf_parameters=bytes.fromhex(s["kdf_parameters_sha512_hex"]),
        secret_agreement_parameters=bytes.fromhex(s["ffc_dh_parameters_hex"]),
    )
    assert (key.kdf_hash, key.secret_agreement_algorithm) == ("SHA512", "DH")


def test_cleartext_formats() -> None:
    data = load_json("cleartext_formats.json")
    for item in data["msLAPS-Password"]:
        for value in (item["ldap_value_utf8"], item["ldap_value_utf8"].encode()):
            c = winlaps.parse_laps_password_json(value)
            assert (c.account, c.password, c.update_filetime) == (item["n"], item["p"], item["t_filetime"])
    for item in data["graph_deviceLocalCredentials_passwordBase64"]["vectors"]:
        g = winlaps.decode_graph_password(item["passwordBase64"])
        assert g.password == item["decoded_utf16le"]
        assert g.encoding == "utf-16le"
        assert g.raw.decode("utf-16-le") == item["decoded_utf16le"]


def test_one_store_serves_many_python_threads() -> None:
    from concurrent.futures import ThreadPoolExecutor

    vs = [v for v in vectors("laps_attribute.json") if v["key_source"]["name"] == "rk-sha512-dh"]
    store = store_for(vs[0])
    values = [bytes.fromhex(v["input_hex"]) for v in vs] * 4
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(store.decrypt_attribute, values))
    for c, v in zip(results, vs * 4):
        check_credential(c, v["expected"]["laps_json"])


def test_decrypt_many_releases_the_gil() -> None:
    """A Python thread keeps running while decrypt_many works (it would stall if the GIL were held)."""
    import threading
    import time

    v = next(v for v in vectors("laps_attribute.json") if v["expected"]["path"] == "public_key" and v["key_source"]["name"] == "rk-sha512-dh")
    store = store_for(v)
    values = [bytes.fromhex(v["input_hex"])] * 150  # DH path: tens of milliseconds of native work
    ticks = 0
    stop = threading.Event()

    def spin() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            time.sleep(0)

    t = threading.Thread(target=spin)
    t.start()
    try:
        time.sleep(0.01)
        before = ticks
        results = store.decrypt_many(values)
        during = ticks - before
    finally:
        stop.set()
        t.join()
    assert all(isinstance(r, winlaps.LapsCredential) for r in results)
    assert during > 100  # held GIL: at most a switch or two; released: thousands of iterations


GKE_VECTORS = vectors("gke_decrypt.json")


@pytest.mark.parametrize("v", GKE_VECTORS, ids=[v["id"] for v in GKE_VECTORS])
def test_group_key_envelope_fields(v: dict[str, Any]) -> None:
    f = v["key_source"]["gke_fields"]
    info = winlaps.parse_group_key_envelope(bytes.fromhex(v["key_source"]["gke_hex"]))
    assert (info["l0"], info["l1"], info["l2"], info["flags"]) == (f["l0"], f["l1"], f["l2"], f["flags"])
    assert info["public_key"] is False
    assert info["root_key_id"] == uuid.UUID(v["root_key_for_crosscheck"]["root_key_id"])


def test_playing_the_dc_a_seed_envelope_decrypts_and_a_public_one_does_not() -> None:
    from conftest import root_key

    v = vectors("laps_attribute.json")[0]
    key = root_key(v["key_source"])
    sid = "S-1-5-21-1-2-3-512"
    t = 133_928_369_137_884_253
    cred = winlaps.LapsCredential("Administrator", "pw", t)
    value = winlaps.encrypt_attribute(cred, key=key, sid=sid, domain_name="contoso.com")
    seed = winlaps.make_group_key_envelope(key, sid=sid, time=t, public_key=False, domain_name="contoso.com")
    public = winlaps.make_group_key_envelope(key, sid=sid, time=t, domain_name="contoso.com")
    assert winlaps.parse_group_key_envelope(seed)["public_key"] is False
    assert winlaps.parse_group_key_envelope(public)["public_key"] is True
    assert winlaps.parse_group_key_envelope(seed)["domain_name"] == "contoso.com"
    s = winlaps.KeyStore()
    s.add_group_key_envelope(seed)
    assert s.decrypt_attribute(value) == cred
    p = winlaps.KeyStore()
    p.add_group_key_envelope(public)
    with pytest.raises(winlaps.KeyNotFoundError):
        p.decrypt_attribute(value)
    # The LAPS client's side: encrypt with the public envelope, decrypt with the root key.
    value2 = winlaps.encrypt_attribute(cred, key=public, sid=sid)
    assert store_for(v).decrypt_attribute(value2) == cred


def test_a_root_key_needs_the_callers_domain() -> None:
    v = vectors("laps_attribute.json")[0]
    from conftest import root_key

    key = root_key(v["key_source"])
    cred = winlaps.LapsCredential("Administrator", "pw", 133_928_369_137_884_253)
    with pytest.raises(winlaps.InvalidArgumentError, match="domain name is needed"):
        winlaps.encrypt_attribute(cred, key=key, sid="S-1-5-32-544")
    # The default path is the public-key path, for attributes and blobs alike.
    blob = winlaps.encrypt_blob(b"x", key=key, sid="S-1-5-32-544", domain_name="corp.example")
    info = winlaps.parse_blob(blob)
    assert (info.path, info.domain_name, info.forest_name) == ("public_key", "corp.example", "corp.example")
