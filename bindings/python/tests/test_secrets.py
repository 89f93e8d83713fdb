"""Secrets never leak through repr, str or exception messages; no panic reaches Python."""

from __future__ import annotations

import datetime
import random

import pytest

import winlaps
from conftest import root_key, store_for, vectors

V = vectors("laps_attribute.json")[0]
PASSWORD = V["expected"]["laps_json"]["p"]
KEY_HEX = V["key_source"]["root_key_data_hex"]


def test_credential_repr_redacts_the_password() -> None:
    c = store_for(V).decrypt_attribute(bytes.fromhex(V["input_hex"]))
    assert c.password == PASSWORD
    for text in (repr(c), str(c), f"{c!r}", repr([c])):
        assert PASSWORD not in text
        assert "<redacted>" in text
    assert "Administrator" in repr(c)
    pw = c.password_bytes()
    assert isinstance(pw, bytearray) and pw.decode() == PASSWORD
    pw[:] = bytes(len(pw))  # callers can wipe their copy
    assert c.password == PASSWORD


def test_credential_equality_and_json() -> None:
    t = 0x1DBCCC8E4925C5D  # the spec's example header time, 2025-05-24T16:28:33.7884253Z
    a = winlaps.LapsCredential("Administrator", "p@ss", t)
    b = winlaps.LapsCredential("Administrator", "p@ss", t)
    c = winlaps.LapsCredential("Administrator", "p@sS", t)
    assert a == b and a != c
    assert a.to_json() == '{"n":"Administrator","t":"1dbccc8e4925c5d","p":"p@ss"}'
    assert winlaps.parse_laps_password_json(a.to_json()) == a
    assert a.update_time.isoformat() == "2025-05-24T16:28:33.788425+00:00"


def test_root_key_repr_redacts_the_key_data() -> None:
    k = root_key(V["key_source"])
    text = repr(k)
    assert KEY_HEX not in text and KEY_HEX[:16] not in text
    assert "<redacted>" in text
    assert V["key_source"]["root_key_id"] in text
    assert str(k.root_key_id) == V["key_source"]["root_key_id"]


def test_graph_password_repr_redacts() -> None:
    g = winlaps.decode_graph_password("UQBRAEAAZAA4AGYAOABnAFkA")
    assert "QQ@d8f8gY" not in repr(g)
    assert g.password == "QQ@d8f8gY"


def test_key_store_repr_shows_counts_only() -> None:
    s = store_for(V)
    s.decrypt_attribute(bytes.fromhex(V["input_hex"]))
    assert KEY_HEX not in repr(s)
    assert s.cached_seed_count > 0


def test_error_messages_never_contain_secrets() -> None:
    s = store_for(V)
    value = bytearray.fromhex(V["input_hex"])
    value[-5] ^= 1  # break the GCM tag
    with pytest.raises(winlaps.DecryptionError) as e:
        s.decrypt_attribute(bytes(value))
    assert str(e.value) == "decryption failed"
    secret = "Sup3r$ecret-Pa55"
    bad_json = '{"n":"Administrator","t":"nothex","p":"' + secret + '"}'
    with pytest.raises(winlaps.FormatError) as e2:
        winlaps.parse_laps_password_json(bad_json)
    assert secret not in str(e2.value)
    with pytest.raises(winlaps.FormatError) as e3:
        winlaps.parse_laps_password_json('{"n":"a","t":"1","p":' + secret)
    assert secret not in str(e3.value)
    with pytest.raises(winlaps.WinlapsError) as e4:
        winlaps.RootKey("0150f7ea-6675-9ee6-7b95-cc513b0c2695", bytes.fromhex(KEY_HEX), secret_agreement_algorithm="RSA")
    assert KEY_HEX[:8] not in str(e4.value)


def test_wrong_key_is_key_not_found_or_decryption_error() -> None:
    other = next(v for v in vectors("laps_attribute.json") if v["key_source"]["root_key_id"] != V["key_source"]["root_key_id"])
    with pytest.raises(winlaps.KeyNotFoundError):
        store_for(other).decrypt_attribute(bytes.fromhex(V["input_hex"]))


def test_argument_errors() -> None:
    with pytest.raises(winlaps.InvalidArgumentError):
        winlaps.RootKey("not-a-guid", bytes(64))
    with pytest.raises(TypeError):
        winlaps.RootKey(42, bytes(64))  # type: ignore[arg-type]
    with pytest.raises(winlaps.InvalidArgumentError):
        winlaps.RootKey("0150f7ea-6675-9ee6-7b95-cc513b0c2695", b"")
    with pytest.raises(winlaps.UnsupportedError):
        winlaps.RootKey("0150f7ea-6675-9ee6-7b95-cc513b0c2695", bytes(64), kdf_algorithm="PBKDF2")
    with pytest.raises(winlaps.InvalidArgumentError):
        winlaps.encrypt_attribute(b"x", key=root_key(V["key_source"]), sid="S-1-5-32-544")  # no domain
    with pytest.raises(winlaps.InvalidArgumentError):
        winlaps.encrypt_blob(b"x", key=root_key(V["key_source"]), sid="not a sid")
    with pytest.raises(TypeError):
        winlaps.encrypt_blob(b"x", key="key", sid="S-1-5-32-544")  # type: ignore[arg-type]


def test_a_bytes_plaintext_is_stamped_now_by_default() -> None:
    # As Node's encryptAttribute({ plaintext }) and both bindings' encrypt_blob do.
    before = datetime.datetime.now(datetime.timezone.utc)
    value = winlaps.encrypt_attribute(
        b"x", key=root_key(V["key_source"]), sid="S-1-5-32-544", domain_name="contoso.com"
    )
    stamped = winlaps.parse_encrypted_attribute(value).update_time
    assert stamped is not None and before - datetime.timedelta(seconds=1) <= stamped
    assert stamped <= datetime.datetime.now(datetime.timezone.utc)


def test_sid_takes_a_one_sid_protection_descriptor_too() -> None:
    key = root_key(V["key_source"])
    blob = winlaps.encrypt_blob(b"x", key=key, sid="SID=S-1-5-32-544", domain_name="corp.example")
    assert winlaps.parse_blob(blob).target_sid == "S-1-5-32-544"
    with pytest.raises(winlaps.UnsupportedError):
        winlaps.encrypt_blob(b"x", key=key, sid="LOCAL=user", domain_name="corp.example")


def test_ecdh_root_keys_take_their_curve_lengths_by_default() -> None:
    k = winlaps.RootKey("0150f7ea-6675-9ee6-7b95-cc513b0c2695", bytes(64), secret_agreement_algorithm="ECDH_P384")
    assert (k.private_key_length, k.public_key_length) == (384, 384)
    with pytest.raises(winlaps.InvalidArgumentError):
        winlaps.RootKey(
            "0150f7ea-6675-9ee6-7b95-cc513b0c2695", bytes(64), secret_agreement_algorithm="ECDH_P384",
            private_key_length=256, public_key_length=256,
        )


def test_clear_text_helpers() -> None:
    assert winlaps.parse_legacy_password(b"Pa$$w0rd") == "Pa$$w0rd"
    assert winlaps.parse_legacy_password("Pa$$w0rd") == "Pa$$w0rd"
    t = winlaps.parse_expiration_time("133928369137884253")
    assert t is not None and t.isoformat() == "2025-05-27T16:28:33.788425+00:00"
    assert winlaps.parse_expiration_time(b"0") is None
    assert winlaps.parse_expiration_time(133928369137884253) == t
    for bad in ("soon", -1):
        with pytest.raises(winlaps.FormatError):
            winlaps.parse_expiration_time(bad)
    # AD's "never" (2**63 - 1) is past datetime's range: the latest datetime, not an OverflowError.
    never = winlaps.parse_expiration_time(str(2**63 - 1))
    assert never == datetime.datetime.max.replace(tzinfo=datetime.timezone.utc)
    with pytest.raises(winlaps.FormatError, match="LAPS password JSON at byte 1: not UTF-8"):
        winlaps.parse_laps_password_json(b"{\xff")
    g = winlaps.decode_graph_password("UGFzc3dvcmQh")  # base64 of UTF-8 "Password!"
    assert (g.password, g.encoding) == ("Password!", "utf-8")
    with pytest.raises(winlaps.FormatError):
        winlaps.decode_graph_password("***")


PARSERS = [
    winlaps.parse_encrypted_attribute,
    winlaps.parse_blob,
    winlaps.parse_registry_pol,
    winlaps.parse_syncml,
    winlaps.parse_reg,
    winlaps.parse_laps_password_json,
    winlaps.parse_legacy_password,
    winlaps.KeyStore().decrypt_blob,
    winlaps.KeyStore().decrypt_attribute,
    winlaps.KeyStore().add_group_key_envelope,
]


@pytest.mark.parametrize("parse", PARSERS, ids=lambda f: getattr(f, "__name__", "f"))
def test_random_and_mutated_input_only_raises_winlaps_errors(parse: object) -> None:
    rng = random.Random(7)
    seeds = [bytes.fromhex(V["input_hex"]), bytes.fromhex(V["input_hex"])[16:], b"PReg\x01\x00\x00\x00", b"<SyncML>"]
    for _ in range(300):
        base = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(0, 8)):
            if base and rng.random() < 0.5:
                base[rng.randrange(len(base))] = rng.randrange(256)
            else:
                base.insert(rng.randrange(len(base) + 1), rng.randrange(256))
        data = bytes(base[: rng.randrange(len(base) + 1)])
        try:
            parse(data)  # type: ignore[operator]
        except winlaps.WinlapsError:
            pass
