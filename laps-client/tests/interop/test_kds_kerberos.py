"""Kerberos against winlaps' lab KDS: `winlaps kds serve --keytab` (started by interop.sh with
the keytab the Samba DC exported for host/kds.winlaps.test) answers clients that take tickets
from Samba's KDC: Samba's samba.dcerpc.gkdi (Kerberos and SPNEGO with Kerberos inside),
impacket (SPNEGO/Kerberos, ticket from a ccache), dpapi-ng (pyspnego over MIT GSSAPI) and
winlaps' CLI. The KDS has no account for these users: their SIDs come from the tickets' PACs,
so a member of "LAPS Readers" gets the seed key of a value protected to that group and a
non-member only the public key or access denied (MS-GKDI 3.1.4.1).
"""

import json
import os
import pathlib
import subprocess
import uuid

import pytest
from dpapi_ng._blob import DPAPINGBlob
from impacket.dcerpc.v5 import epm, gkdi, transport
from impacket.dcerpc.v5.rpcrt import RPC_C_AUTHN_GSS_NEGOTIATE, RPC_C_AUTHN_LEVEL_PKT_PRIVACY
from impacket.dpapi_ng import create_sd

import lab
from test_kds_interop import WINLAPS, decrypt_with_gke, samba_client, winlaps

SPN_HOST = "kds.winlaps.test"


def samba_env():
    path = os.environ.get("WINLAPS_SAMBA_ENV")
    if not path or os.environ.get("KDS_KERBEROS") != "1":
        return None
    env = {}
    for line in pathlib.Path(path).read_text().splitlines():
        if "=" in line:
            k, v = line.split("=", 1)
            env[k.strip()] = v.strip().strip("'\"")
    return env


SAMBA = samba_env()
if SAMBA is None:
    if os.environ.get("CI") == "true":
        raise RuntimeError("CI=true but the lab KDS runs without the Samba DC's keytab (WINLAPS_SAMBA_ENV)")
    pytest.skip("no Samba DC (WINLAPS_SAMBA_ENV) and keytab: Kerberos interop skipped", allow_module_level=True)

REALM = SAMBA["SAMBA_REALM"]
GROUP = SAMBA["SAMBA_HELPDESK_GROUP_SID"]
HELPDESK = (f"{SAMBA['SAMBA_HELPDESK_USER']}@{REALM}", SAMBA["SAMBA_HELPDESK_PASSWORD"])
PLAIN = (f"{SAMBA['SAMBA_PLAIN_USER']}@{REALM}", SAMBA["SAMBA_PLAIN_PASSWORD"])
os.environ["KRB5_CONFIG"] = SAMBA["KRB5_CONFIG"]
os.environ.setdefault("SAMBA_SMB_CONF", SAMBA["SAMBA_SMB_CONF"])
PASSWORD = "Kerb3ros-LAPS-Pa55"


@pytest.fixture(scope="module")
def value():
    """A LAPS attribute protected to "LAPS Readers" with the KDS's current root key (the
    repository's sample key), made offline by winlaps, as a vector for decrypt_with_gke."""
    out = subprocess.run(
        [WINLAPS, "encrypt", "--root-key", str(lab.SAMPLE_ROOT_KEY), "--sid", GROUP, "--domain", "winlaps.test"],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    hexval = out.stdout.strip()
    kid = DPAPINGBlob.unpack(bytes.fromhex(hexval)[16:]).key_identifier
    return {
        "id": "kerberos",
        "kind": "laps_attribute",
        "hex": hexval,
        "sid": GROUP,
        "root_key_id": str(kid.root_key_identifier),
        "l0": kid.l0,
        "l1": kid.l1,
        "l2": kid.l2,
        "host": SPN_HOST,
    }


def is_public_key_only(hresult, gke_hex):
    """Non-members get the public-key envelope (flag bit 0) or E_ACCESSDENIED."""
    if hresult == 0x80070005:
        return True
    return hresult == 0 and int.from_bytes(bytes.fromhex(gke_hex)[8:12], "little") & 1 == 1


@pytest.mark.parametrize("mode", ["krb5", "spnego-krb5"])
def test_samba_gkdi_client_with_kerberos(mode, value, tmp_path):
    req = [{**value, "sd_hex": create_sd(GROUP).getData().hex()}]
    member = samba_client(mode, HELPDESK[0], HELPDESK[1], req, tmp_path / "member")
    hresult, gke = member[value["id"]]
    assert hresult == 0, f"GetKey HRESULT 0x{hresult:08x}"
    got = decrypt_with_gke(value, bytes.fromhex(gke), tmp_path)
    assert got["password"] == PASSWORD
    other = samba_client(mode, PLAIN[0], PLAIN[1], req, tmp_path / "other")
    assert is_public_key_only(*other[value["id"]])


def kinit(user, tmp_path):
    """A ccache with a TGT and a service ticket for host/kds.winlaps.test (MIT kinit, kvno)."""
    cache = tmp_path / f"cc-{user[0].split('@')[0]}"
    env = {**os.environ, "KRB5CCNAME": f"FILE:{cache}"}
    r = subprocess.run(["kinit", user[0]], input=user[1] + "\n", env=env, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    r = subprocess.run(["kvno", f"host/{SPN_HOST}"], env=env, capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return str(cache)


def test_impacket_get_key_with_kerberos(value, tmp_path, monkeypatch):
    """impacket's Kerberos (SPNEGO, DCE style, its own GSS wrap) with the service ticket from a
    ccache: impacket's own AS/TGS exchange fails against Samba 4.22's KDC
    (KRB_AP_ERR_INAPP_CKSUM on the TGS-REQ), so MIT kinit gets the tickets."""
    monkeypatch.setenv("KRB5CCNAME", kinit(HELPDESK, tmp_path))
    binding = epm.hept_map(SPN_HOST, gkdi.MSRPC_UUID_GKDI, protocol="ncacn_ip_tcp")
    t = transport.DCERPCTransportFactory(binding)
    t.set_credentials(HELPDESK[0].split("@")[0], "", REALM)
    t.set_kerberos(True, kdcHost=SAMBA["SAMBA_DC_IP"])
    dce = t.get_dce_rpc()
    dce.set_auth_type(RPC_C_AUTHN_GSS_NEGOTIATE)
    dce.set_auth_level(RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
    dce.connect()
    try:
        dce.bind(gkdi.MSRPC_UUID_GKDI)
        resp = gkdi.GkdiGetKey(
            dce,
            target_sd=create_sd(GROUP),
            l0=value["l0"],
            l1=value["l1"],
            l2=value["l2"],
            root_key_id=uuid.UUID(value["root_key_id"]).bytes_le,
        )
    finally:
        dce.disconnect()
    gke = b"".join(resp["pbbOut"])
    assert decrypt_with_gke(value, gke, tmp_path)["password"] == PASSWORD


@pytest.mark.parametrize("auth", ["kerberos", "negotiate"])
def test_winlaps_cli_decrypts_with_kerberos(auth, value):
    args = ["decrypt", "--dc", SPN_HOST, "--auth", auth, "--kdc", SAMBA["SAMBA_DC_IP"]]
    out = winlaps(*args, "--user", HELPDESK[0], value["hex"], password=HELPDESK[1])
    assert out.returncode == 0, out.stderr
    r = json.loads(out.stdout)[0]
    assert r["ok"] and r["password"] == PASSWORD, r
    out = winlaps(*args, "--user", PLAIN[0], value["hex"], password=PLAIN[1])
    r = json.loads(out.stdout)[0] if out.stdout.strip() else {"ok": False}
    assert not r["ok"], r


def gssapi_available():
    try:
        import gssapi  # noqa: F401
        import krb5  # noqa: F401
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but the venv lacks gssapi/krb5 (pyspnego's Kerberos)")
        pytest.skip("pyspnego's Kerberos needs the gssapi and krb5 packages")


@pytest.mark.parametrize("auth", ["kerberos", "negotiate"])
def test_dpapi_ng_with_kerberos(auth):
    """dpapi-ng: a non-member protects to the group through the KDS (public key), the member
    unprotects through it (seed key), the non-member cannot."""
    gssapi_available()
    import dpapi_ng

    data = f"dpapi-ng over {auth}".encode()
    blob = dpapi_ng.ncrypt_protect_secret(
        data, GROUP, server=SPN_HOST, username=PLAIN[0], password=PLAIN[1], auth_protocol=auth
    )
    assert (
        dpapi_ng.ncrypt_unprotect_secret(
            blob, server=SPN_HOST, username=HELPDESK[0], password=HELPDESK[1], auth_protocol=auth
        )
        == data
    )
    with pytest.raises(Exception) as e:
        dpapi_ng.ncrypt_unprotect_secret(
            blob, server=SPN_HOST, username=PLAIN[0], password=PLAIN[1], auth_protocol=auth
        )
    assert "not authorized" in str(e.value), e.value
