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
    FormatError,
    KeyNotFoundError,
    PolicyError,
    UnsupportedError,
    WinlapsError,
    entropy_bits,
    generate_password,
    generate_passwords,
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
]
