"""winlaps: Windows LAPS in Rust.

Windows-exact password generation, effective-policy resolution with explanations, and the
msLAPS-EncryptedPassword / DPAPI-NG formats in both directions. Pure computation: you bring
the LDAP attribute bytes, the registry data and the keys. The one exception is opt-in: with
the ``winlaps[rpc]`` extra, :meth:`KeyStore.fetch_from_dc` / ``decrypt_many(values, dc=...)``,
:func:`fetch_group_key_envelope` and :mod:`winlaps.dpapi_ng` fetch keys from a domain
controller (MS-GKDI GetKey).

Secrets handed to Python (``str`` passwords, ``bytes`` plaintexts) are ordinary immutable
Python objects that cannot be wiped; everything winlaps holds on the Rust side is zeroized.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError as _PackageNotFoundError
from importlib.metadata import version as _distribution_version

from winlaps._gkdi import (
    FetchResult,
    KeyStore,
    async_fetch_group_key_envelope,
    async_lookup_dc,
    fetch_group_key_envelope,
    lookup_dc,
)
from winlaps._types import (
    Device,
    Diagnostic,
    EffectivePolicy,
    EncryptedAttributeInfo,
    ParsedPolicy,
    ResetStatus,
    RotationDecision,
    SettingResolution,
    ShadowedValue,
)
from winlaps._errors import (
    AccessDeniedError,
    AuthenticationError,
    BindRejectedError,
    DcUnreachableError,
    DecryptionError,
    FormatError,
    InvalidArgumentError,
    KeyNotFoundError,
    NoGkdiEndpointError,
    NotFoundError,
    PolicyError,
    RpcError,
    RpcFaultError,
    RpcProtocolError,
    RpcTimeoutError,
    UnsupportedError,
    WinlapsError,
)
from winlaps._winlaps import (
    GraphPassword,
    LapsCredential,
    RawRegistryValue,
    RootKey,
    check_local_password_policy,
    decide_rotation,
    decode_graph_password,
    encrypt_attribute,
    encrypt_blob,
    entropy,
    entropy_bits,
    generate_password,
    generate_passwords,
    generate_passwords_buffer,
    is_valid_password,
    local_state_after_rotation,
    local_state_from_registry,
    make_group_key_envelope,
    parse_blob,
    parse_encrypted_attribute,
    parse_expiration_time,
    parse_group_key_envelope,
    parse_laps_password_json,
    parse_legacy_password,
    parse_reg,
    parse_registry_pol,
    parse_syncml,
    post_authentication_timeline,
    read_computer,
    reset_password_status,
    resolve_policy,
    setting_catalog,
    split_passphrase,
    write_reg,
    write_registry_pol,
    write_syncml,
)

try:
    __version__: str = _distribution_version("winlaps")
    """The installed distribution's version (the Rust workspace's, e.g. ``0.1.0``)."""
except _PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    # errors
    "WinlapsError",
    "FormatError",
    "PolicyError",
    "DecryptionError",
    "KeyNotFoundError",
    "UnsupportedError",
    "InvalidArgumentError",
    "NotFoundError",
    "RpcError",
    "DcUnreachableError",
    "RpcTimeoutError",
    "NoGkdiEndpointError",
    "BindRejectedError",
    "AuthenticationError",
    "AccessDeniedError",
    "RpcFaultError",
    "RpcProtocolError",
    # generation
    "generate_password",
    "generate_passwords",
    "generate_passwords_buffer",
    "entropy_bits",
    "entropy",
    "is_valid_password",
    "split_passphrase",
    "check_local_password_policy",
    # policy
    "resolve_policy",
    "setting_catalog",
    "write_registry_pol",
    "write_syncml",
    "write_reg",
    "Device",
    "EffectivePolicy",
    "SettingResolution",
    "ResetStatus",
    "ShadowedValue",
    "Diagnostic",
    "parse_registry_pol",
    "parse_syncml",
    "parse_reg",
    "ParsedPolicy",
    "RawRegistryValue",
    "decide_rotation",
    "local_state_after_rotation",
    "local_state_from_registry",
    "RotationDecision",
    "post_authentication_timeline",
    "reset_password_status",
    # crypto
    "RootKey",
    "KeyStore",
    "FetchResult",
    "fetch_group_key_envelope",
    "async_fetch_group_key_envelope",
    "lookup_dc",
    "async_lookup_dc",
    "LapsCredential",
    "parse_encrypted_attribute",
    "parse_blob",
    "EncryptedAttributeInfo",
    "encrypt_attribute",
    "encrypt_blob",
    "parse_group_key_envelope",
    "make_group_key_envelope",
    # clear-text formats
    "parse_laps_password_json",
    "parse_legacy_password",
    "parse_expiration_time",
    "decode_graph_password",
    "GraphPassword",
    # Active Directory (Get-LapsADPassword's records from attribute values)
    "read_computer",
]
