"""Independent clients against winlaps' lab KDS (`winlaps kds serve`, started by interop.sh on
KDS_HOST with the data lab.py wrote into KDS_DIR): dpapi-ng 0.2.0, impacket, Samba's
samba.dcerpc.gkdi and winlaps' own CLI decrypt the repository's Windows-made and generated
vectors with keys fetched over MS-GKDI GetKey."""

import json
import os
import pathlib
import subprocess
import uuid

import dpapi_ng
import pytest
from impacket.dcerpc.v5 import epm, gkdi, transport
from impacket.dcerpc.v5.rpcrt import RPC_C_AUTHN_LEVEL_PKT_PRIVACY, RPC_C_AUTHN_WINNT, DCERPCException
from impacket.dpapi_ng import create_sd

import lab

HERE = pathlib.Path(__file__).resolve().parent
KDS_DIR = pathlib.Path(os.environ["KDS_DIR"])
HOST = os.environ.get("KDS_HOST", "127.0.0.2")
WINLAPS = os.environ["WINLAPS_BIN"]
VECTORS = json.loads((KDS_DIR / "vectors.json").read_text())
SAMBA_PYTHON = os.environ.get("SAMBA_PYTHON", "/usr/bin/python3")


def blob_of(v):
    raw = bytes.fromhex(v["hex"])
    return raw[16:] if v["kind"] == "laps_attribute" else raw


def winlaps(*args, password=None, stdin=""):
    env = dict(os.environ)
    if password is not None:
        env["WINLAPS_PASSWORD"] = password
    return subprocess.run([WINLAPS, *args], input=stdin, capture_output=True, text=True, env=env, timeout=60)


def decrypt_with_gke(v, gke: bytes, tmp_path):
    """Decrypts vector `v` offline with winlaps and the envelope `gke`; returns plaintext hex."""
    f = tmp_path / "gke.bin"
    f.write_bytes(gke)
    args = ["decrypt", "--gke", str(f)]
    if v["kind"] == "dpapi_ng_blob":
        args.append("--blob")
    out = winlaps(*args, v["hex"])
    assert out.returncode == 0, out.stderr + out.stdout
    r = json.loads(out.stdout)[0]
    assert r["ok"], r
    if v["kind"] == "dpapi_ng_blob":
        return r["plaintext_hex"]
    return r


def expected_attribute(v):
    """The (account, password) a LAPS attribute vector holds: the plaintext is UTF-16LE JSON."""
    text = bytes.fromhex(v["plaintext_hex"]).decode("utf-16-le").rstrip("\x00")
    doc = json.loads(text)
    return doc["n"], doc["p"]


def check(v, got):
    if v["kind"] == "dpapi_ng_blob":
        assert got == v["plaintext_hex"]
    else:
        account, password = expected_attribute(v)
        assert (got["account"], got["password"]) == (account, password)


ids = [v["id"] for v in VECTORS]


@pytest.mark.parametrize("v", VECTORS, ids=ids)
def test_dpapi_ng_unprotect_through_the_lab_kds(v):
    plaintext = dpapi_ng.ncrypt_unprotect_secret(
        blob_of(v),
        server=HOST,
        username=lab.HELPDESK[0],
        password=lab.HELPDESK[1],
        auth_protocol="ntlm",
    )
    assert plaintext.hex() == v["plaintext_hex"]


def test_dpapi_ng_default_negotiate():
    """dpapi-ng's default auth_protocol ("negotiate": SPNEGO, NTLM inside without Kerberos)."""
    for v in [v for v in VECTORS if v["origin"] == "windows"][:4]:
        plaintext = dpapi_ng.ncrypt_unprotect_secret(
            blob_of(v), server=HOST, username=lab.HELPDESK[0], password=lab.HELPDESK[1]
        )
        assert plaintext.hex() == v["plaintext_hex"], v["id"]
    with pytest.raises(Exception) as e:
        dpapi_ng.ncrypt_unprotect_secret(blob_of(VECTORS[0]), server=HOST, username=lab.HELPDESK[0], password="wrong")
    assert "wrong" not in str(e.value)


def test_dpapi_ng_unprotect_denied_for_a_non_member():
    v = next(v for v in VECTORS if v["origin"] == "windows")
    with pytest.raises(Exception) as e:
        dpapi_ng.ncrypt_unprotect_secret(
            blob_of(v), server=HOST, username=lab.PLAIN[0], password=lab.PLAIN[1], auth_protocol="ntlm"
        )
    assert "not authorized" in str(e.value), e.value


@pytest.mark.parametrize("user", [lab.HELPDESK, lab.PLAIN], ids=["member", "non-member"])
def test_dpapi_ng_protect_with_the_lab_kds_key(user, tmp_path):
    """ncrypt_protect_secret(server=...) gets the current key from the lab KDS; the blob then
    decrypts with the KDS's current root key (winlaps, offline) and through the KDS (dpapi-ng)."""
    sid = VECTORS[0]["sid"]
    data = b"protected through the lab KDS"
    blob = dpapi_ng.ncrypt_protect_secret(
        data, sid, server=HOST, username=user[0], password=user[1], auth_protocol="ntlm"
    )
    out = winlaps("decrypt", "--blob", "--root-key", str(lab.SAMPLE_ROOT_KEY), blob.hex())
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)[0]["plaintext_hex"] == data.hex()
    back = dpapi_ng.ncrypt_unprotect_secret(
        blob, server=HOST, username=lab.HELPDESK[0], password=lab.HELPDESK[1], auth_protocol="ntlm"
    )
    assert back == data


def impacket_connection(user):
    binding = epm.hept_map(HOST, gkdi.MSRPC_UUID_GKDI, protocol="ncacn_ip_tcp")
    t = transport.DCERPCTransportFactory(binding)
    domain, name = user[0].split("\\")
    t.set_credentials(name, user[1], domain)
    dce = t.get_dce_rpc()
    dce.set_auth_level(RPC_C_AUTHN_LEVEL_PKT_PRIVACY)
    dce.set_auth_type(RPC_C_AUTHN_WINNT)
    dce.connect()
    dce.bind(gkdi.MSRPC_UUID_GKDI)
    return dce


@pytest.fixture(scope="module")
def impacket_dce():
    dce = impacket_connection(lab.HELPDESK)
    yield dce
    dce.disconnect()


@pytest.mark.parametrize("v", VECTORS, ids=ids)
def test_impacket_get_key_through_the_lab_kds(v, impacket_dce, tmp_path):
    resp = gkdi.GkdiGetKey(
        impacket_dce,
        target_sd=create_sd(v["sid"]),
        l0=v["l0"],
        l1=v["l1"],
        l2=v["l2"],
        root_key_id=uuid.UUID(v["root_key_id"]).bytes_le,
    )
    gke = b"".join(resp["pbbOut"])
    check(v, decrypt_with_gke(v, gke, tmp_path))


def test_impacket_get_key_denied_for_a_non_member():
    """A non-member asking for a past key gets the public key only (flag bit 0 of the
    envelope), which cannot decrypt."""
    v = VECTORS[0]
    dce = impacket_connection(lab.PLAIN)
    try:
        resp = gkdi.GkdiGetKey(
            dce, target_sd=create_sd(v["sid"]), l0=v["l0"], l1=v["l1"], l2=v["l2"],
            root_key_id=uuid.UUID(v["root_key_id"]).bytes_le,
        )
        gke = b"".join(resp["pbbOut"])
        flags = int.from_bytes(gke[8:12], "little")
        assert flags & 1, "a non-member gets the public-key envelope"
    except DCERPCException as e:
        assert "0x80070005" in str(e).lower() or "access" in str(e).lower()
    finally:
        dce.disconnect()


def samba_client(mode, user, password, requests, work):
    """Runs samba_gkdi.py (system Python) for `requests`; returns {id: [HRESULT, envelope hex]}."""
    if not os.path.exists(SAMBA_PYTHON) or subprocess.run(
        [SAMBA_PYTHON, "-c", "import samba.dcerpc.gkdi"], capture_output=True
    ).returncode:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but python3-samba (samba.dcerpc.gkdi) is not importable")
        pytest.skip("python3-samba is not installed")
    work.mkdir(parents=True, exist_ok=True)
    (work / "requests.json").write_text(json.dumps(requests))
    out = work / "envelopes.json"
    host = requests[0].get("host", HOST)
    r = subprocess.run(
        [SAMBA_PYTHON, str(HERE / "samba_gkdi.py"), host, user, mode, str(work / "requests.json"), str(out)],
        env={**os.environ, "KDS_PASSWORD": password},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    return json.loads(out.read_text())


@pytest.fixture(scope="module", params=["ntlm", "spnego"])
def samba_envelopes(request, tmp_path_factory):
    """Envelopes for every vector fetched by Samba's samba.dcerpc.gkdi client (system Python),
    bound with NTLM (auth_type 10) and with SPNEGO (9, NTLM inside: Samba's default)."""
    # The key derivation hashes the target SD's bytes, so Samba's client is given the SD as
    # Windows lays it out (impacket's create_sd); Samba's own SDDL packing orders it otherwise.
    requests = [{**v, "sd_hex": create_sd(v["sid"]).getData().hex()} for v in VECTORS]
    work = tmp_path_factory.mktemp(f"samba-{request.param}")
    return samba_client(request.param, lab.HELPDESK[0], lab.HELPDESK[1], requests, work)


@pytest.mark.parametrize("v", VECTORS, ids=ids)
def test_samba_gkdi_client_through_the_lab_kds(v, samba_envelopes, tmp_path):
    hresult, gke = samba_envelopes[v["id"]]
    assert hresult == 0, f"GetKey HRESULT 0x{hresult:08x}"
    check(v, decrypt_with_gke(v, bytes.fromhex(gke), tmp_path))


def test_winlaps_cli_decrypts_every_vector_with_few_get_key_calls():
    """winlaps' own client: every attribute vector in one `winlaps decrypt --dc` call; the
    GetKey calls equal the distinct (SID, root key, L0) groups."""
    attrs = [v for v in VECTORS if v["kind"] == "laps_attribute"]
    groups = {(v["sid"], v["root_key_id"], v["l0"]) for v in attrs}
    out = winlaps(
        "decrypt", "--dc", HOST, "--auth", "ntlm", "--user", lab.HELPDESK[0], *[v["hex"] for v in attrs],
        password=lab.HELPDESK[1],
    )
    assert out.returncode == 0, out.stderr
    results = json.loads(out.stdout)
    for v, r in zip(attrs, results):
        assert r["ok"], (v["id"], r)
        check(v, r)
    assert f"{len(groups)} GetKey call(s)" in out.stderr, out.stderr
    blobs = [v for v in VECTORS if v["kind"] == "dpapi_ng_blob"]
    out = winlaps(
        "decrypt", "--blob", "--dc", HOST, "--auth", "ntlm", "--user", lab.HELPDESK[0], *[v["hex"] for v in blobs],
        password=lab.HELPDESK[1],
    )
    assert out.returncode == 0, out.stderr
    for v, r in zip(blobs, json.loads(out.stdout)):
        assert r["ok"] and r["plaintext_hex"] == v["plaintext_hex"], (v["id"], r)
