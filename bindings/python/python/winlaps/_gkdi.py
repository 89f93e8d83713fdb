"""Live keys: MS-GKDI ``GetKey`` from a domain controller (or the lab KDS).

The DCE/RPC protocol (endpoint-mapper lookup, bind, sealing, GetKey, batch planning) is
winlaps' Rust state machine (``laps-rpc``, exposed as ``_winlaps._EpmLookup`` /
``_GkdiSession``). This module only owns what is I/O: the TCP sockets (blocking ``socket``
with timeouts, or asyncio streams under ``asyncio.wait_for``), the DNS SRV lookup of a domain
controller, and the authentication, which comes from pyspnego, the library dpapi-ng uses.

pyspnego and dnspython are the optional extra ``winlaps[rpc]``; they are imported only when
a key is fetched, so ``import winlaps`` never needs them.
"""

from __future__ import annotations

import asyncio
import socket
import time
import typing as t

from winlaps._errors import (
    DcUnreachableError,
    RpcTimeoutError,
    UnsupportedError,
    WinlapsError,
)
from winlaps._winlaps import (
    KeyStore as _NativeKeyStore,
    LapsCredential,
    _EpmLookup,
    _GkdiSession,
    _KeyFetch,
    _LiveDecryption,
    _RpcConnection,
    _auth_protocol,
    _dc_srv_name,
    _pick_dc,
    _protection_sid,
    _timeouts,
)

__all__ = [
    "FetchResult",
    "KeyStore",
    "async_fetch_group_key_envelope",
    "async_lookup_dc",
    "fetch_group_key_envelope",
    "lookup_dc",
]

#: Seconds allowed for each send and receive (and the DNS lookup) by default; connects and
#: whole exchanges get the core's bounds derived from it (:class:`_Limits`).
DEFAULT_TIMEOUT = 10.0
_RECV = 65536

#: Resolver used by :func:`lookup_dc` when none is given: an object with dnspython's
#: ``resolve(qname, rdtype)`` (tests inject a fake one here).
default_resolver: t.Any = None


class RpcExtraMissingError(UnsupportedError):
    """pyspnego (or dnspython) is not installed: ``pip install 'winlaps[rpc]'``."""


def _import_spnego() -> t.Any:
    try:
        import spnego
        import spnego.iov
    except ImportError:
        raise RpcExtraMissingError(
            "fetching keys from a domain controller needs pyspnego: pip install 'winlaps[rpc]'"
        ) from None
    return spnego


def require_extra() -> None:
    """Raises :class:`RpcExtraMissingError` unless pyspnego is importable."""
    _import_spnego()


# --- authentication -----------------------------------------------------------------------


class SpnegoAuth:
    """The security context of one ``ISD_KEY`` connection, as laps-rpc's ``SecurityContext``
    asks for it (see ``src/rpc_auth.rs``), from a pyspnego client context.

    Sealing uses ``wrap_iov``: the PDU header and the ``sec_trailer`` are ``sign_only``
    buffers when header signing was negotiated and ``data_readonly`` otherwise, the stub is
    encrypted in place and the signature is the ``header`` buffer, which is how Windows and
    dpapi-ng protect PKT_PRIVACY requests ([MS-RPCE] 3.3.1.5.2.2).
    """

    def __init__(
        self,
        username: t.Optional[str],
        password: t.Optional[str],
        hostname: str,
        protocol: str,
    ) -> None:
        spnego = _import_spnego()
        self._iov = spnego.iov
        try:
            self._ctx = spnego.client(
                username,
                password,
                hostname=hostname,
                service="host",
                protocol=protocol,
                context_req=spnego.ContextReq.default | spnego.ContextReq.dce_style,
            )
        except Exception as e:  # noqa: BLE001 - pyspnego raises many types; none holds secrets
            from winlaps._errors import AuthenticationError

            raise AuthenticationError(f"cannot create a {protocol} security context: {type(e).__name__}: {e}") from None
        self._sig_len = 0

    def __repr__(self) -> str:
        return f"SpnegoAuth(protocol={self._ctx.__class__.__name__}, complete={self._ctx.complete})"

    def step(self, token: bytes) -> tuple[bytes, bool]:
        out = self._ctx.step(token or None) or b""
        return out, bool(self._ctx.complete)

    def signature_len(self) -> int:
        if not self._sig_len:
            self._sig_len = int(self._ctx.query_message_sizes().header)
        return self._sig_len

    def _kind(self, header_signing: bool) -> t.Any:
        b = self._iov.BufferType
        return b.sign_only if header_signing else b.data_readonly

    def seal(self, header: bytes, data: bytes, trailer: bytes, header_signing: bool) -> tuple[bytes, bytes]:
        kind = self._kind(header_signing)
        res = self._ctx.wrap_iov(
            [(kind, header), data, (kind, trailer), self._iov.BufferType.header],
            encrypt=True,
            qop=None,
        )
        return res.buffers[1].data or b"", res.buffers[3].data or b""

    def unseal(self, header: bytes, data: bytes, trailer: bytes, auth_value: bytes, header_signing: bool) -> bytes:
        kind = self._kind(header_signing)
        res = self._ctx.unwrap_iov(
            [(kind, header), data, (kind, trailer), (self._iov.BufferType.header, auth_value)]
        )
        return bytes(res.buffers[1].data or b"")

    def sign(self, header: bytes, data: bytes, trailer: bytes, header_signing: bool) -> bytes:
        kind = self._kind(header_signing)
        res = self._ctx.wrap_iov(
            [(kind, header), (self._iov.BufferType.sign_only, data), (kind, trailer), self._iov.BufferType.header],
            encrypt=False,
            qop=None,
        )
        return bytes(res.buffers[3].data or b"")

    def verify(self, header: bytes, data: bytes, trailer: bytes, auth_value: bytes, header_signing: bool) -> None:
        kind = self._kind(header_signing)
        self._ctx.unwrap_iov(
            [
                (kind, header),
                (self._iov.BufferType.sign_only, data),
                (kind, trailer),
                (self._iov.BufferType.header, auth_value),
            ]
        )


# --- DNS ----------------------------------------------------------------------------------


def _pick_srv(answers: t.Iterable[t.Any], srv: str) -> str:
    """The DC the core's rule picks from dnspython's SRV answer (lowest priority, then highest
    weight), as laps-client's ``lookup_dc`` picks it for Node and the CLI."""
    host = _pick_dc([(int(r.priority), int(r.weight), int(r.port), str(r.target)) for r in answers])
    if host is None:
        raise DcUnreachableError(f"no domain controller found by DNS SRV {srv}: no SRV record names a host")
    return host


def _resolver(resolver: t.Any) -> t.Any:
    if resolver is not None:
        return resolver
    if default_resolver is not None:
        return default_resolver
    try:
        import dns.resolver
    except ImportError:
        raise RpcExtraMissingError(
            "finding a domain controller by DNS SRV needs dnspython: pip install 'winlaps[rpc]' "
            "(or pass server=)"
        ) from None
    return dns.resolver.Resolver()


def lookup_dc(domain: str, *, resolver: t.Any = None, timeout: float = DEFAULT_TIMEOUT) -> str:
    """The host name of a domain controller of ``domain``, from DNS SRV
    ``_ldap._tcp.dc._msdcs.<domain>`` (lowest priority, then highest weight), as dpapi-ng
    finds it.

    ``resolver``: an object with dnspython's ``resolve(qname, rdtype, lifetime=...)`` (default:
    a ``dns.resolver.Resolver`` with the system configuration). ``timeout``: seconds for the
    lookup, 1 ms to 1 hour (the core's range for every network timeout).
    """
    srv, timeout = _dc_srv_name(domain), _Limits.of(timeout).io
    r = _resolver(resolver)
    try:
        answers = r.resolve(srv, "SRV", lifetime=timeout)
    except WinlapsError:
        raise
    except Exception as e:  # noqa: BLE001 - dnspython's NXDOMAIN, NoAnswer, Timeout, ...
        raise _dns_error(e, srv, timeout) from None
    return _pick_srv(answers, srv)


def _dns_error(e: Exception, srv: str, timeout: float) -> WinlapsError:
    """dnspython's failure (NXDOMAIN, NoAnswer, Timeout, ...) as winlaps' error."""
    if type(e).__name__ in ("LifetimeTimeout", "Timeout"):
        return RpcTimeoutError(f"DNS SRV lookup of {srv} timed out after {timeout}s")
    return DcUnreachableError(f"no domain controller found by DNS SRV {srv}: {type(e).__name__}")


async def async_lookup_dc(domain: str, *, resolver: t.Any = None, timeout: float = DEFAULT_TIMEOUT) -> str:
    """Async :func:`lookup_dc` (dnspython's asyncio resolver unless ``resolver`` is given)."""
    if resolver is None and default_resolver is None:
        try:
            import dns.asyncresolver
        except ImportError:
            raise RpcExtraMissingError(
                "finding a domain controller by DNS SRV needs dnspython: pip install 'winlaps[rpc]' "
                "(or pass server=)"
            ) from None
        srv, timeout = _dc_srv_name(domain), _Limits.of(timeout).io
        try:
            answers = await dns.asyncresolver.Resolver().resolve(srv, "SRV", lifetime=timeout)
        except Exception as e:  # noqa: BLE001
            raise _dns_error(e, srv, timeout) from None
        return _pick_srv(answers, srv)
    return lookup_dc(domain, resolver=resolver, timeout=timeout)


# --- transports ---------------------------------------------------------------------------


class _Request(t.NamedTuple):
    sid: str
    root_key_id: t.Optional[str]
    l0: int
    l1: int
    l2: int


class _Limits(t.NamedTuple):
    """A connection's timeouts in seconds, as the core derives them from a caller's
    ``timeout`` (laps-rpc's ``Timeouts``: a connect within it but at most 5 s, a whole
    exchange, a bind with its legs or one call, within three of it, so a peer trickling bytes
    cannot hold a connection open forever). ``InvalidArgumentError`` outside 1 ms .. 1 hour."""

    connect: float
    io: float
    exchange: float

    @classmethod
    def of(cls, timeout: float) -> _Limits:
        return cls(*_timeouts(timeout))


def _late(where: str, limits: _Limits, left: float) -> str:
    """The message of a read that timed out: the step's bound or the exchange's."""
    if left < limits.io:
        return f"{where} did not complete the exchange within {limits.exchange}s"
    return f"{where} sent no answer within {limits.io}s"


class _SyncWire:
    """One TCP connection with a timeout on every step."""

    def __init__(self, host: str, port: int, limits: _Limits) -> None:
        self.where = f"{host}:{port}"
        self.limits = limits
        try:
            self.sock = socket.create_connection((host, port), timeout=limits.connect)
        except socket.timeout:
            raise RpcTimeoutError(f"connecting to {self.where} timed out after {limits.connect}s") from None
        except OSError as e:
            raise DcUnreachableError(f"cannot connect to {self.where}: {e.strerror or e}") from None
        # An auth3 PDU followed at once by the first request is two small writes: without
        # TCP_NODELAY the second waits for the peer's delayed ACK. (asyncio sets it itself.)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def close(self) -> None:
        self.sock.close()

    def send(self, data: bytes) -> None:
        if not data:
            return
        try:
            self.sock.sendall(data)
        except socket.timeout:
            raise RpcTimeoutError(f"sending to {self.where} timed out after {self.limits.io}s") from None
        except OSError as e:
            raise DcUnreachableError(f"sending to {self.where} failed: {e.strerror or e}") from None

    def recv(self, deadline: float) -> bytes:
        left = deadline - time.monotonic()
        if left <= 0:
            raise RpcTimeoutError(_late(self.where, self.limits, 0))
        try:
            self.sock.settimeout(min(self.limits.io, left))
            data = self.sock.recv(_RECV)
        except socket.timeout:
            raise RpcTimeoutError(_late(self.where, self.limits, left)) from None
        except OSError as e:
            raise DcUnreachableError(f"receiving from {self.where} failed: {e.strerror or e}") from None
        if not data:
            raise DcUnreachableError(f"{self.where} closed the connection")
        return data

    def drive(self, machine: t.Any, first: bytes) -> t.Any:
        """Sends ``first``, then feeds answers to ``machine`` until it is ready or done."""
        deadline = time.monotonic() + self.limits.exchange
        self.send(first)
        while True:
            kind, payload = machine.receive(self.recv(deadline))
            if kind == "send":
                self.send(payload)
            elif kind == "ready":
                self.send(payload)
                return None
            elif kind == "done":
                return payload


class _AsyncWire:
    """One asyncio TCP connection with ``asyncio.wait_for`` on every step."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, where: str, limits: _Limits):
        self.reader, self.writer, self.where, self.limits = reader, writer, where, limits

    @classmethod
    async def connect(cls, host: str, port: int, limits: _Limits) -> _AsyncWire:
        where = f"{host}:{port}"
        try:
            r, w = await asyncio.wait_for(asyncio.open_connection(host, port), limits.connect)
        except asyncio.TimeoutError:
            raise RpcTimeoutError(f"connecting to {where} timed out after {limits.connect}s") from None
        except OSError as e:
            raise DcUnreachableError(f"cannot connect to {where}: {e.strerror or e}") from None
        return cls(r, w, where, limits)

    async def close(self) -> None:
        self.writer.close()
        try:
            await asyncio.wait_for(self.writer.wait_closed(), self.limits.io)
        except (OSError, asyncio.TimeoutError):
            pass

    async def send(self, data: bytes) -> None:
        if not data:
            return
        try:
            self.writer.write(data)
            await asyncio.wait_for(self.writer.drain(), self.limits.io)
        except asyncio.TimeoutError:
            raise RpcTimeoutError(f"sending to {self.where} timed out after {self.limits.io}s") from None
        except OSError as e:
            raise DcUnreachableError(f"sending to {self.where} failed: {e.strerror or e}") from None

    async def recv(self, deadline: float) -> bytes:
        left = deadline - time.monotonic()
        if left <= 0:
            raise RpcTimeoutError(_late(self.where, self.limits, 0))
        try:
            data = await asyncio.wait_for(self.reader.read(_RECV), min(self.limits.io, left))
        except asyncio.TimeoutError:
            raise RpcTimeoutError(_late(self.where, self.limits, left)) from None
        except OSError as e:
            raise DcUnreachableError(f"receiving from {self.where} failed: {e.strerror or e}") from None
        if not data:
            raise DcUnreachableError(f"{self.where} closed the connection")
        return data

    async def drive(self, machine: t.Any, first: bytes) -> t.Any:
        deadline = time.monotonic() + self.limits.exchange
        await self.send(first)
        while True:
            kind, payload = machine.receive(await self.recv(deadline))
            if kind == "send":
                await self.send(payload)
            elif kind == "ready":
                await self.send(payload)
                return None
            elif kind == "done":
                return payload


class _Calls(t.Protocol):
    """The GetKey calls of one connection: a batch (``_KeyFetch``, which decides what each
    outcome means for its values and when to stop) or :class:`_One`."""

    def next_request(self) -> t.Optional[tuple[str, t.Optional[str], int, int, int]]: ...
    def answer(self, envelope: bytes) -> None: ...
    def fail(self, error: BaseException, usable: bool) -> None: ...


class _One:
    """The single call of :func:`get_key`: its envelope, or its error raised."""

    def __init__(self, request: _Request) -> None:
        self._request: t.Optional[_Request] = request
        self.envelope = b""

    def next_request(self) -> t.Optional[_Request]:
        return self._request

    def answer(self, envelope: bytes) -> None:
        self.envelope, self._request = envelope, None

    def fail(self, error: BaseException, usable: bool) -> None:
        raise error


class _Target(t.NamedTuple):
    host: str
    username: t.Optional[str]
    password: t.Optional[str]
    auth_protocol: str
    limits: _Limits
    port: t.Optional[int]
    epm_port: int

    @classmethod
    def of(
        cls,
        host: str,
        username: t.Optional[str],
        password: t.Optional[str],
        auth_protocol: str,
        timeout: float,
        port: t.Optional[int],
        epm_port: int,
    ) -> _Target:
        """The target, its auth protocol and timeout checked by the core before any network
        step."""
        return cls(host, username, password, _auth_protocol(auth_protocol), _Limits.of(timeout), port, epm_port)

    def __repr__(self) -> str:  # never shows the password
        return f"_Target(host={self.host!r}, username={self.username!r}, auth_protocol={self.auth_protocol!r})"


def _fetch(target: _Target, calls: _Calls) -> None:
    """One endpoint-mapper lookup, one authenticated connection, the calls ``calls`` asks for."""
    auth = SpnegoAuth(target.username, target.password, target.host, target.auth_protocol)
    port = target.port
    if port is None:
        wire = _SyncWire(target.host, target.epm_port, target.limits)
        try:
            epm = _EpmLookup()
            port = int(wire.drive(epm, epm.start()))
        finally:
            wire.close()
    wire = _SyncWire(target.host, port, target.limits)
    try:
        session = _GkdiSession(auth, target.auth_protocol)
        wire.drive(session, session.start())
        while (request := calls.next_request()) is not None:
            try:
                envelope = wire.drive(session, session.get_key(*request))
            except WinlapsError as e:
                calls.fail(e, session.is_ready)
            else:
                calls.answer(envelope)
    finally:
        wire.close()


async def _async_fetch(target: _Target, calls: _Calls) -> None:
    auth = SpnegoAuth(target.username, target.password, target.host, target.auth_protocol)
    port = target.port
    if port is None:
        wire = await _AsyncWire.connect(target.host, target.epm_port, target.limits)
        try:
            epm = _EpmLookup()
            port = int(await wire.drive(epm, epm.start()))
        finally:
            await wire.close()
    wire = await _AsyncWire.connect(target.host, port, target.limits)
    try:
        session = _GkdiSession(auth, target.auth_protocol)
        await wire.drive(session, session.start())
        while (request := calls.next_request()) is not None:
            try:
                envelope = await wire.drive(session, session.get_key(*request))
            except WinlapsError as e:
                calls.fail(e, session.is_ready)
            else:
                calls.answer(envelope)
    finally:
        await wire.close()


def get_key(
    server: str,
    sid: str,
    root_key_id: t.Optional[str] = None,
    l0: int = -1,
    l1: int = -1,
    l2: int = -1,
    *,
    username: t.Optional[str] = None,
    password: t.Optional[str] = None,
    auth_protocol: str = "negotiate",
    timeout: float = DEFAULT_TIMEOUT,
    port: t.Optional[int] = None,
    epm_port: int = 135,
) -> bytes:
    """One GetKey call: the Group Key Envelope bytes for a value protected to ``sid``."""
    target = _Target.of(server, username, password, auth_protocol, timeout, port, epm_port)
    one = _One(_Request(sid, root_key_id, l0, l1, l2))
    _fetch(target, one)
    return one.envelope


async def async_get_key(
    server: str,
    sid: str,
    root_key_id: t.Optional[str] = None,
    l0: int = -1,
    l1: int = -1,
    l2: int = -1,
    *,
    username: t.Optional[str] = None,
    password: t.Optional[str] = None,
    auth_protocol: str = "negotiate",
    timeout: float = DEFAULT_TIMEOUT,
    port: t.Optional[int] = None,
    epm_port: int = 135,
) -> bytes:
    """Async :func:`get_key` on asyncio streams."""
    target = _Target.of(server, username, password, auth_protocol, timeout, port, epm_port)
    one = _One(_Request(sid, root_key_id, l0, l1, l2))
    await _async_fetch(target, one)
    return one.envelope


def fetch_group_key_envelope(
    sid: str,
    dc: str,
    *,
    username: t.Optional[str] = None,
    password: t.Optional[str] = None,
    auth_protocol: str = "negotiate",
    timeout: float = DEFAULT_TIMEOUT,
    port: t.Optional[int] = None,
    epm_port: int = 135,
) -> bytes:
    """The current Group Key Envelope of ``sid`` (a SID or ``SID=<sid>``) from ``dc``: MS-GKDI
    ``GetKey`` as Windows LAPS asks before it encrypts (no root key, every index -1). Pass it
    as ``key=`` to :func:`winlaps.encrypt_attribute` / :func:`winlaps.encrypt_blob`. Unless the
    caller may read ``sid``'s keys it holds only the public key, which is all encrypting needs.
    Raises as :meth:`KeyStore.fetch_from_dc` does for the connection, and
    :class:`winlaps.AccessDeniedError` when the DC refuses the key."""
    return get_key(
        dc,
        _protection_sid(sid),
        username=username,
        password=password,
        auth_protocol=auth_protocol,
        timeout=timeout,
        port=port,
        epm_port=epm_port,
    )


async def async_fetch_group_key_envelope(
    sid: str,
    dc: str,
    *,
    username: t.Optional[str] = None,
    password: t.Optional[str] = None,
    auth_protocol: str = "negotiate",
    timeout: float = DEFAULT_TIMEOUT,
    port: t.Optional[int] = None,
    epm_port: int = 135,
) -> bytes:
    """Async :func:`fetch_group_key_envelope` on asyncio streams."""
    return await async_get_key(
        dc,
        _protection_sid(sid),
        username=username,
        password=password,
        auth_protocol=auth_protocol,
        timeout=timeout,
        port=port,
        epm_port=epm_port,
    )


def rpc_call(
    host: str,
    interface: str,
    version: int,
    opnum: int,
    stub: bytes = b"",
    *,
    lookup: t.Optional[tuple[str, int]] = None,
    port: t.Optional[int] = None,
    epm_port: int = 135,
    username: t.Optional[str] = None,
    password: t.Optional[str] = None,
    auth_protocol: t.Optional[str] = "negotiate",
    ndr_only: bool = False,
    header_signing: bool = True,
    calls: int = 1,
    timeout: float = DEFAULT_TIMEOUT,
) -> tuple[list[bytes], bool]:
    """``calls`` sealed calls of ``opnum`` to any interface (``auth_protocol=None``:
    unauthenticated), the port found at the endpoint mapper for ``lookup`` (interface,
    version; default: the interface itself) unless ``port`` is given. Returns the response
    stubs and whether header signing was negotiated. For tests against servers that serve no
    GKDI (Samba)."""
    limits = _Limits.of(timeout)
    if port is None:
        li, lv = lookup or (interface, version)
        wire = _SyncWire(host, epm_port, limits)
        try:
            epm = _EpmLookup(li, lv, ndr_only=ndr_only)
            port = int(wire.drive(epm, epm.start()))
        finally:
            wire.close()
    auth = None
    if auth_protocol is not None:
        auth_protocol = _auth_protocol(auth_protocol)
        auth = SpnegoAuth(username, password, host, auth_protocol)
    wire = _SyncWire(host, port, limits)
    try:
        conn = _RpcConnection(
            interface, version, auth, auth_protocol or "negotiate", ndr_only=ndr_only, header_signing=header_signing
        )
        wire.drive(conn, conn.start())
        out = [t.cast(bytes, wire.drive(conn, conn.call(opnum, stub))) for _ in range(calls)]
        return out, conn.header_signing
    finally:
        wire.close()


# --- the native API -------------------------------------------------------------------------


class FetchResult:
    """What :meth:`KeyStore.fetch_from_dc` did: ``calls`` GetKey calls (one per distinct
    (SID, root key, L0) group) and, per input value, the error that kept its key from
    being fetched (``None``: the store now holds its key)."""

    __slots__ = ("calls", "errors")

    def __init__(self, calls: int, errors: list[t.Optional[BaseException]]) -> None:
        self.calls = calls
        self.errors = errors

    def __repr__(self) -> str:
        failed = sum(e is not None for e in self.errors)
        return f"FetchResult(calls={self.calls}, values={len(self.errors)}, failed={failed})"


def _values(values: t.Iterable[t.Union[bytes, bytearray, memoryview]]) -> list[bytes]:
    if isinstance(values, (bytes, bytearray, memoryview, str)):
        raise TypeError("pass a sequence of values, not one value")
    out = []
    for v in values:
        # bytes(5) would be five zero bytes: only byte strings are values.
        if not isinstance(v, (bytes, bytearray, memoryview)):
            raise TypeError(f"each value must be bytes, bytearray or memoryview, not {type(v).__name__}")
        out.append(bytes(v))
    return out


class KeyStore(_NativeKeyStore):
    """:class:`winlaps.KeyStore` that can also fetch keys from a domain controller (or the lab
    KDS) with MS-GKDI ``GetKey`` over sealed DCE/RPC: one call per distinct (SID, root key,
    L0) group, the seed keys landing in this store, where they derive every older key of the L0.
    Needs the ``winlaps[rpc]`` extra (pyspnego) for the network methods only."""

    def fetch_from_dc(
        self,
        values: t.Iterable[t.Union[bytes, bytearray, memoryview]],
        dc: str,
        *,
        username: t.Optional[str] = None,
        password: t.Optional[str] = None,
        auth_protocol: str = "negotiate",
        blob: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
        port: t.Optional[int] = None,
        epm_port: int = 135,
    ) -> FetchResult:
        """Fetch the keys ``values`` need from ``dc`` into this store.

        ``values``: ``msLAPS-EncryptedPassword`` values (``blob=True``: bare DPAPI-NG blobs).
        ``port``: skip the endpoint mapper and use this ``ISD_KEY`` port. Each send and receive
        has ``timeout`` seconds (1 ms to 1 hour), a connect at most 5 s of it, a whole exchange
        three times it: the core's timeouts, as in Node and the CLI. Per-group failures (access
        denied, ...) are in the result's ``errors``; failures of the connection itself
        (unreachable, timeout, authentication, no GKDI endpoint) are raised.
        """
        calls = _KeyFetch(_values(values), self, blob=blob)
        if calls.next_request() is not None:
            target = _Target.of(dc, username, password, auth_protocol, timeout, port, epm_port)
            _fetch(target, calls)
        return FetchResult(*calls.finish())

    async def async_fetch_from_dc(
        self,
        values: t.Iterable[t.Union[bytes, bytearray, memoryview]],
        dc: str,
        *,
        username: t.Optional[str] = None,
        password: t.Optional[str] = None,
        auth_protocol: str = "negotiate",
        blob: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
        port: t.Optional[int] = None,
        epm_port: int = 135,
    ) -> FetchResult:
        """Async :meth:`fetch_from_dc` on asyncio streams (the event loop is never blocked on
        the network)."""
        calls = _KeyFetch(_values(values), self, blob=blob)
        if calls.next_request() is not None:
            target = _Target.of(dc, username, password, auth_protocol, timeout, port, epm_port)
            await _async_fetch(target, calls)
        return FetchResult(*calls.finish())

    def decrypt_many(
        self,
        values: t.Iterable[t.Union[bytes, bytearray, memoryview]],
        dc: t.Optional[str] = None,
        *,
        username: t.Optional[str] = None,
        password: t.Optional[str] = None,
        auth_protocol: str = "negotiate",
        timeout: float = DEFAULT_TIMEOUT,
        port: t.Optional[int] = None,
        epm_port: int = 135,
    ) -> list[t.Union[LapsCredential, WinlapsError]]:
        """Decrypt many ``msLAPS-EncryptedPassword`` values (in parallel, without the GIL).

        With ``dc``, the keys the store cannot derive are first fetched from that domain
        controller with the minimal number of GetKey calls (one per key group); a value whose
        key could not be fetched gets that error (e.g. :class:`winlaps.AccessDeniedError`).
        One entry per input, in order: a :class:`winlaps.LapsCredential` or the exception.
        """
        vs = _values(values)
        if dc is None:
            return super().decrypt_many(vs)
        live = _LiveDecryption(self, vs)
        report = self.fetch_from_dc(
            live.missing_values,
            dc,
            username=username,
            password=password,
            auth_protocol=auth_protocol,
            timeout=timeout,
            port=port,
            epm_port=epm_port,
        )
        return live.finish(report.errors)

    async def async_decrypt_many(
        self,
        values: t.Iterable[t.Union[bytes, bytearray, memoryview]],
        dc: t.Optional[str] = None,
        *,
        username: t.Optional[str] = None,
        password: t.Optional[str] = None,
        auth_protocol: str = "negotiate",
        timeout: float = DEFAULT_TIMEOUT,
        port: t.Optional[int] = None,
        epm_port: int = 135,
    ) -> list[t.Union[LapsCredential, WinlapsError]]:
        """Async :meth:`decrypt_many`: the keys are fetched on asyncio streams and the
        decryption runs in a worker thread (it releases the GIL)."""
        vs = _values(values)
        loop = asyncio.get_running_loop()
        if dc is None:
            return await loop.run_in_executor(None, lambda: super(KeyStore, self).decrypt_many(vs))
        live = await loop.run_in_executor(None, _LiveDecryption, self, vs)
        report = await self.async_fetch_from_dc(
            live.missing_values,
            dc,
            username=username,
            password=password,
            auth_protocol=auth_protocol,
            timeout=timeout,
            port=port,
            epm_port=epm_port,
        )
        return await loop.run_in_executor(None, live.finish, report.errors)

