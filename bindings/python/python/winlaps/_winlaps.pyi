"""Types of the native module ``winlaps._winlaps`` (hand-owned; checked by mypy.stubtest)."""

from typing import Optional, Union

__all__ = [
    "WinlapsError",
    "FormatError",
    "PolicyError",
    "DecryptionError",
    "KeyNotFoundError",
    "UnsupportedError",
    "generate_password",
    "generate_passwords",
    "entropy_bits",
]

# --- errors -------------------------------------------------------------------------------

class WinlapsError(Exception):
    """Base class of every error winlaps raises. Messages never contain secrets."""

class FormatError(WinlapsError, ValueError):
    """The input bytes or text are malformed; the message says where."""

class PolicyError(WinlapsError, ValueError):
    """A value outside what Windows LAPS policy allows, or an invalid policy input."""

class DecryptionError(WinlapsError):
    """Wrong key, failed AES key unwrap or bad GCM tag (deliberately opaque)."""

class KeyNotFoundError(WinlapsError):
    """No key in the key store can derive the key the blob names."""

class UnsupportedError(WinlapsError, NotImplementedError):
    """A protector, algorithm or operation winlaps does not implement."""

# --- generation ---------------------------------------------------------------------------

_Seed = Union[bytes, int]

def generate_password(
    complexity: int = 4, length: int = 14, words: int = 6, *, seed: Optional[_Seed] = None
) -> str: ...
def generate_passwords(
    n: int,
    complexity: int = 4,
    length: int = 14,
    words: int = 6,
    *,
    seed: Optional[_Seed] = None,
) -> list[str]: ...
def entropy_bits(complexity: int, length: int = 14, words: int = 6, *, naive: bool = False) -> float: ...
