"""Live keys: winlaps' Python transport (laps-rpc's state machine, Python sockets, pyspnego)
against the lab KDS (``winlaps kds serve``, started here), compared with dpapi-ng 0.2.0's own
live client against the same server, and against the shared Samba AD DC (which serves no
GKDI)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dpapi_ng
import pytest

import winlaps
import winlaps.dpapi_ng as compat
from winlaps import _gkdi
from live_kds import REPO, LabKds, lab, skip_or_fail, winlaps_binary

HELPDESK, PLAIN = lab.HELPDESK, lab.PLAIN
SAMPLE = json.loads((REPO / "laps-crypto" / "data" / "sample_root_key.json").read_text())


@pytest.fixture(scope="module")
def kds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabKds]:
    try:
        import spnego  # noqa: F401
    except ImportError:
        skip_or_fail("pyspnego (winlaps[rpc]) is not installed")
    binary = winlaps_binary()
    if binary is None:
        skip_or_fail("no winlaps CLI binary (set WINLAPS_BIN or build laps-cli into CARGO_TARGET_DIR)")
        raise AssertionError  # unreachable: skip raises
    server = LabKds(binary, tmp_path_factory.mktemp("kds"))
    yield server
    server.stop()


def blob_of(v: dict[str, Any]) -> bytes:
    raw = bytes.fromhex(v["hex"])
    return raw[16:] if v["kind"] == "laps_attribute" else raw


def creds(user: tuple[str, str] = HELPDESK, protocol: str = "ntlm") -> dict[str, Any]:
    return {"username": user[0], "password": user[1], "auth_protocol": protocol}


def groups_of(values: list[bytes], blob: bool = False) -> set[tuple[Any, ...]]:
    """The distinct (SID, root key, L0), read with winlaps' parser (independent of the
    planner under test)."""
    out = set()
    for v in values:
        info = winlaps.parse_blob(v) if blob else winlaps.parse_encrypted_attribute(v)
        out.add((info.target_sid, info.root_key_id, info.l0))
    return out


def vector_ids(kds_vectors: list[dict[str, Any]]) -> list[str]:
    return [v["id"] for v in kds_vectors]


VECTORS: list[dict[str, Any]] = lab.vectors()


# --- winlaps.dpapi_ng over the network --------------------------------------------------------


@pytest.mark.parametrize("v", VECTORS, ids=[v["id"] for v in VECTORS])
def test_dpapi_ng_compat_unprotect_fetches_the_key_from_the_lab_kds(kds: LabKds, v: dict[str, Any]) -> None:
    cache = compat.KeyCache()
    # Port 135 is where dpapi-ng (and so the compat API) looks; otherwise go straight to ISD_KEY.
    if kds.has_epm_135:
        got = compat.ncrypt_unprotect_secret(blob_of(v), server=kds.host, cache=cache, **creds())
    else:
        store = cache._store
        store.fetch_from_dc([blob_of(v)], kds.host, blob=True, port=kds.port, **creds())
        got = compat.ncrypt_unprotect_secret(blob_of(v), cache=cache)
    assert got.hex() == v["plaintext_hex"]
    # The seed keys stayed in the cache: no second call.
    before = kds.calls()
    assert compat.ncrypt_unprotect_secret(blob_of(v), cache=cache).hex() == v["plaintext_hex"]
    assert kds.calls() == before


def test_dpapi_ng_compat_same_plaintext_as_dpapi_ng_live_client(kds: LabKds) -> None:
    if not kds.has_epm_135:
        pytest.skip("dpapi-ng needs the endpoint mapper on port 135 (run as root)")
    for v in VECTORS:
        theirs = dpapi_ng.ncrypt_unprotect_secret(blob_of(v), server=kds.host, **creds())
        ours = compat.ncrypt_unprotect_secret(blob_of(v), server=kds.host, **creds())
        assert ours == theirs, v["id"]
        assert ours.hex() == v["plaintext_hex"]


def test_dpapi_ng_compat_async_on_asyncio_streams(kds: LabKds) -> None:
    if not kds.has_epm_135:
        pytest.skip("the compat API needs the endpoint mapper on port 135 (run as root)")

    async def main() -> list[bytes]:
        cache = compat.KeyCache()
        # Concurrent calls, fewer than the lab KDS's 64 connections at once.
        limit = asyncio.Semaphore(8)

        async def one(v: dict[str, Any]) -> bytes:
            async with limit:
                return await compat.async_ncrypt_unprotect_secret(blob_of(v), server=kds.host, cache=cache, **creds())

        return list(await asyncio.gather(*(one(v) for v in VECTORS)))

    got = asyncio.run(main())
    assert [g.hex() for g in got] == [v["plaintext_hex"] for v in VECTORS]


@pytest.mark.parametrize("protocol", ["negotiate", "ntlm"])
def test_dpapi_ng_compat_auth_protocols(kds: LabKds, protocol: str) -> None:
    if not kds.has_epm_135:
        pytest.skip("the compat API needs the endpoint mapper on port 135 (run as root)")
    v = next(v for v in VECTORS if v["origin"] == "windows")
    got = compat.ncrypt_unprotect_secret(blob_of(v), server=kds.host, **creds(protocol=protocol))
    assert got.hex() == v["plaintext_hex"]


class FakeSrv:
    def __init__(self, priority: int, weight: int, target: str) -> None:
        self.priority, self.weight, self.target, self.port = priority, weight, target, 389


class FakeResolver:
    """dnspython's ``resolve`` shape: records the name asked and answers SRV records."""

    def __init__(self, answers: list[FakeSrv]) -> None:
        self.answers = answers
        self.asked: list[tuple[str, str]] = []

    def resolve(self, qname: str, rdtype: str, lifetime: float = 0) -> list[FakeSrv]:
        self.asked.append((qname, rdtype))
        return self.answers


def test_server_none_finds_the_dc_by_dns_srv_of_the_blob_domain(
    kds: LabKds, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not kds.has_epm_135:
        pytest.skip("the compat API needs the endpoint mapper on port 135 (run as root)")
    v = next(v for v in VECTORS if v["origin"] == "windows")
    domain = winlaps.parse_blob(blob_of(v)).domain_name
    fake = FakeResolver(
        [FakeSrv(10, 100, "nowhere.invalid."), FakeSrv(0, 5, "unreachable.invalid."), FakeSrv(0, 50, kds.host + ".")]
    )
    monkeypatch.setattr(_gkdi, "default_resolver", fake)
    got = compat.ncrypt_unprotect_secret(blob_of(v), **creds())
    assert got.hex() == v["plaintext_hex"]
    assert fake.asked == [(f"_ldap._tcp.dc._msdcs.{domain}", "SRV")]
    got = asyncio.run(compat.async_ncrypt_unprotect_secret(blob_of(v), **creds()))
    assert got.hex() == v["plaintext_hex"]
    assert len(fake.asked) == 2


def test_no_srv_record_is_a_typed_unreachable_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_gkdi, "default_resolver", FakeResolver([]))
    with pytest.raises(winlaps.DcUnreachableError, match="_ldap._tcp.dc._msdcs.contoso.com"):
        _gkdi.lookup_dc("contoso.com")
    # A "." target means "no such service here" (RFC 2782): not a DC.
    monkeypatch.setattr(_gkdi, "default_resolver", FakeResolver([FakeSrv(0, 0, ".")]))
    with pytest.raises(winlaps.DcUnreachableError, match="no SRV record names a host"):
        _gkdi.lookup_dc("contoso.com.")


def test_the_dc_is_picked_by_the_cores_rule_lowest_priority_then_highest_weight(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = FakeResolver([FakeSrv(0, 50, "a.contoso.com."), FakeSrv(0, 60, "b.contoso.com."), FakeSrv(0, 60, "c.")])
    monkeypatch.setattr(_gkdi, "default_resolver", fake)
    assert winlaps.lookup_dc("contoso.com.") == "b.contoso.com"
    assert fake.asked == [("_ldap._tcp.dc._msdcs.contoso.com", "SRV")]


@pytest.mark.parametrize("domain", ["", "a..b", "x" * 64 + ".com"])
def test_a_domain_dns_cannot_carry_is_an_argument_error_before_any_query(
    domain: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeResolver([])
    monkeypatch.setattr(_gkdi, "default_resolver", fake)
    with pytest.raises(winlaps.InvalidArgumentError):
        _gkdi.lookup_dc(domain)
    with pytest.raises(winlaps.InvalidArgumentError):
        asyncio.run(_gkdi.async_lookup_dc(domain))
    assert fake.asked == []


@pytest.mark.parametrize("timeout", [0, -1, 7200])
def test_a_lookup_timeout_outside_the_cores_range_is_refused_before_any_query(
    timeout: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeResolver([FakeSrv(0, 0, "dc1.contoso.com.")])
    monkeypatch.setattr(_gkdi, "default_resolver", fake)
    with pytest.raises(winlaps.InvalidArgumentError, match="from 1 ms to 1 hour"):
        winlaps.lookup_dc("contoso.com", timeout=timeout)
    assert fake.asked == []


def test_values_without_a_key_to_ask_for_are_reported_without_connecting() -> None:
    v = next(v for v in VECTORS if v["kind"] == "laps_attribute")
    raw = bytes.fromhex(v["hex"])
    at = raw.index(b"SID")
    no_sid = raw[:at] + b"SIX" + raw[at + 3 :]
    store = winlaps.KeyStore()
    # The DC given is unreachable: there is no call to make, so it is never contacted.
    report = store.fetch_from_dc([b"junk", no_sid], "127.0.0.1", port=1, **creds())
    assert report.calls == 0
    assert [type(e) for e in report.errors] == [winlaps.FormatError, winlaps.UnsupportedError]
    # The same kind as decrypting it gives (LAPS_FORMAT / LAPS_UNSUPPORTED in Node).
    (r,) = store.decrypt_many([no_sid], dc="127.0.0.1", port=1, **creds())
    assert isinstance(r, winlaps.UnsupportedError)


def sample_key_cache() -> Any:
    """dpapi-ng's KeyCache holding the lab KDS's root key (the repository's sample)."""
    theirs = dpapi_ng.KeyCache()
    theirs.load_key(
        bytes.fromhex(SAMPLE["root_key_data_hex"]),
        uuid.UUID(SAMPLE["root_key_id"]),
        kdf_parameters=bytes.fromhex(SAMPLE["kdf_parameters_hex"]),
        secret_parameters=bytes.fromhex(SAMPLE["secret_agreement_parameters_hex"]),
    )
    return theirs


def test_protect_secret_with_server_writes_the_public_key_path(kds: LabKds) -> None:
    """A caller who may not decrypt (a LAPS client) gets the public key: the blob takes the
    DH path, and decrypts offline in dpapi-ng with the KDS's current root key."""
    if not kds.has_epm_135:
        pytest.skip("the compat API needs the endpoint mapper on port 135 (run as root)")
    sid = VECTORS[0]["sid"]
    data = b"protected through the lab KDS by winlaps"
    blob = compat.ncrypt_protect_secret(data, sid, server=kds.host, **creds(PLAIN))
    info = winlaps.parse_blob(blob)
    assert info.path == "public_key"
    assert info.root_key_id == uuid.UUID(SAMPLE["root_key_id"])
    theirs = sample_key_cache()
    assert dpapi_ng.ncrypt_unprotect_secret(blob, cache=theirs) == data
    # ... and online, by dpapi-ng's live client and winlaps' as the helpdesk.
    assert dpapi_ng.ncrypt_unprotect_secret(blob, server=kds.host, **creds()) == data
    assert compat.ncrypt_unprotect_secret(blob, server=kds.host, **creds()) == data
    blob = asyncio.run(compat.async_ncrypt_protect_secret(data, sid, server=kds.host, **creds(PLAIN)))
    assert dpapi_ng.ncrypt_unprotect_secret(blob, cache=theirs) == data


def test_fetch_group_key_envelope_gives_an_encryptor_the_current_key(kds: LabKds) -> None:
    """The current public key of a SID, for an account that may not read its keys; what it
    encrypts, dpapi-ng decrypts offline with the KDS's root key."""
    sid = VECTORS[0]["sid"]
    gke = winlaps.fetch_group_key_envelope(f"SID={sid}", kds.host, port=kds.port, **creds(PLAIN))
    assert winlaps.parse_group_key_envelope(gke)["public_key"] is True
    cred = winlaps.LapsCredential("Administrator", "Fetched-Key-1!", update_time=133928369137884253)
    value = winlaps.encrypt_attribute(cred, key=gke, sid=sid)
    theirs = sample_key_cache()
    plaintext = dpapi_ng.ncrypt_unprotect_secret(value[16:], cache=theirs)
    assert plaintext.decode("utf-16-le").rstrip("\0") == cred.to_json()
    again = asyncio.run(winlaps.async_fetch_group_key_envelope(sid, kds.host, port=kds.port, **creds(PLAIN)))
    assert winlaps.parse_group_key_envelope(again)["root_key_id"] == winlaps.parse_group_key_envelope(gke)["root_key_id"]
    with pytest.raises(winlaps.UnsupportedError):
        winlaps.fetch_group_key_envelope("LOCAL=user", kds.host, port=kds.port, **creds(PLAIN))


# --- the native API: KeyStore.fetch_from_dc / decrypt_many(dc=) ------------------------------


def fleet() -> tuple[list[bytes], list[str]]:
    """Attribute values for one SID over 3 L1 periods with several L2 each, encrypted with the
    KDS's sample root key at past times."""
    sid = next(v["sid"] for v in VECTORS if v["origin"] == "windows")
    root = winlaps.RootKey.from_json((REPO / "laps-crypto" / "data" / "sample_root_key.json").read_text())
    values, passwords = [], []
    hour = 3600
    start = time.time() - 4 * 320 * hour  # four L1 periods (320 h) ago
    for l1 in range(3):
        for l2 in (0, 5, 11, 30):
            t = int((start + (l1 * 32 + l2) * 10 * hour) * 10_000_000) + lab.FILETIME_UNIX_EPOCH
            password = f"Fleet-{l1}-{l2}-pw!"
            cred = winlaps.LapsCredential("Administrator", password, t)
            values.append(winlaps.encrypt_attribute(
                cred, key=root, sid=sid, public_key=False, domain_name="contoso.com", forest_name="contoso.com"
            ))
            passwords.append(password)
    return values, passwords


def test_decrypt_many_with_dc_makes_one_getkey_per_group(kds: LabKds) -> None:
    values, passwords = fleet()
    attr_vectors = [v for v in VECTORS if v["kind"] == "laps_attribute"]
    values += [bytes.fromhex(v["hex"]) for v in attr_vectors]
    expected_groups = len(groups_of(values))
    assert expected_groups < len(values)
    store = winlaps.KeyStore()
    before = kds.calls()
    results = store.decrypt_many(values, dc=kds.host, port=kds.port, **creds())
    assert kds.calls() - before == expected_groups
    for r, p in zip(results, passwords):
        assert isinstance(r, winlaps.LapsCredential), r
        assert r.password == p
    for r, v in zip(results[len(passwords) :], attr_vectors):
        assert isinstance(r, winlaps.LapsCredential), r
        assert r.to_json().encode("utf-16-le").hex() in v["plaintext_hex"] or r.password
    # Everything is cached now: no call at all.
    before = kds.calls()
    again = store.decrypt_many(values, dc=kds.host, port=kds.port, **creds())
    assert kds.calls() == before
    assert [getattr(r, "password", None) for r in again] == [getattr(r, "password", None) for r in results]


def test_async_decrypt_many_with_dc(kds: LabKds) -> None:
    values, passwords = fleet()
    store = winlaps.KeyStore()
    before = kds.calls()
    results = asyncio.run(store.async_decrypt_many(values, dc=kds.host, port=kds.port, **creds()))
    assert kds.calls() - before == len(groups_of(values))
    assert [r.password for r in results if isinstance(r, winlaps.LapsCredential)] == passwords


def test_fetch_from_dc_with_the_endpoint_mapper_and_blobs(kds: LabKds) -> None:
    blobs = [blob_of(v) for v in VECTORS if v["kind"] == "dpapi_ng_blob"]
    store = winlaps.KeyStore()
    before = kds.calls()
    report = store.fetch_from_dc(blobs, kds.host, blob=True, epm_port=kds.epm_port, **creds(protocol="negotiate"))
    assert report.calls == len(groups_of(blobs, blob=True)) == kds.calls() - before
    assert report.errors == [None] * len(blobs)
    for v in VECTORS:
        if v["kind"] == "dpapi_ng_blob":
            assert store.decrypt_blob(blob_of(v)).hex() == v["plaintext_hex"]
    assert "Helpd3sk" not in repr(report)


def test_access_denied_names_the_sid(kds: LabKds) -> None:
    v = next(v for v in VECTORS if v["kind"] == "laps_attribute")
    store = winlaps.KeyStore()
    (r,) = store.decrypt_many([bytes.fromhex(v["hex"])], dc=kds.host, port=kds.port, **creds(PLAIN))
    assert isinstance(r, winlaps.AccessDeniedError), r
    assert isinstance(r, PermissionError)
    assert v["sid"] in str(r)
    if kds.has_epm_135:
        with pytest.raises(winlaps.AccessDeniedError, match=v["sid"]):
            compat.ncrypt_unprotect_secret(blob_of(v), server=kds.host, **creds(PLAIN))


@pytest.mark.parametrize("protocol", ["ntlm", "negotiate"])
def test_wrong_password_is_a_typed_auth_error_without_the_password(kds: LabKds, protocol: str) -> None:
    v = next(v for v in VECTORS if v["kind"] == "laps_attribute")
    with pytest.raises(winlaps.AuthenticationError) as e:
        winlaps.KeyStore().fetch_from_dc(
            [bytes.fromhex(v["hex"])],
            kds.host,
            port=kds.port,
            username=HELPDESK[0],
            password="Wr0ng-Secret-Value",
            auth_protocol=protocol,
        )
    assert "Wr0ng-Secret-Value" not in str(e.value)
    assert "Wr0ng-Secret-Value" not in repr(e.value)


def test_closed_port_is_unreachable(kds: LabKds) -> None:
    from live_kds import free_port

    port = free_port(kds.host)
    v = next(v for v in VECTORS if v["kind"] == "laps_attribute")
    t0 = time.monotonic()
    with pytest.raises(winlaps.DcUnreachableError) as e:
        winlaps.KeyStore().fetch_from_dc([bytes.fromhex(v["hex"])], kds.host, port=port, **creds())
    assert not isinstance(e.value, winlaps.RpcTimeoutError)
    assert time.monotonic() - t0 < 5


@pytest.fixture()
def stalled() -> Iterator[tuple[str, int]]:
    """A server that accepts connections and never answers."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    conns: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        srv.settimeout(0.1)
        while not stop.is_set():
            try:
                conns.append(srv.accept()[0])
            except OSError:
                continue

    th = threading.Thread(target=accept, daemon=True)
    th.start()
    yield "127.0.0.1", srv.getsockname()[1]
    stop.set()
    th.join()
    for c in conns:
        c.close()
    srv.close()


def test_a_stalled_server_times_out_within_the_bound(stalled: tuple[str, int]) -> None:
    pytest.importorskip("spnego")
    host, port = stalled
    v = VECTORS[0]
    value = bytes.fromhex(v["hex"])
    for kwargs in ({"port": port}, {"epm_port": port}):
        t0 = time.monotonic()
        with pytest.raises(winlaps.RpcTimeoutError) as e:
            winlaps.KeyStore().fetch_from_dc(
                [value], host, blob=v["kind"] == "dpapi_ng_blob", timeout=0.5, **kwargs, **creds()
            )
        assert isinstance(e.value, TimeoutError)
        assert time.monotonic() - t0 < 3
    t0 = time.monotonic()
    with pytest.raises(winlaps.RpcTimeoutError):
        asyncio.run(
            winlaps.KeyStore().async_fetch_from_dc(
                [value], host, blob=v["kind"] == "dpapi_ng_blob", timeout=0.5, port=port, **creds()
            )
        )
    assert time.monotonic() - t0 < 3


def one_answer_server(answer: bytes) -> tuple[socket.socket, threading.Thread]:
    """A server that reads one request and sends ``answer``."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)

    def serve() -> None:
        c, _ = srv.accept()
        c.recv(4096)
        c.sendall(answer)
        c.close()

    th = threading.Thread(target=serve, daemon=True)
    th.start()
    return srv, th


def pdu(ptype: int, body: bytes) -> bytes:
    """A connection-oriented PDU: common header (v5.0, first+last fragment, little-endian)."""
    frag_len = (16 + len(body)).to_bytes(2, "little")
    call_id = (1).to_bytes(4, "little")
    return bytes([5, 0, ptype, 3, 0x10, 0, 0, 0]) + frag_len + bytes(2) + call_id + body


@pytest.mark.parametrize(
    "answer, error, text",
    [
        # bind_nak, reason 2 (local limit exceeded), no protocol versions
        (pdu(13, (2).to_bytes(2, "little") + bytes(1)), "BindRejectedError", "bind_nak reason 2"),
        # fault: alloc_hint, context id, cancel count, reserved, status nca_s_op_rng_error, reserved
        (pdu(3, bytes(8) + (0x1C010002).to_bytes(4, "little") + bytes(4)), "RpcFaultError", "0x1c010002"),
    ],
    ids=["bind_nak", "fault"],
)
def test_a_refusing_endpoint_mapper_gives_typed_errors(answer: bytes, error: str, text: str) -> None:
    pytest.importorskip("spnego")
    srv, th = one_answer_server(answer)
    try:
        with pytest.raises(getattr(winlaps, error), match=text):
            _gkdi.get_key("127.0.0.1", "S-1-5-21-1-2-3-512", epm_port=srv.getsockname()[1], timeout=2)
    finally:
        th.join(5)
        srv.close()


def test_a_trickling_server_is_cut_off_by_the_exchange_bound() -> None:
    """A peer sending one byte of a valid fragment header every 0.2 s never trips the 0.5 s
    per-read timeout; the exchange bound (3 x timeout) still ends the call."""
    pytest.importorskip("spnego")
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    stop = threading.Event()

    def trickle() -> None:
        c, _ = srv.accept()
        c.recv(4096)
        header = bytes([5, 0, 12, 3, 0x10, 0, 0, 0]) + (5000).to_bytes(2, "little") + bytes(6)
        try:
            for b in header + bytes(5000):
                if stop.wait(0.2):
                    break
                c.sendall(bytes([b]))
        except OSError:
            pass
        c.close()

    th = threading.Thread(target=trickle, daemon=True)
    th.start()
    t0 = time.monotonic()
    try:
        with pytest.raises(winlaps.RpcTimeoutError, match="did not complete the exchange"):
            _gkdi.get_key("127.0.0.1", "S-1-5-21-1-2-3-512", epm_port=srv.getsockname()[1], timeout=0.5)
        assert time.monotonic() - t0 < 3
    finally:
        stop.set()
        th.join(5)
        srv.close()


@pytest.mark.parametrize("timeout", [0, -1, 3600.001, float("nan")])
def test_a_timeout_outside_the_cores_range_is_refused_before_any_connection(timeout: float) -> None:
    # laps-rpc's Timeouts::checked, as Node's timeoutMs and the CLI's --timeout: 1 ms to 1 hour.
    with pytest.raises(winlaps.InvalidArgumentError, match="from 1 ms to 1 hour"):
        _gkdi.get_key("192.0.2.1", "S-1-5-21-1-2-3-512", timeout=timeout)
    value = bytes.fromhex(next(v for v in VECTORS if v["kind"] == "laps_attribute")["hex"])
    with pytest.raises(winlaps.InvalidArgumentError):
        winlaps.KeyStore().fetch_from_dc([value], "192.0.2.1", timeout=timeout, **creds())


def test_an_unknown_auth_protocol_is_the_cores_error_before_any_connection() -> None:
    # Word for word what Node's decryptMany(..., { auth: 'basic' }) and the core say.
    message = 'unknown auth protocol "basic" (expected negotiate, kerberos or ntlm)'
    with pytest.raises(winlaps.InvalidArgumentError, match=re.escape(message)):
        _gkdi.get_key("192.0.2.1", "S-1-5-21-1-2-3-512", auth_protocol="basic")
    assert _gkdi._auth_protocol("NTLM") == "ntlm"


def test_the_connect_timeout_is_the_cores_at_most_5_s() -> None:
    assert _gkdi._Limits.of(20) == (5.0, 20.0, 60.0)
    assert _gkdi._Limits.of(0.5) == (0.5, 0.5, 1.5)


# --- the shared Samba AD DC -----------------------------------------------------------------


@pytest.fixture(scope="module")
def samba() -> dict[str, str]:
    path = os.environ.get("WINLAPS_SAMBA_ENV")
    if not path or not Path(path).is_file():
        skip_or_fail("WINLAPS_SAMBA_ENV is not set (no Samba AD DC)")
    pytest.importorskip("spnego")
    env: dict[str, str] = {}
    for line in Path(t_str(path)).read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            k, _, val = line.partition("=")
            env[k.strip()] = val.strip().strip("'\"")
    return env


def t_str(p: Any) -> str:
    return str(p)


def samba_blob(env: dict[str, str]) -> bytes:
    """A blob protected to the Samba domain's helpdesk group, naming the Samba domain."""
    root = winlaps.RootKey.from_json((REPO / "laps-crypto" / "data" / "sample_root_key.json").read_text())
    return winlaps.encrypt_blob(
        b"x",
        key=root,
        sid=env["SAMBA_HELPDESK_GROUP_SID"],
        domain_name=env["SAMBA_REALM"].lower(),
        forest_name=env["SAMBA_REALM"].lower(),
    )


def test_samba_epm_lookup_answers_no_gkdi_endpoint(samba: dict[str, str]) -> None:
    user = f"{samba['SAMBA_DOMAIN']}\\{samba['SAMBA_HELPDESK_USER']}"
    with pytest.raises(winlaps.NoGkdiEndpointError, match="no MS-GKDI GetKey endpoint"):
        compat.ncrypt_unprotect_secret(
            samba_blob(samba),
            server=samba["SAMBA_DC_IP"],
            username=user,
            password=samba["SAMBA_HELPDESK_PASSWORD"],
        )
    with pytest.raises(winlaps.NoGkdiEndpointError):
        asyncio.run(
            compat.async_ncrypt_unprotect_secret(
                samba_blob(samba),
                server=samba["SAMBA_DC_IP"],
                username=user,
                password=samba["SAMBA_HELPDESK_PASSWORD"],
            )
        )


def test_samba_dns_srv_finds_the_dc_then_no_gkdi_endpoint(samba: dict[str, str]) -> None:
    dns_resolver = pytest.importorskip("dns.resolver")
    r = dns_resolver.Resolver(configure=False)
    r.nameservers = [samba["SAMBA_DC_IP"]]
    # scripts/samba-dc runs Samba's internal DNS server, which holds the DC's SRV records.
    host = _gkdi.lookup_dc(samba["SAMBA_REALM"].lower(), resolver=r, timeout=3)
    assert host.lower() == samba["SAMBA_DC_HOST"].lower()
    # dc1.winlaps.test may not resolve on this host: ask its address instead.
    with pytest.raises(winlaps.NoGkdiEndpointError):
        _gkdi.get_key(samba["SAMBA_DC_IP"], samba["SAMBA_HELPDESK_GROUP_SID"], username="x", password="y")


def test_samba_isd_key_bind_is_rejected_typed(samba: dict[str, str]) -> None:
    """Binding ISD_KEY on Samba's RPC port (bypassing the endpoint mapper): Samba accepts no
    such presentation context, a typed BindRejectedError."""
    user = f"{samba['SAMBA_DOMAIN']}\\{samba['SAMBA_HELPDESK_USER']}"
    with pytest.raises(winlaps.BindRejectedError, match="no presentation context"):
        _gkdi.get_key(
            samba["SAMBA_DC_IP"],
            samba["SAMBA_HELPDESK_GROUP_SID"],
            username=user,
            password=samba["SAMBA_HELPDESK_PASSWORD"],
            auth_protocol="ntlm",
            port=49152,
            timeout=5,
        )


MGMT = "afa8bd80-7d8a-11c9-bef4-08002b102989"  # DCE management interface v1.0, inq_if_ids = opnum 0
LSARPC = "12345778-1234-abcd-ef00-0123456789ab"  # registered at Samba's endpoint mapper, v0.0


@pytest.mark.parametrize("protocol", ["ntlm", "negotiate"])
@pytest.mark.parametrize("header_signing", [True, False], ids=["header-signing", "no-header-signing"])
def test_samba_sealed_call_through_pyspnego(samba: dict[str, str], protocol: str, header_signing: bool) -> None:
    """laps-rpc's client state machine with pyspnego's NTLM / SPNEGO sealing against a DCE/RPC
    server nobody here wrote: Samba's management interface on LSARPC's endpoint, PKT_PRIVACY,
    two calls (sequence numbers), each response unsealed with status 0."""
    stubs, signing = _gkdi.rpc_call(
        samba["SAMBA_DC_IP"],
        MGMT,
        1,
        0,
        lookup=(LSARPC, 0),
        username=f"{samba['SAMBA_DOMAIN']}\\{samba['SAMBA_HELPDESK_USER']}",
        password=samba["SAMBA_HELPDESK_PASSWORD"],
        auth_protocol=protocol,
        ndr_only=True,
        header_signing=header_signing,
        calls=2,
    )
    assert signing == header_signing
    for stub in stubs:
        assert len(stub) >= 8 and stub[-4:] == b"\0\0\0\0"


@pytest.mark.parametrize("protocol", ["ntlm", "negotiate"])
def test_samba_wrong_password_is_a_typed_auth_error(samba: dict[str, str], protocol: str) -> None:
    with pytest.raises(winlaps.AuthenticationError) as e:
        _gkdi.rpc_call(
            samba["SAMBA_DC_IP"],
            MGMT,
            1,
            0,
            lookup=(LSARPC, 0),
            username=f"{samba['SAMBA_DOMAIN']}\\{samba['SAMBA_HELPDESK_USER']}",
            password="Not-The-Pa55word",
            auth_protocol=protocol,
            ndr_only=True,
        )
    assert "Not-The-Pa55word" not in str(e.value)


def test_a_peer_speaking_another_protocol_is_a_typed_protocol_error() -> None:
    """A server answering HTTP (what an intercepting proxy sends) instead of DCE/RPC."""
    pytest.importorskip("spnego")
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)

    def answer() -> None:
        c, _ = srv.accept()
        c.recv(4096)
        c.sendall(b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n")
        c.close()

    th = threading.Thread(target=answer, daemon=True)
    th.start()
    try:
        with pytest.raises(winlaps.RpcProtocolError, match="not DCE/RPC"):
            _gkdi.get_key("127.0.0.1", "S-1-5-21-1-2-3-512", epm_port=srv.getsockname()[1], timeout=2)
    finally:
        th.join(5)
        srv.close()


def kerberos_ready(samba: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """pyspnego's Kerberos needs python-gssapi and, for a password, pykrb5 (``krb5``)."""
    for module in ("gssapi", "krb5"):
        try:
            __import__(module)
        except ImportError:
            skip_or_fail(f"Kerberos through pyspnego needs the Python module {module!r} (pyspnego[kerberos])")
    monkeypatch.setenv("KRB5_CONFIG", samba["KRB5_CONFIG"])


@pytest.mark.parametrize("header_signing", [True, False], ids=["header-signing", "no-header-signing"])
def test_samba_sealed_call_with_kerberos_tickets_from_samba(
    samba: dict[str, str], monkeypatch: pytest.MonkeyPatch, header_signing: bool
) -> None:
    """A ticket from Samba's KDC for host/dc1.winlaps.test, then PKT_PRIVACY calls sealed with
    RFC 4121 wrap tokens through pyspnego, which Samba must accept and answer."""
    kerberos_ready(samba, monkeypatch)
    upn = f"{samba['SAMBA_HELPDESK_USER']}@{samba['SAMBA_REALM']}"
    for protocol in ("kerberos", "negotiate"):
        stubs, signing = _gkdi.rpc_call(
            samba["SAMBA_DC_HOST"],
            MGMT,
            1,
            0,
            lookup=(LSARPC, 0),
            username=upn,
            password=samba["SAMBA_HELPDESK_PASSWORD"],
            auth_protocol=protocol,
            ndr_only=True,
            header_signing=header_signing,
            calls=2,
        )
        assert signing == header_signing
        assert all(len(stub) >= 8 and stub[-4:] == b"\0\0\0\0" for stub in stubs)


@pytest.fixture(scope="module")
def kerberos_kds(samba: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabKds]:
    """The lab KDS with the keytab the Samba DC exported for its service account, listening on
    the address host/kds.winlaps.test resolves to (high ports: no endpoint mapper on 135)."""
    binary = winlaps_binary()
    keytab = samba.get("SAMBA_KEYTAB", "")
    if binary is None or not Path(keytab).is_file():
        skip_or_fail("no winlaps CLI binary or no keytab exported by the Samba DC")
        raise AssertionError
    spn = samba["SAMBA_SERVICE_SPN"]
    host = spn.split("/", 1)[1]
    try:
        address = socket.gethostbyname(host)
    except OSError:
        pytest.skip(f"{host} (the KDS service principal's host) does not resolve here")
    server = LabKds(
        binary, tmp_path_factory.mktemp("kds-krb"), host=address, extra=["--keytab", keytab, "--spn", spn]
    )
    server.host = host
    yield server
    server.stop()


@pytest.mark.parametrize("protocol", ["kerberos", "negotiate"])
def test_get_key_with_kerberos_tickets_from_samba_through_the_keytab_kds(
    samba: dict[str, str], kerberos_kds: LabKds, monkeypatch: pytest.MonkeyPatch, protocol: str
) -> None:
    """pyspnego Kerberos (a ticket for host/kds.winlaps.test from Samba's KDC) through laps-rpc
    to the lab KDS, which reads the caller's groups from the PAC: the helpdesk (a member of
    "LAPS Readers") gets the seed key in one call; a plain user gets AccessDeniedError."""
    kerberos_ready(samba, monkeypatch)
    group = samba["SAMBA_HELPDESK_GROUP_SID"]
    root = winlaps.RootKey.from_json((REPO / "laps-crypto" / "data" / "sample_root_key.json").read_text())
    now = int(time.time() * 10_000_000) + lab.FILETIME_UNIX_EPOCH
    cred = winlaps.LapsCredential("Administrator", f"Kerb3ros-{protocol}", now)
    value = winlaps.encrypt_attribute(cred, key=root, sid=group, public_key=False, domain_name="winlaps.test")
    realm = samba["SAMBA_REALM"]
    store = winlaps.KeyStore()
    before = kerberos_kds.calls()
    (r,) = store.decrypt_many(
        [value],
        dc=kerberos_kds.host,
        port=kerberos_kds.port,
        username=f"{samba['SAMBA_HELPDESK_USER']}@{realm}",
        password=samba["SAMBA_HELPDESK_PASSWORD"],
        auth_protocol=protocol,
    )
    assert isinstance(r, winlaps.LapsCredential), r
    assert r.password == f"Kerb3ros-{protocol}"
    assert kerberos_kds.calls() - before == 1
    (denied,) = winlaps.KeyStore().decrypt_many(
        [value],
        dc=kerberos_kds.host,
        port=kerberos_kds.port,
        username=f"{samba['SAMBA_PLAIN_USER']}@{realm}",
        password=samba["SAMBA_PLAIN_PASSWORD"],
        auth_protocol=protocol,
    )
    assert isinstance(denied, winlaps.AccessDeniedError), denied
    assert group in str(denied)


def test_samba_kerberos_wrong_password_is_a_typed_auth_error(
    samba: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    kerberos_ready(samba, monkeypatch)
    with pytest.raises(winlaps.AuthenticationError, match="Preauthentication failed") as e:
        _gkdi.rpc_call(
            samba["SAMBA_DC_HOST"],
            MGMT,
            1,
            0,
            lookup=(LSARPC, 0),
            username=f"{samba['SAMBA_HELPDESK_USER']}@{samba['SAMBA_REALM']}",
            password="Not-The-Kerberos-Pa55",
            auth_protocol="kerberos",
            ndr_only=True,
        )
    assert "Not-The-Kerberos-Pa55" not in str(e.value)


def test_values_that_are_not_byte_strings_are_refused_not_converted() -> None:
    # bytes(5) would be five zero bytes: an int is a wrong type, as in Node (LAPS_INVALID_ARG).
    for call in (
        lambda: winlaps.KeyStore().decrypt_many([5]),  # type: ignore[list-item]
        lambda: winlaps.KeyStore().fetch_from_dc([b"x", 5], "dc.invalid"),  # type: ignore[list-item]
    ):
        with pytest.raises(TypeError, match="not int"):
            call()
