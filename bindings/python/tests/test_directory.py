"""read_computer: Get-LapsADPassword's records from a computer's attribute values, and the
documented ldap3 flow against the Samba AD DC fixture (scripts/samba-dc).

The Samba test needs WINLAPS_SAMBA_ENV=DIR/env and ldap3; without them it is skipped with the
reason (under CI=true it fails instead).
"""

from __future__ import annotations

import datetime
import os
import ssl
import uuid
from typing import Any

import pytest

import winlaps

SID = "S-1-5-21-1-2-3-512"
OTHER = "S-1-5-21-1-2-3-1105"
ROOT = winlaps.RootKey(uuid.UUID("93b65561-b7f7-bed4-bca2-a7428e3819fd"), bytes(range(64)))
DN = "CN=PC01,CN=Computers,DC=contoso,DC=com"


def at(day: int) -> datetime.datetime:
    return datetime.datetime(2026, 11, day, 9, 0, tzinfo=datetime.timezone.utc)


def value(password: str, day: int, sid: str = SID) -> bytes:
    cred = winlaps.LapsCredential("Administrator", password, at(day))
    return winlaps.encrypt_attribute(cred, key=ROOT, sid=sid, update_time=at(day), domain_name="contoso.com")


def keys() -> winlaps.KeyStore:
    k = winlaps.KeyStore()
    k.add_root_key(ROOT)
    return k


def test_the_newest_source_and_history_newest_first() -> None:
    attrs: dict[str, Any] = {
        "msLAPS-EncryptedPassword": [value("Now", 20)],
        "msLAPS-EncryptedPasswordHistory": [value("Oldest", 1), value("Newer", 10), value("Older", 5)],
        "msLAPS-PasswordExpirationTime": [b"134100000000000000"],
        "ms-Mcs-AdmPwd": [b"legacy"],
        "sAMAccountName": [b"PC01$"],
    }
    records = winlaps.read_computer(DN, attrs, keys(), include_history=True)
    assert [(r["Source"], r["Password"]) for r in records] == [
        ("EncryptedPassword", "Now"),
        ("EncryptedPasswordHistory", "Newer"),
        ("EncryptedPasswordHistory", "Older"),
        ("EncryptedPasswordHistory", "Oldest"),
    ]
    first = records[0]
    assert first["ComputerName"] == "PC01"
    assert first["DistinguishedName"] == DN
    assert first["DecryptionStatus"] == "Success"
    assert first["PasswordUpdateTime"] == at(20)
    assert first["ExpirationTimestamp"] == datetime.datetime(2025, 12, 12, 8, tzinfo=datetime.timezone.utc)
    assert first["TargetSid"] == SID
    assert records[1]["ExpirationTimestamp"] is None


def test_one_value_for_another_group_is_unauthorized_alone() -> None:
    attrs: dict[str, Any] = {
        "msLAPS-EncryptedPassword": value("Mine", 20),
        "msLAPS-EncryptedPasswordHistory": [value("Theirs", 10, OTHER), b"garbage"],
    }
    records = winlaps.read_computer(
        DN,
        attrs,
        keys(),
        include_history=True,
        caller_sids={SID},
        principal_names={OTHER: "CONTOSO\\LAPS Readers"},
    )
    assert [r["DecryptionStatus"] for r in records] == ["Success", "Unauthorized", "Malformed"]
    assert records[1]["Password"] is None
    assert records[1]["AuthorizedDecryptor"] == "CONTOSO\\LAPS Readers"
    assert winlaps.read_computer(DN, attrs, winlaps.KeyStore())[0]["DecryptionStatus"] == "KeyNotFound"


def test_cleartext_and_legacy_values_need_no_key() -> None:
    clear = {"msLAPS-Password": '{"n":"Adm","t":"1dc5f0a1b2c3d4e","p":"Clear-1!"}'}
    r = winlaps.read_computer(DN, clear, winlaps.KeyStore())[0]
    assert (r["Source"], r["Account"], r["Password"], r["DecryptionStatus"]) == (
        "CleartextPassword",
        "Adm",
        "Clear-1!",
        "NotApplicable",
    )
    r = winlaps.read_computer(DN, {"ms-Mcs-AdmPwd": b"Legacy-1!"}, winlaps.KeyStore())[0]
    assert (r["Source"], r["Password"]) == ("LegacyLapsCleartextPassword", "Legacy-1!")


def test_errors_are_typed() -> None:
    with pytest.raises(winlaps.WinlapsError, match="no LAPS password attributes"):
        winlaps.read_computer(DN, {"description": b"x"}, keys())
    with pytest.raises(winlaps.FormatError, match="several values"):
        winlaps.read_computer(DN, {"msLAPS-Password": [b"a", b"b"]}, keys())


def _samba_env() -> dict[str, str]:
    path = os.environ.get("WINLAPS_SAMBA_ENV")
    if not path:
        if os.environ.get("CI") == "true":
            pytest.fail("WINLAPS_SAMBA_ENV is not set under CI=true (scripts/samba-dc start DIR)")
        pytest.skip("WINLAPS_SAMBA_ENV not set (no Samba DC; see scripts/samba-dc)")
    env = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if "=" in line:
                k, v = line.strip().split("=", 1)
                env[k] = v.strip("'")
    return env


# ldap3 2.9.1 verifies the host name with ssl.match_hostname, deprecated since Python 3.7.
@pytest.mark.filterwarnings("ignore:ssl.match_hostname:DeprecationWarning")
# ldap3 2.9.1 imports names that newer pyasn1 releases deprecate (tagMap, typeMap).
@pytest.mark.filterwarnings("ignore:tagMap is deprecated:DeprecationWarning")
@pytest.mark.filterwarnings("ignore:typeMap is deprecated:DeprecationWarning")
def test_ldap3_flow_against_the_samba_dc() -> None:
    """The README's example: a connection the caller opened with ldap3, winlaps decides."""
    env = _samba_env()
    ldap3 = pytest.importorskip("ldap3") if os.environ.get("CI") != "true" else __import__("ldap3")
    dpapi_ng = pytest.importorskip("dpapi_ng") if os.environ.get("CI") != "true" else __import__("dpapi_ng")
    tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=env["SAMBA_CA_FILE"])
    server = ldap3.Server(env["SAMBA_DC_HOST"], port=636, use_ssl=True, tls=tls, connect_timeout=20)
    conn = ldap3.Connection(
        server,
        user=f"Administrator@{env['SAMBA_REALM']}",
        password=env["SAMBA_ADMIN_PASSWORD"],
        auto_bind=True,
        receive_timeout=20,
    )
    # The directory's root key (Domain Admins may read it).
    conn.search(
        "CN=Master Root Keys,CN=Group Key Distribution Service,CN=Services," + env["SAMBA_CONFIG_DN"],
        "(objectClass=msKds-ProvRootKey)",
        attributes=["*"],
    )
    store = winlaps.KeyStore()
    root = None
    conn_root_attributes: Any = None
    for e in conn.entries:
        a = e.entry_raw_attributes
        conn_root_attributes = a
        root = winlaps.RootKey(
            a["cn"][0].decode(),
            a["msKds-RootKeyData"][0],
            kdf_parameters=a["msKds-KDFParam"][0],
            secret_agreement_parameters=a["msKds-SecretAgreementParam"][0],
            private_key_length=int(a["msKds-PrivateKeyLength"][0]),
            public_key_length=int(a["msKds-PublicKeyLength"][0]),
        )
        store.add_root_key(root)
    assert root is not None and root.private_key_length == 256

    # A computer with values written by ldap3: the current one encrypted by dpapi-ng 0.2.0
    # offline with the same root key (independent code), an older one by winlaps.
    dn = f"CN=TPYTHON,CN=Computers,{env['SAMBA_BASE_DN']}"
    conn.delete(dn)
    assert conn.add(dn, ["computer"], {"sAMAccountName": "TPYTHON$", "userAccountControl": "4096"})
    admins = env["SAMBA_DOMAIN_SID"] + "-512"
    a = conn_root_attributes
    cache = dpapi_ng.KeyCache()
    cache.load_key(
        a["msKds-RootKeyData"][0],
        root_key_id=uuid.UUID(a["cn"][0].decode()),
        kdf_parameters=a["msKds-KDFParam"][0],
        secret_parameters=a["msKds-SecretAgreementParam"][0],
        private_key_length=int(a["msKds-PrivateKeyLength"][0]),
    )
    now = datetime.datetime.now(datetime.timezone.utc)
    ticks = int(now.timestamp() * 10_000_000) + 116444736000000000
    doc = '{"n":"Administrator","t":"%x","p":"Dpapi-Ng-Pa55!"}' % ticks
    blob = dpapi_ng.ncrypt_protect_secret(
        doc.encode("utf-16-le") + b"\x00\x00", admins, root_key_identifier=root.root_key_id, cache=cache
    )
    header = (ticks >> 32).to_bytes(4, "little") + (ticks & 0xFFFFFFFF).to_bytes(4, "little")
    current = header + len(blob).to_bytes(4, "little") + bytes(4) + blob
    older = winlaps.encrypt_attribute(
        winlaps.LapsCredential("Administrator", "Python-Pa55!", at(1)),
        key=root,
        sid=admins,
        update_time=at(1),
        domain_name=env["SAMBA_REALM"].lower(),
    )
    assert conn.modify(
        dn,
        {
            "msLAPS-EncryptedPassword": [(ldap3.MODIFY_REPLACE, [current])],
            "msLAPS-EncryptedPasswordHistory": [(ldap3.MODIFY_REPLACE, [older])],
        },
    )

    # Read as Get-LapsADPassword does.
    conn.search(
        env["SAMBA_BASE_DN"],
        "(sAMAccountName=TPYTHON$)",
        attributes=["cn", "sAMAccountName", "msLAPS-EncryptedPassword", "msLAPS-EncryptedPasswordHistory",
                    "msLAPS-Password", "msLAPS-PasswordExpirationTime", "ms-Mcs-AdmPwd", "ms-Mcs-AdmPwdExpirationTime"],
    )
    entry = conn.entries[0]
    records = winlaps.read_computer(entry.entry_dn, entry.entry_raw_attributes, store, include_history=True)
    conn.unbind()
    assert [(r["Source"], r["Password"], r["DecryptionStatus"]) for r in records] == [
        ("EncryptedPassword", "Dpapi-Ng-Pa55!", "Success"),
        ("EncryptedPasswordHistory", "Python-Pa55!", "Success"),
    ]
    assert records[0]["ComputerName"] == "TPYTHON"
    assert records[0]["TargetSid"] == admins
