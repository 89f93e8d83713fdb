"""Generation: the Windows LAPS alphabets and word lists, lengths, seeds, entropy."""

from __future__ import annotations

import math
from typing import Any
from collections import Counter

import pytest

import winlaps
from conftest import REPO

# The character classes exactly as Microsoft publishes them (password-generation spec).
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LOWER = "abcdefghijklmnopqrstuvwxyz"
DIGITS = "0123456789"
SPECIAL = ",.-+;!#&@{}[]$/()%"
CLASSES = {
    1: [UPPER],
    2: [UPPER, LOWER],
    3: [UPPER, LOWER, DIGITS],
    4: [UPPER, LOWER, DIGITS, SPECIAL],
    5: ["ABCDEFGHJKLMNPRSTUVWXYZ", "abcdefghijkmnpqrstuvwxyz", "23456789", "!#%+@:=?*"],
}
WORDLISTS = {
    6: "eff_large_wordlist.words.txt",
    7: "eff_short_wordlist_1.words.txt",
    8: "eff_short_wordlist_2_0.words.txt",
}


def words_of(complexity: int) -> set[str]:
    path = REPO / "laps-wordlist" / "data" / WORDLISTS[complexity]
    return {w.strip() for w in path.read_text(encoding="utf-8").splitlines() if w.strip()}


def split_passphrase(s: str) -> list[str]:
    out: list[str] = []
    for ch in s:
        if ch.isupper() or not out:
            out.append("")
        out[-1] += ch.lower()
    return out


@pytest.mark.parametrize("complexity", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("length", [8, 14, 64])
def test_character_modes_use_exactly_the_alphabet_and_every_class(complexity: int, length: int) -> None:
    classes = CLASSES[complexity]
    alphabet = set("".join(classes))
    for pw in winlaps.generate_passwords(300, complexity, length, seed=complexity * 100 + length):
        assert len(pw) == length
        assert set(pw) <= alphabet
        for cls in classes:
            assert set(pw) & set(cls), f"{pw!r} misses a class"


def test_every_character_of_the_alphabet_appears() -> None:
    for complexity, classes in CLASSES.items():
        seen = set("".join(winlaps.generate_passwords(2000, complexity, 14, seed=7)))
        assert seen == set("".join(classes))


@pytest.mark.parametrize("complexity", [6, 7, 8])
@pytest.mark.parametrize("words", [3, 6, 10])
def test_passphrases_are_capitalised_words_from_the_eff_list(complexity: int, words: int) -> None:
    vocabulary = words_of(complexity)
    for pw in winlaps.generate_passwords(200, complexity, words=words, seed=words):
        parts = split_passphrase(pw)
        assert len(parts) == words
        assert all(p in vocabulary for p in parts), pw
        assert " " not in pw


def test_passphrase_mode_ignores_length_and_character_mode_ignores_words() -> None:
    assert len(winlaps.generate_password(4, 20, 3)) == 20
    a = winlaps.generate_password(6, 8, 5, seed=1)
    b = winlaps.generate_password(6, 64, 5, seed=1)
    assert a == b


def test_defaults_are_complexity_4_length_14() -> None:
    pw = winlaps.generate_password()
    assert len(pw) == 14
    assert set(pw) <= set(UPPER + LOWER + DIGITS + SPECIAL)


def test_seed_reproduces_and_batches_continue_one_stream() -> None:
    assert winlaps.generate_password(seed=42) == winlaps.generate_password(seed=42)
    assert winlaps.generate_password(seed=42) != winlaps.generate_password(seed=43)
    assert winlaps.generate_password(seed=b"\x2a" + bytes(31)) == winlaps.generate_password(seed=42)
    batch = winlaps.generate_passwords(5, seed=9)
    assert batch[0] == winlaps.generate_password(seed=9)
    assert len(set(batch)) == 5


def test_unseeded_output_differs() -> None:
    assert len(set(winlaps.generate_passwords(1000))) == 1000
    assert winlaps.generate_password() != winlaps.generate_password()


def test_generate_passwords_edge_counts() -> None:
    assert winlaps.generate_passwords(0) == []
    assert len(winlaps.generate_passwords(1, 8, words=3)) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0,), "complexity 0"),
        ((9,), "complexity 9"),
        ((4, 7), "length 7"),
        ((4, 65), "length 65"),
        ((6, 14, 2), "2 words"),
        ((6, 14, 11), "11 words"),
    ],
)
def test_out_of_range_specs_raise_invalid_argument_error(args: tuple[int, ...], message: str) -> None:
    with pytest.raises(winlaps.InvalidArgumentError, match=message):
        winlaps.generate_password(*args)
    with pytest.raises(ValueError):
        winlaps.generate_passwords(1, *args)
    with pytest.raises(winlaps.InvalidArgumentError):
        winlaps.entropy_bits(*args)


@pytest.mark.parametrize("seed", [b"short", bytes(33), -1, 1 << 256])
def test_bad_seeds_are_rejected(seed: object) -> None:
    with pytest.raises(winlaps.InvalidArgumentError, match="seed"):
        winlaps.generate_password(seed=seed)  # type: ignore[arg-type]


def test_seed_of_wrong_type_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        winlaps.generate_password(seed="abc")  # type: ignore[arg-type]


def test_entropy_matches_the_published_tables() -> None:
    # Microsoft's published (naive) figures and the exact ones from the spec.
    assert round(winlaps.entropy_bits(4, naive=True)) == 89
    assert round(winlaps.entropy_bits(4), 2) == 88.21
    assert round(winlaps.entropy_bits(5, 14), 2) == 83.56
    assert round(winlaps.entropy_bits(1, 14), 2) == 65.81
    assert round(winlaps.entropy_bits(6), 2) == 77.55
    assert round(winlaps.entropy_bits(7, words=10), 2) == 103.40
    assert winlaps.entropy_bits(8) == winlaps.entropy_bits(7)


def test_exact_entropy_equals_log2_of_the_valid_password_count() -> None:
    # Inclusion-exclusion over the missing classes, computed independently here.
    for complexity, classes in CLASSES.items():
        for length in (8, 14, 20):
            u = sum(len(c) for c in classes)
            total = 0
            for mask in range(1 << len(classes)):
                missing = sum(len(classes[i]) for i in range(len(classes)) if mask >> i & 1)
                total += (-1) ** bin(mask).count("1") * (u - missing) ** length
            assert winlaps.entropy_bits(complexity, length) == pytest.approx(math.log2(total), abs=1e-9)


def test_characters_are_roughly_uniform() -> None:
    # 20 000 × 14 characters of mode 1: each letter's count within 5 sigma of the mean.
    counts = Counter("".join(winlaps.generate_passwords(20_000, 1, 14, seed=3)))
    n = 20_000 * 14
    mean, sigma = n / 26, math.sqrt(n * (1 / 26) * (25 / 26))
    assert all(abs(c - mean) < 5 * sigma for c in counts.values())


def test_is_valid_password_and_split_passphrase() -> None:
    for complexity in range(1, 6):
        for pw in winlaps.generate_passwords(50, complexity, seed=complexity):
            assert winlaps.is_valid_password(complexity, pw)
    assert not winlaps.is_valid_password(4, "aB3aaaaa")  # no special character
    assert not winlaps.is_valid_password(5, "aB3!aaaO")  # no 'O' in mode 5
    assert not winlaps.is_valid_password(6, "Anything")
    with pytest.raises(winlaps.InvalidArgumentError):
        winlaps.is_valid_password(0, "x")
    assert winlaps.split_passphrase("SkiingProduceT-shirt") == ["skiing", "produce", "t-shirt"]
    pw = winlaps.generate_password(7, words=4, seed=5)
    assert len(winlaps.split_passphrase(pw)) == 4


def test_batch_size_is_bounded_and_empty_batch_is_empty() -> None:
    assert winlaps.generate_passwords(0) == []
    assert len(winlaps.generate_passwords(3, 6, words=3, seed=1)) == 3
    with pytest.raises(winlaps.InvalidArgumentError, match="batch limit of 10000000"):
        winlaps.generate_passwords(10_000_001)


def test_generate_passwords_buffer_is_the_list_joined_and_wipeable() -> None:
    seed = bytes(range(32))
    listed = winlaps.generate_passwords(50, 5, 20, seed=seed)
    buf = winlaps.generate_passwords_buffer(50, 5, 20, seed=seed)
    assert isinstance(buf, bytearray)
    assert buf.decode().split("\n") == listed
    buf[:] = bytes(len(buf))
    assert not any(buf)
    assert winlaps.generate_passwords_buffer(0) == bytearray()
    with pytest.raises(winlaps.InvalidArgumentError):
        winlaps.generate_passwords_buffer(10**9)


def test_entropy_gives_both_figures() -> None:
    e = winlaps.entropy(4, 14)
    assert e == {"naive": winlaps.entropy_bits(4, 14, naive=True), "exact": winlaps.entropy_bits(4, 14)}
    assert round(e["naive"], 2) == 88.51 and round(e["exact"], 2) == 88.21
    with pytest.raises(winlaps.InvalidArgumentError):
        winlaps.entropy(9)


def _categories(p: str) -> int:
    """Windows' "meets complexity requirements" categories for ASCII, written out here."""
    return sum(
        any(test(c) for c in p)
        for test in (str.isupper, str.islower, str.isdigit, lambda c: not c.isalnum())
    )


def test_device_policy_rejected_draws_are_drawn_again() -> None:
    fit = winlaps.check_local_password_policy(6, words=3, minimum_length=20, complexity_required=True)
    assert 0 < fit["acceptance"] < 0.1
    batch = winlaps.generate_passwords(300, 6, words=3, minimum_length=20, complexity_required=True)
    assert len(batch) == 300
    one = winlaps.generate_password(6, words=3, minimum_length=20, complexity_required=True)
    for p in [*batch, one]:
        assert len(p) >= 20 and _categories(p) >= 3, p
    buffer = winlaps.generate_passwords_buffer(
        50, 6, words=3, minimum_length=20, complexity_required=True
    ).decode()
    assert len(buffer.split("\n")) == 50
    assert all(len(p) >= 20 and _categories(p) >= 3 for p in buffer.split("\n"))
    e = winlaps.entropy(6, words=3, minimum_length=20, complexity_required=True)
    assert e["exact"] == pytest.approx(winlaps.entropy(6, words=3)["exact"] + math.log2(fit["acceptance"]))


def test_device_policy_accepting_every_password_changes_nothing() -> None:
    strict = winlaps.generate_passwords(20, seed=3, minimum_length=14, complexity_required=True)
    assert strict == winlaps.generate_passwords(20, seed=3)
    strict_one = winlaps.generate_password(seed=3, minimum_length=14, complexity_required=True)
    assert strict_one == winlaps.generate_password(seed=3)
    assert winlaps.entropy(minimum_length=14, complexity_required=True) == winlaps.entropy()


@pytest.mark.parametrize(
    "call",
    [
        lambda: winlaps.generate_password(2, complexity_required=True),
        lambda: winlaps.generate_passwords(3, 1, complexity_required=True),
        lambda: winlaps.generate_passwords(0, 2, complexity_required=True),
        lambda: winlaps.generate_passwords_buffer(3, 2, complexity_required=True),
        lambda: winlaps.generate_password(4, 64, minimum_length=65),
    ],
)
def test_device_policy_no_password_satisfies_is_a_policy_error(call: object) -> None:
    with pytest.raises(winlaps.PolicyError, match="event 10027"):
        call()  # type: ignore[operator]


@pytest.mark.parametrize(
    "call",
    [
        lambda: winlaps.generate_password(-1),
        lambda: winlaps.generate_password(length=2**33),
        lambda: winlaps.generate_password(minimum_length=-5),
        lambda: winlaps.generate_passwords(-1),
        lambda: winlaps.generate_passwords_buffer(2**64),
        lambda: winlaps.is_valid_password(-1, "x"),
        lambda: winlaps.entropy_bits(2**40),
        lambda: winlaps.check_local_password_policy(words=2**200),
    ],
)
def test_an_int_outside_the_rust_type_is_an_argument_error_not_overflow(call: Any) -> None:
    with pytest.raises(winlaps.InvalidArgumentError, match="an integer from 0 to"):
        call()
