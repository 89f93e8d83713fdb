"""The exception hierarchy."""

from __future__ import annotations

import pytest

import winlaps

SUBCLASSES = [
    winlaps.FormatError,
    winlaps.PolicyError,
    winlaps.DecryptionError,
    winlaps.KeyNotFoundError,
    winlaps.UnsupportedError,
]


def test_hierarchy() -> None:
    assert issubclass(winlaps.WinlapsError, Exception)
    for cls in SUBCLASSES:
        assert issubclass(cls, winlaps.WinlapsError)
        assert cls.__module__ == "winlaps"
        assert cls.__doc__
    assert issubclass(winlaps.FormatError, ValueError)
    assert issubclass(winlaps.PolicyError, ValueError)
    assert issubclass(winlaps.UnsupportedError, NotImplementedError)
    assert not issubclass(winlaps.DecryptionError, ValueError)
    assert not issubclass(winlaps.KeyNotFoundError, ValueError)


def test_every_class_has_the_bases_of_the_documented_tree() -> None:
    w = winlaps
    tree = {
        w.WinlapsError: (Exception,),
        w.FormatError: (w.WinlapsError, ValueError),
        w.PolicyError: (w.WinlapsError, ValueError),
        w.InvalidArgumentError: (w.WinlapsError, ValueError),
        w.NotFoundError: (w.WinlapsError, LookupError),
        w.DecryptionError: (w.WinlapsError,),
        w.KeyNotFoundError: (w.WinlapsError,),
        w.UnsupportedError: (w.WinlapsError, NotImplementedError),
        w.RpcError: (w.WinlapsError,),
        w.DcUnreachableError: (w.RpcError, ConnectionError),
        w.RpcTimeoutError: (w.DcUnreachableError, TimeoutError),
        w.NoGkdiEndpointError: (w.RpcError,),
        w.BindRejectedError: (w.RpcError,),
        w.AuthenticationError: (w.RpcError, PermissionError),
        w.AccessDeniedError: (w.RpcError, PermissionError),
        w.RpcFaultError: (w.RpcError,),
        w.RpcProtocolError: (w.RpcError,),
    }
    for cls, bases in tree.items():
        assert cls.__bases__ == bases, cls.__name__
    exported = {getattr(w, n) for n in w.__all__ if n.endswith("Error")}
    assert exported == set(tree)


def test_classes_are_distinct_and_catchable_by_base() -> None:
    assert len(set(SUBCLASSES)) == len(SUBCLASSES)
    with pytest.raises(winlaps.WinlapsError):
        winlaps.generate_password(99)


def test_all_is_explicit_and_complete() -> None:
    for name in winlaps.__all__:
        assert hasattr(winlaps, name), name
    public = {n for n in dir(winlaps) if not n.startswith("_")} - {"annotations", "dpapi_ng"}
    assert public <= set(winlaps.__all__) | {"_winlaps"}
