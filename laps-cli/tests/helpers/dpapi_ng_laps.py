"""Independent LAPS encryptor/decryptor for the Samba tests: ldap3 + dpapi-ng 0.2.0, no winlaps code.

The KDS root key is read from the directory with ldap3 (as Administrator over LDAPS, verifying the
fixture's CA) and loaded into a dpapi-ng KeyCache, so encryption and decryption run offline.

  python dpapi_ng_laps.py encrypt SID ACCOUNT     password on stdin; prints the attribute value (base64)
  python dpapi_ng_laps.py decrypt                 attribute values (base64, one per line) on stdin;
                                                  prints one JSON object per value
Connection settings come from the fixture's env file named by WINLAPS_SAMBA_ENV.
"""

import base64
import json
import ssl
import sys
import time
import uuid

import dpapi_ng
import ldap3

EPOCH_FILETIME = 116444736000000000


def load_env(path):
    env = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if "=" in line and not line.startswith("#"):
                k, v = line.split("=", 1)
                env[k] = v.strip("'")
    return env


def root_key_cache(env):
    tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=env["SAMBA_CA_FILE"])
    server = ldap3.Server(env["SAMBA_DC_HOST"], port=636, use_ssl=True, tls=tls, connect_timeout=10)
    conn = ldap3.Connection(
        server,
        user=f"{env['SAMBA_ADMIN_USER']}@{env['SAMBA_REALM']}",
        password=env["SAMBA_ADMIN_PASSWORD"],
        auto_bind=True,
        receive_timeout=10,
    )
    base = "CN=Master Root Keys,CN=Group Key Distribution Service,CN=Services," + env["SAMBA_CONFIG_DN"]
    conn.search(base, "(objectClass=msKds-ProvRootKey)", attributes=["*"])
    cache = dpapi_ng.KeyCache()
    ids = []
    for e in conn.entries:
        a = e.entry_raw_attributes
        first = lambda name: a[name][0]
        rid = uuid.UUID(first("cn").decode())
        cache.load_key(
            first("msKds-RootKeyData"),
            root_key_id=rid,
            version=int(first("msKds-Version")),
            kdf_algorithm=first("msKds-KDFAlgorithmID").decode(),
            kdf_parameters=first("msKds-KDFParam"),
            secret_algorithm=first("msKds-SecretAgreementAlgorithmID").decode(),
            secret_parameters=first("msKds-SecretAgreementParam"),
            private_key_length=int(first("msKds-PrivateKeyLength")),
            public_key_length=int(first("msKds-PublicKeyLength")),
        )
        ids.append(rid)
    conn.unbind()
    if not ids:
        raise SystemExit("no KDS root key readable")
    return cache, ids[0]


def laps_json(account, password, filetime):
    return json.dumps({"n": account, "t": format(filetime, "x"), "p": password}, separators=(",", ":"))


def encrypt(env, sid, account):
    password = sys.stdin.readline().rstrip("\r\n")
    cache, rid = root_key_cache(env)
    now = time.time_ns() // 100 + EPOCH_FILETIME
    plaintext = laps_json(account, password, now).encode("utf-16-le") + b"\x00\x00"
    blob = dpapi_ng.ncrypt_protect_secret(plaintext, sid, root_key_identifier=rid, cache=cache)
    header = (now >> 32).to_bytes(4, "little") + (now & 0xFFFFFFFF).to_bytes(4, "little")
    header += len(blob).to_bytes(4, "little") + b"\x00\x00\x00\x00"
    print(base64.b64encode(header + blob).decode())


def decrypt(env):
    cache, _ = root_key_cache(env)
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        value = base64.b64decode(line)
        size = int.from_bytes(value[8:12], "little")
        t = (int.from_bytes(value[0:4], "little") << 32) | int.from_bytes(value[4:8], "little")
        try:
            pt = dpapi_ng.ncrypt_unprotect_secret(value[16 : 16 + size], cache=cache)
            doc = json.loads(pt.decode("utf-16-le").rstrip("\x00"))
            print(json.dumps({"ok": True, "header_time": t, "n": doc["n"], "t": doc["t"], "p": doc["p"]}))
        except Exception as e:  # one failing value must not stop the others
            print(json.dumps({"ok": False, "header_time": t, "error": type(e).__name__}))


def main():
    import os

    env = load_env(os.environ["WINLAPS_SAMBA_ENV"])
    cmd = sys.argv[1]
    if cmd == "encrypt":
        encrypt(env, sys.argv[2], sys.argv[3])
    elif cmd == "decrypt":
        decrypt(env)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
