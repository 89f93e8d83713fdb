"""Drop-in replacement for ``dpapi-ng`` 0.2.0, offline and over the network.

Switch by changing one import::

    # from dpapi_ng import KeyCache, ncrypt_unprotect_secret
    from winlaps.dpapi_ng import KeyCache, ncrypt_unprotect_secret

The public names and signatures are those of dpapi-ng 0.2.0: :class:`KeyCache` with
:meth:`KeyCache.load_key`, :func:`ncrypt_unprotect_secret`, :func:`ncrypt_protect_secret` and
their ``async_`` variants. The work is done by winlaps' Rust core (and releases the GIL).

As in dpapi-ng, a key the cache cannot derive is fetched from a domain controller with an
MS-GKDI ``GetKey`` RPC (``server``, or the DC found by DNS SRV
``_ldap._tcp.dc._msdcs.<domain>`` with the domain named in the blob), authenticated with
``username`` / ``password`` / ``auth_protocol`` through pyspnego, and the seed keys are kept in
the cache. The DCE/RPC protocol is winlaps' Rust state machine; the sockets are Python's
(``async_*`` use asyncio streams). Needs the extra ``winlaps[rpc]`` (pyspnego, dnspython);
without it, that case raises :class:`RpcNotSupportedError` naming the key needed.

What differs:

* Errors are winlaps' exceptions: malformed input raises :class:`winlaps.FormatError` (a
  ``ValueError``, as in dpapi-ng); a wrong key or a corrupted blob raises
  :class:`winlaps.DecryptionError`; unsupported protectors or algorithms raise
  :class:`winlaps.UnsupportedError` (a ``NotImplementedError``, as in dpapi-ng).
* Network failures are typed (:class:`winlaps.RpcError` subclasses: unreachable DC or
  timeout, no GKDI endpoint, bind rejected, authentication, access denied naming the SID,
  fault) instead of ``ValueError``; every network step has a timeout (10 s).
* ``ncrypt_protect_secret`` with a cache and a ``root_key_identifier`` derives the key for the
  current time from the root key, like dpapi-ng, and writes the private-key (seed) path; with
  ``server`` (or ``domain_name``) it asks the DC for the current key of the SID: a caller
  who may not decrypt (a LAPS client) gets the public key and writes the public-key (DH/ECDH)
  path, as Windows does.
"""

from __future__ import annotations

import asyncio
import typing as t
import uuid

from winlaps import _gkdi
from winlaps._gkdi import KeyStore
from winlaps._errors import KeyNotFoundError, UnsupportedError
from winlaps._winlaps import (
    RootKey,
    _KeyFetch,
    _envelope_is_public,
    _protection_sid,
    _store_envelope,
    encrypt_blob,
    parse_blob,
)

__all__ = [
    "KeyCache",
    "async_ncrypt_protect_secret",
    "async_ncrypt_unprotect_secret",
    "ncrypt_protect_secret",
    "ncrypt_unprotect_secret",
]


class RpcNotSupportedError(UnsupportedError, KeyNotFoundError):
    """The key is not in the cache and fetching it needs the ``winlaps[rpc]`` extra
    (pyspnego), which is not installed."""


class KeyCache:
    """Key cache: the KDS root keys (and derived seed keys) used to decrypt offline.

    Backed by a :class:`winlaps.KeyStore`, which caches every derived seed and group key and
    is safe to share between threads.
    """

    def __init__(self) -> None:
        self._store = KeyStore()
        self._root_keys: dict[uuid.UUID, RootKey] = {}

    def load_key(
        self,
        key: bytes,
        root_key_id: uuid.UUID,
        version: int = 1,
        kdf_algorithm: str = "SP800_108_CTR_HMAC",
        kdf_parameters: t.Optional[bytes] = None,
        secret_algorithm: str = "DH",
        secret_parameters: t.Optional[bytes] = None,
        private_key_length: int = 512,
        public_key_length: int = 2048,
    ) -> None:
        """Load a KDS root key (the ``msKds-ProvRootKey`` attributes) into the cache.

        Args:
            key: ``msKds-RootKeyData``.
            root_key_id: ``cn``, the root key id.
            version: ``msKds-Version``.
            kdf_algorithm: ``msKds-KDFAlgorithmID``.
            kdf_parameters: ``msKds-KDFParam``; ``None`` is the Windows default (SHA-512).
            secret_algorithm: ``msKds-SecretAgreementAlgorithmID``.
            secret_parameters: ``msKds-SecretAgreementParam``; ``None`` is the Windows default
                (the RFC 5114 2.3 DH group).
            private_key_length: ``msKds-PrivateKeyLength``.
            public_key_length: ``msKds-PublicKeyLength``.
        """
        root = RootKey(
            root_key_id,
            key,
            version=version,
            kdf_algorithm=kdf_algorithm,
            kdf_parameters=kdf_parameters or None,
            secret_agreement_algorithm=secret_algorithm,
            secret_agreement_parameters=secret_parameters or None,
            private_key_length=private_key_length,
            public_key_length=public_key_length,
        )
        self._store.add_root_key(root)
        self._root_keys[root.root_key_id] = root


def _no_rpc(data: t.Optional[bytes]) -> RpcNotSupportedError:
    needed = "the key"
    if data is not None:
        try:
            info = parse_blob(data)
            needed = f"root key {info.root_key_id} (L0={info.l0}, L1={info.l1}, L2={info.l2})"
        except Exception:  # noqa: BLE001 - the original error is what matters
            pass
    return RpcNotSupportedError(
        f"{needed} is not in the KeyCache and fetching it from a domain controller (MS-GKDI "
        "GetKey) needs pyspnego: pip install 'winlaps[rpc]', or load the root key with "
        "KeyCache.load_key(...)"
    )


_T = t.TypeVar("_T")


def _rpc(call: t.Callable[[], _T], data: t.Optional[bytes]) -> _T:
    try:
        _gkdi.require_extra()
        return call()
    except _gkdi.RpcExtraMissingError:
        raise _no_rpc(data) from None


_Request = tuple[str, t.Optional[str], int, int, int]


def _key_request(data: bytes, store: KeyStore) -> tuple[_KeyFetch, _Request]:
    """The GetKey call ``data``'s missing key needs, ``(sid, root_key_id, l0, l1, l2)``, planned
    as for every batch (laps-rpc's); raises why no call can fetch it (an unsupported protector,
    ...)."""
    calls = _KeyFetch([data], store, blob=True)
    request = calls.next_request()
    if request is None:
        _answered(calls)
        raise KeyNotFoundError("the blob's key is not in the KeyCache")
    return calls, request


def _answered(calls: _KeyFetch) -> None:
    """Raises why the key batch of one blob left its key unfetched."""
    _, (error,) = calls.finish()
    if error is not None:
        raise error


def _domain(data: bytes) -> str:
    """The domain named in a blob, whose DC DNS SRV finds when no server is given."""
    return parse_blob(data).domain_name or ""


def ncrypt_unprotect_secret(
    data: bytes,
    server: t.Optional[str] = None,
    username: t.Optional[str] = None,
    password: t.Optional[str] = None,
    auth_protocol: str = "negotiate",
    cache: t.Optional[KeyCache] = None,
) -> bytes:
    """Decrypt a DPAPI-NG blob (``NCryptUnprotectSecret``) with the keys in ``cache``.

    For an ``msLAPS-EncryptedPassword`` value pass ``value[16:]`` (the blob after the header),
    as with dpapi-ng.
    """
    store = cache._store if cache is not None else KeyStore()
    try:
        return store.decrypt_blob(data)
    except KeyNotFoundError:
        calls, request = _key_request(data, store)
    envelope = _rpc(
        lambda: _gkdi.get_key(
            server or _gkdi.lookup_dc(_domain(data)),
            *request,
            username=username,
            password=password,
            auth_protocol=auth_protocol,
        ),
        data,
    )
    calls.answer(envelope)
    _answered(calls)
    return store.decrypt_blob(data)


def ncrypt_protect_secret(
    data: bytes,
    protection_descriptor: str,
    root_key_identifier: t.Optional[uuid.UUID] = None,
    server: t.Optional[str] = None,
    domain_name: t.Optional[str] = None,
    username: t.Optional[str] = None,
    password: t.Optional[str] = None,
    auth_protocol: str = "negotiate",
    cache: t.Optional[KeyCache] = None,
) -> bytes:
    """Encrypt ``data`` as a DPAPI-NG blob (``NCryptProtectSecret``) for a SID.

    ``protection_descriptor`` is the SID string (``S-1-5-21-...-512``), as in dpapi-ng, or
    ``SID=<sid>``. With ``cache`` holding the root key ``root_key_identifier`` the key is
    derived locally (seed path); otherwise the current key of the SID is fetched from
    ``server`` (or the DC of ``domain_name`` found by DNS SRV) with MS-GKDI GetKey.
    """
    sid = _protection_sid(protection_descriptor)
    root = None
    if cache is not None and root_key_identifier is not None:
        root = cache._root_keys.get(uuid.UUID(str(root_key_identifier)))
    if root is not None:
        return encrypt_blob(data, key=root, sid=sid, public_key=False, domain_name="")
    rk = str(root_key_identifier) if root_key_identifier is not None else None
    envelope = _rpc(
        lambda: _gkdi.get_key(
            server or _gkdi.lookup_dc(domain_name or ""),
            sid,
            rk,
            -1,
            -1,
            -1,
            username=username,
            password=password,
            auth_protocol=auth_protocol,
        ),
        None,
    )
    return _protect_with(data, sid, envelope, cache)


def _protect_with(data: bytes, sid: str, envelope: bytes, cache: t.Optional[KeyCache]) -> bytes:
    """Encrypts with a fetched envelope (public key: the DH/ECDH path); seed keys are kept in
    the cache, as dpapi-ng does."""
    if cache is not None and not _envelope_is_public(envelope):
        _store_envelope(cache._store, envelope, sid)
    return encrypt_blob(data, key=envelope, sid=sid)


async def async_ncrypt_unprotect_secret(
    data: bytes,
    server: t.Optional[str] = None,
    username: t.Optional[str] = None,
    password: t.Optional[str] = None,
    auth_protocol: str = "negotiate",
    cache: t.Optional[KeyCache] = None,
) -> bytes:
    """Async :func:`ncrypt_unprotect_secret`: the key is fetched on asyncio streams (with
    ``asyncio.wait_for`` on every step) and the decryption runs in a worker thread (it
    releases the GIL, so several of these run in parallel)."""
    loop = asyncio.get_running_loop()
    store = cache._store if cache is not None else KeyStore()
    try:
        return await loop.run_in_executor(None, lambda: store.decrypt_blob(data))
    except KeyNotFoundError:
        calls, request = _key_request(data, store)
    try:
        _gkdi.require_extra()
        host = server or await _gkdi.async_lookup_dc(_domain(data))
        envelope = await _gkdi.async_get_key(
            host, *request, username=username, password=password, auth_protocol=auth_protocol
        )
    except _gkdi.RpcExtraMissingError:
        raise _no_rpc(data) from None
    calls.answer(envelope)
    _answered(calls)
    return await loop.run_in_executor(None, lambda: store.decrypt_blob(data))


async def async_ncrypt_protect_secret(
    data: bytes,
    protection_descriptor: str,
    root_key_identifier: t.Optional[uuid.UUID] = None,
    server: t.Optional[str] = None,
    domain_name: t.Optional[str] = None,
    username: t.Optional[str] = None,
    password: t.Optional[str] = None,
    auth_protocol: str = "negotiate",
    cache: t.Optional[KeyCache] = None,
) -> bytes:
    """Async :func:`ncrypt_protect_secret`: a key fetched from the DC comes over asyncio
    streams; the encryption runs in a worker thread."""
    loop = asyncio.get_running_loop()
    offline = cache is not None and root_key_identifier is not None and (
        uuid.UUID(str(root_key_identifier)) in cache._root_keys
    )
    if not offline:
        sid = _protection_sid(protection_descriptor)
        rk = str(root_key_identifier) if root_key_identifier is not None else None
        try:
            _gkdi.require_extra()
            host = server or await _gkdi.async_lookup_dc(domain_name or "")
            envelope = await _gkdi.async_get_key(
                host, sid, rk, -1, -1, -1, username=username, password=password, auth_protocol=auth_protocol
            )
        except _gkdi.RpcExtraMissingError:
            raise _no_rpc(None) from None
        return await loop.run_in_executor(None, lambda: _protect_with(data, sid, envelope, cache))
    return await loop.run_in_executor(
        None,
        lambda: ncrypt_protect_secret(
            data,
            protection_descriptor,
            root_key_identifier,
            server,
            domain_name,
            username,
            password,
            auth_protocol,
            cache,
        ),
    )
