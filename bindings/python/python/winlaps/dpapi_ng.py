"""Drop-in replacement for the offline part of ``dpapi-ng`` 0.2.0.

Switch by changing one import::

    # from dpapi_ng import KeyCache, ncrypt_unprotect_secret
    from winlaps.dpapi_ng import KeyCache, ncrypt_unprotect_secret

The public names and signatures are those of dpapi-ng 0.2.0: :class:`KeyCache` with
:meth:`KeyCache.load_key`, :func:`ncrypt_unprotect_secret`, :func:`ncrypt_protect_secret` and
their ``async_`` variants. The work is done by winlaps' Rust core (and releases the GIL).

What differs:

* No network: dpapi-ng falls back to an MS-GKDI ``GetKey`` RPC against a domain controller when
  the cache cannot derive the key. winlaps does no I/O, so that case raises
  :class:`RpcNotSupportedError` (a :class:`winlaps.UnsupportedError` and a
  :class:`winlaps.KeyNotFoundError`) naming the root key and L0/L1/L2 that are needed. The
  ``server``, ``username``, ``password``, ``auth_protocol`` and ``domain_name`` arguments are
  accepted for compatibility and otherwise ignored.
* Errors are winlaps' exceptions: malformed input raises :class:`winlaps.FormatError` (a
  ``ValueError``, as in dpapi-ng); a wrong key or a corrupted blob raises
  :class:`winlaps.DecryptionError`; unsupported protectors or algorithms raise
  :class:`winlaps.UnsupportedError` (a ``NotImplementedError``, as in dpapi-ng).
* ``ncrypt_protect_secret`` with a cache and a ``root_key_identifier`` derives the key for the
  current time from the root key, like dpapi-ng, and writes the private-key (seed) path.
"""

from __future__ import annotations

import asyncio
import typing as t
import uuid

from winlaps._winlaps import (
    KeyNotFoundError,
    KeyStore,
    RootKey,
    UnsupportedError,
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
    """The key is not in the cache and fetching it would need an MS-GKDI RPC call."""


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


def _no_rpc(data: bytes, error: KeyNotFoundError) -> RpcNotSupportedError:
    try:
        info = parse_blob(data)
        needed = f"root key {info.root_key_id} (L0={info.l0}, L1={info.l1}, L2={info.l2})"
    except Exception:  # noqa: BLE001 - the original error is what matters
        needed = "the key"
    return RpcNotSupportedError(
        f"{needed} is not in the KeyCache and winlaps does no network RPC (MS-GKDI GetKey); "
        "load the root key with KeyCache.load_key(...)"
    )


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
    except RpcNotSupportedError:
        raise
    except KeyNotFoundError as e:
        raise _no_rpc(data, e) from None


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
    ``SID=<sid>``. Needs ``cache`` holding the root key ``root_key_identifier`` (dpapi-ng would
    otherwise ask a domain controller).
    """
    descriptor = protection_descriptor.strip()
    # dpapi-ng takes the bare SID string; "SID=<sid>" (the Windows descriptor syntax) is accepted too.
    sid = descriptor[4:].strip() if descriptor[:4].upper() == "SID=" else descriptor
    if not sid.upper().startswith("S-") or " " in sid or "=" in sid:
        raise UnsupportedError(f"only a SID protection descriptor is supported, not {descriptor!r}")
    root = None
    if cache is not None and root_key_identifier is not None:
        root = cache._root_keys.get(uuid.UUID(str(root_key_identifier)))
    if root is None:
        raise RpcNotSupportedError(
            "ncrypt_protect_secret needs cache= holding the root key named by root_key_identifier; "
            "winlaps does no network RPC (MS-GKDI GetKey)"
        )
    return encrypt_blob(data, key=root, sid=sid, public_key=False)


async def async_ncrypt_unprotect_secret(
    data: bytes,
    server: t.Optional[str] = None,
    username: t.Optional[str] = None,
    password: t.Optional[str] = None,
    auth_protocol: str = "negotiate",
    cache: t.Optional[KeyCache] = None,
) -> bytes:
    """Async :func:`ncrypt_unprotect_secret`, run in a worker thread (the decryption releases
    the GIL, so several of these run in parallel)."""
    return await asyncio.get_running_loop().run_in_executor(
        None, lambda: ncrypt_unprotect_secret(data, server, username, password, auth_protocol, cache)
    )


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
    """Async :func:`ncrypt_protect_secret`, run in a worker thread."""
    return await asyncio.get_running_loop().run_in_executor(
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
