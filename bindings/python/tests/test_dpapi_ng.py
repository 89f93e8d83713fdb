"""winlaps against dpapi-ng 0.2.0 from PyPI: the same inputs through both.

* every positive root-key vector decrypts to the same plaintext in both;
* random mutations of real blobs: both fail, or both give the same plaintext;
* blobs written by each are read by the other;
* ``winlaps.dpapi_ng`` keeps dpapi-ng's public names and signatures.
"""

from __future__ import annotations

import asyncio
import inspect
import random
import sys
import uuid
from typing import Any

import dpapi_ng
import pytest
from dpapi_ng._blob import DPAPINGBlob

import winlaps
import winlaps.dpapi_ng as compat
from conftest import vectors

FILES = ["decrypt_real.json", "laps_attribute.json", "ncrypt_blob.json"]
ROOT_KEY_VECTORS = [v for f in FILES for v in vectors(f) if v["key_source"]["kind"] == "root_key"]


def blob_of(v: dict[str, Any]) -> bytes:
    data = bytes.fromhex(v["input_hex"])
    return data[16:] if v["input_kind"] == "laps_attribute" else data


def load(cache: Any, ks: dict[str, Any]) -> None:
    """KeyCache.load_key with the same arguments for both libraries."""
    cache.load_key(
        bytes.fromhex(ks["root_key_data_hex"]),
        uuid.UUID(ks["root_key_id"]),
        version=ks["version"],
        kdf_algorithm=ks["kdf_algorithm"],
        kdf_parameters=bytes.fromhex(ks["kdf_parameters_hex"]) or None,
        secret_algorithm=ks["secret_agreement_algorithm"],
        secret_parameters=bytes.fromhex(ks["secret_agreement_parameters_hex"]) or None,
        private_key_length=ks["private_key_length"],
        public_key_length=ks["public_key_length"],
    )


def caches(ks: dict[str, Any]) -> tuple[Any, compat.KeyCache]:
    theirs, ours = dpapi_ng.KeyCache(), compat.KeyCache()
    load(theirs, ks)
    load(ours, ks)
    return theirs, ours


@pytest.mark.parametrize("v", ROOT_KEY_VECTORS, ids=[v["id"] for v in ROOT_KEY_VECTORS])
def test_same_plaintext_as_dpapi_ng(v: dict[str, Any]) -> None:
    theirs, ours = caches(v["key_source"])
    blob = blob_of(v)
    expected = bytes.fromhex(v["expected"]["plaintext_hex"])
    assert dpapi_ng.ncrypt_unprotect_secret(blob, cache=theirs) == expected
    assert compat.ncrypt_unprotect_secret(blob, cache=ours) == expected


def dpapi_ng_would_hang(blob: bytes) -> bool:
    """dpapi-ng 0.2.0 loops forever on a negative L0, or an L1 or L2 outside 0..=31."""
    try:
        ki = DPAPINGBlob.unpack(blob).key_identifier
    except Exception:  # noqa: BLE001 - dpapi-ng cannot even parse it: it fails fast
        return False
    return not (0 <= ki.l1 <= 31 and 0 <= ki.l2 <= 31 and ki.l0 >= 0)


def outcome(f: Any) -> tuple[str, bytes]:
    try:
        return "ok", f()
    except Exception:  # noqa: BLE001 - any error counts as a failure here
        return "error", b""


# One vector per root-key configuration and path (DH, P-256, P-384; public and private).
MUTATION_SOURCES = list({(v["key_source"]["name"], v["expected"]["path"]): v for v in vectors("laps_attribute.json")}.values())


@pytest.mark.parametrize("v", MUTATION_SOURCES, ids=[v["id"] for v in MUTATION_SOURCES])
def test_random_mutations_never_decrypt_where_dpapi_ng_fails(v: dict[str, Any]) -> None:
    """Anywhere in the blob: whenever dpapi-ng rejects a mutation, winlaps rejects it too, and
    when both accept one they return the same plaintext. (winlaps is stricter than dpapi-ng on
    structure that does not feed the key derivation, e.g. the content-type OID, the KeyIdentifier
    magic or the NUL after the domain name: it rejects those, dpapi-ng ignores them.)"""
    theirs, ours = caches(v["key_source"])
    blob = blob_of(v)
    rng = random.Random(v["id"])
    for _ in range(40):
        mutated = bytearray(blob)
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(mutated))
            mutated[i] ^= rng.randint(1, 255)
        m = bytes(mutated)
        ours_result = outcome(lambda: compat.ncrypt_unprotect_secret(m, cache=ours))
        if dpapi_ng_would_hang(m):
            assert ours_result[0] == "error"
            continue
        theirs_result = outcome(lambda: dpapi_ng.ncrypt_unprotect_secret(m, cache=theirs))
        if theirs_result[0] == "error":
            assert ours_result[0] == "error", f"winlaps decrypted what dpapi-ng rejects: {m.hex()}"
        elif ours_result[0] == "ok":
            assert ours_result == theirs_result


def _regions(blob: bytes) -> dict[str, tuple[int, int]]:
    """Byte ranges that feed the cryptography: wrapped CEK, GCM nonce, ciphertext and tag."""
    parsed = DPAPINGBlob.unpack(blob)
    cek = blob.index(parsed.enc_cek)
    content = blob.rindex(parsed.enc_content)
    nonce = blob.index(parsed.enc_content_parameters[4:16]) if parsed.enc_content_parameters else content
    return {
        "wrapped_cek": (cek, cek + len(parsed.enc_cek)),
        "gcm_nonce": (nonce, nonce + 12),
        "ciphertext_and_tag": (content, content + len(parsed.enc_content)),
    }


@pytest.mark.parametrize("v", MUTATION_SOURCES, ids=[v["id"] for v in MUTATION_SOURCES])
def test_mutations_of_the_cryptographic_parts_fail_in_both(v: dict[str, Any]) -> None:
    theirs, ours = caches(v["key_source"])
    blob = blob_of(v)
    rng = random.Random(v["id"] + "crypto")
    for region, (start, end) in _regions(blob).items():
        for _ in range(4):
            mutated = bytearray(blob)
            mutated[rng.randrange(start, end)] ^= 1 << rng.randrange(8)
            m = bytes(mutated)
            assert outcome(lambda: compat.ncrypt_unprotect_secret(m, cache=ours))[0] == "error", region
            assert outcome(lambda: dpapi_ng.ncrypt_unprotect_secret(m, cache=theirs))[0] == "error", region


def test_truncations_fail_in_both() -> None:
    v = MUTATION_SOURCES[0]
    theirs, ours = caches(v["key_source"])
    blob = blob_of(v)
    for n in range(0, len(blob), 7):
        assert outcome(lambda: compat.ncrypt_unprotect_secret(blob[:n], cache=ours))[0] == "error"
        assert outcome(lambda: dpapi_ng.ncrypt_unprotect_secret(blob[:n], cache=theirs))[0] == "error"


@pytest.mark.parametrize("ks_name", sorted({v["key_source"]["name"] for v in vectors("laps_attribute.json")}))
def test_each_reads_what_the_other_writes(ks_name: str) -> None:
    ks = next(v["key_source"] for v in vectors("laps_attribute.json") if v["key_source"]["name"] == ks_name)
    theirs, ours = caches(ks)
    rk = uuid.UUID(ks["root_key_id"])
    sid = "S-1-5-21-1-2-3-512"
    secret = b"\x00\x01secret\xff" * 7
    ours_blob = compat.ncrypt_protect_secret(secret, sid, root_key_identifier=rk, cache=ours)
    theirs_blob = dpapi_ng.ncrypt_protect_secret(secret, sid, root_key_identifier=rk, cache=theirs)
    assert dpapi_ng.ncrypt_unprotect_secret(ours_blob, cache=theirs) == secret
    assert compat.ncrypt_unprotect_secret(theirs_blob, cache=ours) == secret
    # And a winlaps public-key (LAPS client) blob, which dpapi-ng must read with the root key.
    cred = winlaps.LapsCredential("Administrator", "Z,E2q68}", 133_928_369_137_884_253)
    value = winlaps.encrypt_attribute(cred, key=winlaps.RootKey(ks["root_key_id"], bytes.fromhex(ks["root_key_data_hex"]),
        kdf_parameters=bytes.fromhex(ks["kdf_parameters_hex"]) or None,
        secret_agreement_algorithm=ks["secret_agreement_algorithm"],
        secret_agreement_parameters=bytes.fromhex(ks["secret_agreement_parameters_hex"]) or None,
        private_key_length=ks["private_key_length"], public_key_length=ks["public_key_length"]), sid=sid,
        domain_name="contoso.com")
    assert dpapi_ng.ncrypt_unprotect_secret(value[16:], cache=theirs) == winlaps.KeyStore.decrypt_blob(
        ours._store, value[16:]
    )


def test_public_names_and_signatures_match_dpapi_ng() -> None:
    assert sorted(compat.__all__) == sorted(dpapi_ng.__all__)
    for name in dpapi_ng.__all__:
        ours, theirs = getattr(compat, name), getattr(dpapi_ng, name)
        if inspect.isclass(theirs):
            for attr in ("__init__", "load_key"):
                assert _params(getattr(ours, attr)) == _params(getattr(theirs, attr)), f"{name}.{attr}"
        else:
            assert _params(ours) == _params(theirs), name
            assert inspect.iscoroutinefunction(ours) == inspect.iscoroutinefunction(theirs), name


def _params(f: Any) -> list[tuple[str, Any, Any]]:
    return [(p.name, p.kind, p.default) for p in inspect.signature(f).parameters.values()]


def test_missing_key_without_the_rpc_extra_raises_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # pyspnego not installed (winlaps[rpc] missing): a None entry makes `import spnego` fail.
    monkeypatch.setitem(sys.modules, "spnego", None)
    v = ROOT_KEY_VECTORS[0]
    with pytest.raises(compat.RpcNotSupportedError, match=r"winlaps\[rpc\]") as e:
        compat.ncrypt_unprotect_secret(blob_of(v), cache=compat.KeyCache())
    assert isinstance(e.value, winlaps.KeyNotFoundError)
    assert isinstance(e.value, winlaps.UnsupportedError)
    assert isinstance(e.value, NotImplementedError)
    assert v["key_source"]["root_key_id"] in str(e.value)
    with pytest.raises(compat.RpcNotSupportedError):
        compat.ncrypt_unprotect_secret(blob_of(v))
    with pytest.raises(compat.RpcNotSupportedError):
        compat.ncrypt_protect_secret(b"x", "S-1-5-32-544", server="dc01")
    # Any descriptor but one SID is refused by the core before a DC is looked up.
    for descriptor in ("LOCAL=user", "SID=S-1-5-32-544 OR SID=S-1-5-32-545"):
        with pytest.raises(winlaps.UnsupportedError):
            compat.ncrypt_protect_secret(b"x", descriptor, cache=compat.KeyCache())


def test_malformed_input_is_a_value_error_as_in_dpapi_ng() -> None:
    with pytest.raises(ValueError):
        compat.ncrypt_unprotect_secret(b"\x30\x03\x02\x01\x00", cache=compat.KeyCache())


def test_async_variants() -> None:
    v = ROOT_KEY_VECTORS[0]
    _, ours = caches(v["key_source"])
    expected = bytes.fromhex(v["expected"]["plaintext_hex"])

    async def main() -> tuple[bytes, bytes]:
        blob = await compat.async_ncrypt_protect_secret(
            b"abc", "S-1-5-32-544", root_key_identifier=uuid.UUID(v["key_source"]["root_key_id"]), cache=ours
        )
        results = await asyncio.gather(
            compat.async_ncrypt_unprotect_secret(blob_of(v), cache=ours),
            compat.async_ncrypt_unprotect_secret(blob, cache=ours),
        )
        return results[0], results[1]

    assert asyncio.run(main()) == (expected, b"abc")
