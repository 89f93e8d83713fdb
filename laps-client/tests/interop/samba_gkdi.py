"""Fetches, with Samba's GetKey client (samba.dcerpc.gkdi, python3-samba), the envelope of
every request in REQUESTS.json (vectors with the target SD's bytes, `sd_hex`) from the KDS at HOST and writes {id: envelope hex} to OUT.
Run with the system Python: /usr/bin/python3 samba_gkdi.py HOST DOMAIN\\USER REQUESTS.json OUT
(password in KDS_PASSWORD). NTLM, sealed, NDR."""

import json
import os
import sys

from samba import credentials, param
from samba.dcerpc import gkdi, misc


def main():
    host, user, vectors_path, out_path = sys.argv[1:5]
    domain, name = user.split("\\")
    lp = param.LoadParm()
    creds = credentials.Credentials()
    creds.guess(lp)
    creds.set_username(name)
    creds.set_domain(domain)
    creds.set_password(os.environ["KDS_PASSWORD"])
    creds.set_kerberos_state(credentials.DONT_USE_KERBEROS)
    # NTLM (auth_type 10): the lab KDS's SPNEGO acceptor (sspi) does not read the NTLM token
    # out of Samba's negTokenResp (see laps-client/README.md, "Not done").
    conn = gkdi.gkdi(f"ncacn_ip_tcp:{host}[seal,ntlm]", lp, creds)
    out = {}
    for v in json.load(open(vectors_path)):
        _, envelope, result = conn.GetKey(
            list(bytes.fromhex(v["sd_hex"])), misc.GUID(v["root_key_id"]), v["l0"], v["l1"], v["l2"]
        )
        if result[0] != 0:
            sys.exit(f"{v['id']}: GetKey HRESULT 0x{result[0] & 0xffffffff:08x}")
        out[v["id"]] = bytes(envelope).hex()
    json.dump(out, open(out_path, "w"))


if __name__ == "__main__":
    main()
