"""The exception hierarchy of winlaps. The native module maps every Rust error to one of these
classes, with the crates' secret-free message::

    WinlapsError(Exception)
    ├── FormatError(WinlapsError, ValueError)
    ├── PolicyError(WinlapsError, ValueError)
    ├── InvalidArgumentError(WinlapsError, ValueError)
    ├── NotFoundError(WinlapsError, LookupError)
    ├── DecryptionError(WinlapsError)
    ├── KeyNotFoundError(WinlapsError)
    ├── UnsupportedError(WinlapsError, NotImplementedError)
    └── RpcError(WinlapsError)
        ├── DcUnreachableError(RpcError, ConnectionError)
        │   └── RpcTimeoutError(DcUnreachableError, TimeoutError)
        ├── NoGkdiEndpointError(RpcError)
        ├── BindRejectedError(RpcError)
        ├── AuthenticationError(RpcError, PermissionError)
        ├── AccessDeniedError(RpcError, PermissionError)
        ├── RpcFaultError(RpcError)
        └── RpcProtocolError(RpcError)
"""

from __future__ import annotations

__all__ = [
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
]


class WinlapsError(Exception):
    """Base class of every error winlaps raises. Messages never contain secrets."""


class FormatError(WinlapsError, ValueError):
    """The input bytes or text are malformed; the message says where (byte offset or line)."""


class PolicyError(WinlapsError, ValueError):
    """A value a policy writer refuses (an unknown setting, a value the format cannot carry) or a policy that forbids the operation."""


class DecryptionError(WinlapsError):
    """Decryption failed: wrong key, failed AES key unwrap or bad GCM tag (deliberately opaque)."""


class KeyNotFoundError(WinlapsError):
    """No root key or group key envelope in the key store can derive the key the blob names."""


class UnsupportedError(WinlapsError, NotImplementedError):
    """A protector, algorithm or operation winlaps does not implement."""


class InvalidArgumentError(WinlapsError, ValueError):
    """An argument out of its documented range or of the wrong shape (e.g. complexity 9, a key of the wrong size)."""


class NotFoundError(WinlapsError, LookupError):
    """The object asked for does not exist or holds no LAPS password."""


class RpcError(WinlapsError):
    """Fetching keys from a domain controller (MS-GKDI GetKey over DCE/RPC) failed."""


class DcUnreachableError(RpcError, ConnectionError):
    """The domain controller could not be reached (DNS, connect or a closed connection)."""


class RpcTimeoutError(DcUnreachableError, TimeoutError):
    """A network step (connect, send, receive) exceeded its timeout."""


class NoGkdiEndpointError(RpcError):
    """The endpoint mapper has no MS-GKDI (ISD_KEY) endpoint: the server is no key distribution service (Samba's AD DC serves no GKDI)."""


class BindRejectedError(RpcError):
    """The server rejected the bind (bind_nak) or every presentation context."""


class AuthenticationError(RpcError, PermissionError):
    """The server refused the credentials, or a message signature did not verify."""


class AccessDeniedError(RpcError, PermissionError):
    """GetKey answered access denied: the caller may not read the keys of the SID named."""


class RpcFaultError(RpcError):
    """The server answered with an RPC fault or a failing GetKey HRESULT (in the message)."""


class RpcProtocolError(RpcError):
    """The peer sent malformed, truncated, oversized or unexpected DCE/RPC data."""


# Public under the package's name, as `winlaps.FormatError`.
for _name in __all__:
    globals()[_name].__module__ = "winlaps"
