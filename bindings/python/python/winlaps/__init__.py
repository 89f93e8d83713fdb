"""winlaps: Windows LAPS in Rust.

Windows-exact password generation, effective-policy resolution with explanations, and the
msLAPS-EncryptedPassword / DPAPI-NG formats in both directions. Pure computation: you bring
the LDAP attribute bytes, the registry data and the keys; winlaps does no I/O.

Secrets handed to Python (``str`` passwords, ``bytes`` plaintexts) are ordinary immutable
Python objects that cannot be wiped; everything winlaps holds on the Rust side is zeroized.
"""

from __future__ import annotations

from winlaps._winlaps import (
    DecryptionError,
    Device,
    Diagnostic,
    EffectivePolicy,
    EncryptedAttributeInfo,
    FormatError,
    GraphPassword,
    KeyNotFoundError,
    KeyStore,
    LapsCredential,
    PolicyError,
    RegFile,
    RegistryPol,
    RootKey,
    RotationDecision,
    SettingResolution,
    SyncMl,
    UnsupportedError,
    WinlapsError,
    check_local_password_policy,
    decide_rotation,
    decode_graph_password,
    encrypt_attribute,
    encrypt_blob,
    entropy_bits,
    generate_password,
    generate_passwords,
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
    reset_password_status,
    resolve_policy,
    setting_catalog,
    split_passphrase,
)

__all__ = [
    # errors
    "WinlapsError",
    "FormatError",
    "PolicyError",
    "DecryptionError",
    "KeyNotFoundError",
    "UnsupportedError",
    # generation
    "generate_password",
    "generate_passwords",
    "entropy_bits",
    "is_valid_password",
    "split_passphrase",
    "check_local_password_policy",
    # policy
    "resolve_policy",
    "setting_catalog",
    "Device",
    "EffectivePolicy",
    "SettingResolution",
    "Diagnostic",
    "parse_registry_pol",
    "parse_syncml",
    "parse_reg",
    "RegistryPol",
    "SyncMl",
    "RegFile",
    "decide_rotation",
    "local_state_after_rotation",
    "local_state_from_registry",
    "RotationDecision",
    "post_authentication_timeline",
    "reset_password_status",
    # crypto
    "RootKey",
    "KeyStore",
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
]
