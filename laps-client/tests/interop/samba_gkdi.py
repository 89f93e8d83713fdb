"""Fetches, with Samba's GetKey client (samba.dcerpc.gkdi, python3-samba), the envelope of
every request in REQUESTS.json (vectors with the target SD's bytes, `sd_hex`) from the KDS at HOST
and writes {id: [HRESULT, envelope hex]} to OUT.

Run with the system Python:
    /usr/bin/python3 samba_gkdi.py HOST USER MODE REQUESTS.json OUT
(password in KDS_PASSWORD). Sealed, NDR. MODE:
    ntlm          NTLM (auth_type 10); USER is DOMAIN\\user
    spnego        SPNEGO (9) with NTLM inside; USER is DOMAIN\\user
    krb5          Kerberos (16), tickets from the KDC of the realm; USER is user@REALM
    spnego-krb5   SPNEGO with Kerberos inside; USER is user@REALM
For the Kerberos modes HOST is the name the service principal host/HOST is registered for,
KRB5_CONFIG names the KDC and SAMBA_SMB_CONF (optional) Samba's configuration.
"""

import json
import os
import sys

from samba import credentials, param
from samba.dcerpc import gkdi, misc


def main():
    host, user, mode, vectors_path, out_path = sys.argv[1:6]
    lp = param.LoadParm()
    if os.environ.get("SAMBA_SMB_CONF"):
        lp.load(os.environ["SAMBA_SMB_CONF"])
    creds = credentials.Credentials()
    creds.guess(lp)
    if mode in ("krb5", "spnego-krb5"):
        name, realm = user.split("@")
        creds.set_username(name)
        creds.set_realm(realm)
        creds.set_domain(realm.split(".")[0])
        creds.set_kerberos_state(credentials.MUST_USE_KERBEROS)
        options = {"krb5": "seal,krb5", "spnego-krb5": "seal,spnego"}[mode]
    else:
        domain, name = user.split("\\")
        creds.set_username(name)
        creds.set_domain(domain)
        creds.set_kerberos_state(credentials.DONT_USE_KERBEROS)
        options = {"ntlm": "seal,ntlm", "spnego": "seal,spnego"}[mode]
    creds.set_password(os.environ["KDS_PASSWORD"])
    conn = gkdi.gkdi(f"ncacn_ip_tcp:{host}[{options}]", lp, creds)
    out = {}
    for v in json.load(open(vectors_path)):
        _, envelope, result = conn.GetKey(
            list(bytes.fromhex(v["sd_hex"])), misc.GUID(v["root_key_id"]), v["l0"], v["l1"], v["l2"]
        )
        out[v["id"]] = [result[0] & 0xFFFFFFFF, bytes(envelope).hex()]
    json.dump(out, open(out_path, "w"))


if __name__ == "__main__":
    main()
