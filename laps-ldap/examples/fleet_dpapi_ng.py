"""The same fleet read as `cargo run --example fleet -- read`, with ldap3 and dpapi-ng 0.2.0.

Paged search of OU=Fleet (LDAP time), the KDS root key read into a dpapi-ng KeyCache, then every
msLAPS-EncryptedPassword decrypted offline (decryption time, one thread). Prints one JSON line.

    WINLAPS_SAMBA_ENV=/tmp/sdc/env .venv/bin/python laps-ldap/examples/fleet_dpapi_ng.py
"""

import json
import os
import ssl
import time
import uuid

import dpapi_ng
import ldap3


def load_env(path):
    env = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if "=" in line:
                k, v = line.strip().split("=", 1)
                env[k] = v.strip("'")
    return env


def main():
    env = load_env(os.environ.get("WINLAPS_SAMBA_ENV", "/tmp/sdc/env"))
    started = time.perf_counter()
    tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=env["SAMBA_CA_FILE"])
    server = ldap3.Server(env["SAMBA_DC_HOST"], port=636, use_ssl=True, tls=tls, connect_timeout=30)
    conn = ldap3.Connection(
        server,
        user=f"Administrator@{env['SAMBA_REALM']}",
        password=env["SAMBA_ADMIN_PASSWORD"],
        auto_bind=True,
        receive_timeout=30,
    )
    connect_s = time.perf_counter() - started

    t = time.perf_counter()
    values = []
    for entry in conn.extend.standard.paged_search(
        "OU=Fleet," + env["SAMBA_BASE_DN"],
        "(objectClass=computer)",
        attributes=["msLAPS-EncryptedPassword", "msLAPS-PasswordExpirationTime", "cn"],
        paged_size=500,
        generator=True,
    ):
        raw = entry.get("raw_attributes", {}).get("msLAPS-EncryptedPassword")
        if raw:
            values.append(raw[0])
    search_s = time.perf_counter() - t

    t = time.perf_counter()
    conn.search(
        "CN=Master Root Keys,CN=Group Key Distribution Service,CN=Services," + env["SAMBA_CONFIG_DN"],
        "(objectClass=msKds-ProvRootKey)",
        attributes=["*"],
    )
    cache = dpapi_ng.KeyCache()
    for e in conn.entries:
        a = e.entry_raw_attributes
        cache.load_key(
            a["msKds-RootKeyData"][0],
            root_key_id=uuid.UUID(a["cn"][0].decode()),
            version=int(a["msKds-Version"][0]),
            kdf_algorithm=a["msKds-KDFAlgorithmID"][0].decode(),
            kdf_parameters=a["msKds-KDFParam"][0],
            secret_algorithm=a["msKds-SecretAgreementAlgorithmID"][0].decode(),
            secret_parameters=a["msKds-SecretAgreementParam"][0],
            private_key_length=int(a["msKds-PrivateKeyLength"][0]),
            public_key_length=int(a["msKds-PublicKeyLength"][0]),
        )
    root_keys_s = time.perf_counter() - t
    conn.unbind()

    t = time.perf_counter()
    cpu = time.process_time()
    ok = 0
    for v in values:
        size = int.from_bytes(v[8:12], "little")
        pt = dpapi_ng.ncrypt_unprotect_secret(v[16 : 16 + size], cache=cache)
        json.loads(pt.decode("utf-16-le").rstrip("\x00"))
        ok += 1
    decrypt_s = time.perf_counter() - t
    decrypt_cpu_s = time.process_time() - cpu
    print(
        json.dumps(
            {
                "tool": "ldap3+dpapi-ng",
                "computers": len(values),
                "decrypted": ok,
                "connect_s": round(connect_s, 4),
                "ldap_search_s": round(search_s, 4),
                "root_keys_s": round(root_keys_s, 4),
                "decrypt_s": round(decrypt_s, 4),
                "decrypt_cpu_s": round(decrypt_cpu_s, 4),
                "threads": 1,
            }
        )
    )


if __name__ == "__main__":
    main()
