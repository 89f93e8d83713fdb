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


def test_classes_are_distinct_and_catchable_by_base() -> None:
    assert len(set(SUBCLASSES)) == len(SUBCLASSES)
    with pytest.raises(winlaps.WinlapsError):
        winlaps.generate_password(99)


def test_all_is_explicit_and_complete() -> None:
    for name in winlaps.__all__:
        assert hasattr(winlaps, name), name
    public = {n for n in dir(winlaps) if not n.startswith("_")} - {"annotations", "dpapi_ng"}
    assert public <= set(winlaps.__all__) | {"_winlaps"}
