"""The result dataclasses as the native module builds them: fields, devices, ``to_dict()``."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

import winlaps
from conftest import vectors

NOW = dt.datetime(2026, 12, 3, tzinfo=dt.timezone.utc)
# A value other than the default for every Device argument.
NON_DEFAULT: dict[str, Any] = {
    "join": "ad",
    "domain_controller": True,
    "os_build": 22631,
    "os_ubr": 4037,
    "legacy_cse_installed": True,
    "dfl_2016": False,
    "legacy_schema_present": False,
    "safe_mode": True,
    "password_policy": {"minimum_length": 12, "complexity_required": True},
    "entra_tenant_laps_enabled": False,
    "entra_device_enabled": False,
}


@pytest.mark.parametrize("name", NON_DEFAULT)
def test_each_device_argument_lands_in_its_field(name: str) -> None:
    for _ in range(2):  # the second call is answered from the remembered devices
        device = winlaps.Device(**{name: NON_DEFAULT[name]})
        assert getattr(device, name) == NON_DEFAULT[name]
        others = [f.name for f in dataclasses.fields(device) if f.name != name]
        assert all(getattr(device, n) == getattr(winlaps.Device(), n) for n in others)


def test_equal_device_arguments_of_another_type_are_validated_again() -> None:
    assert winlaps.Device(os_build=1).os_build == 1
    with pytest.raises(winlaps.InvalidArgumentError):
        winlaps.Device(os_build=True)  # a bool is not a build
    assert winlaps.Device(domain_controller=True).domain_controller is True
    with pytest.raises(winlaps.InvalidArgumentError):
        winlaps.Device(domain_controller=1)  # type: ignore[arg-type]  # an int is not a bool
    with pytest.raises(winlaps.InvalidArgumentError, match="join"):
        # Unhashable: validated, not remembered.
        winlaps.Device(join=["ad"])  # type: ignore[arg-type]


def test_devices_do_not_share_their_fields() -> None:
    a, b = winlaps.Device(join="ad"), winlaps.Device(join="ad")
    assert a == b and vars(a) is not vars(b)
    object.__setattr__(a, "os_build", 1)
    assert winlaps.Device(join="ad").os_build == b.os_build == 26100


def test_to_dict_is_a_fresh_copy_each_call() -> None:
    policy = winlaps.resolve_policy(gpo={"BackupDirectory": 2, "PasswordLength": 99})
    attribute = next(v for v in vectors("laps_attribute.json") if "input_hex" in v)
    value = bytes.fromhex(attribute["input_hex"])
    for result in (
        winlaps.decide_rotation(policy, now=NOW),
        policy.provenance("PasswordLength"),
        policy.settings[0],
        winlaps.parse_encrypted_attribute(value),
        winlaps.parse_blob(value[16:]),
    ):
        first = result.to_dict()
        first.clear()
        assert result.to_dict() and result.to_dict() is not first


def test_a_policy_device_is_the_device_it_was_resolved_for() -> None:
    device = winlaps.Device(**NON_DEFAULT)
    for _ in range(2):
        p = winlaps.resolve_policy(gpo={"BackupDirectory": 2}, device=device)
        assert p.device == device and p.device.password_policy == NON_DEFAULT["password_policy"]
    assert winlaps.resolve_policy().device == winlaps.Device()


def test_a_record_keeps_every_key_identifier_field() -> None:
    attribute = next(v for v in vectors("laps_attribute.json") if "input_hex" in v)
    info = winlaps.parse_encrypted_attribute(bytes.fromhex(attribute["input_hex"]))
    key = info.to_dict()["key"]
    assert (info.version, info.key_info_kind, info.key_info_len) == (
        key["version"],
        key["key_info_kind"],
        key["key_info_len"],
    )
    assert info.version == 1 and info.key_info_kind in ("DHPB", "ECK1", "ECK3")


def test_a_field_the_record_does_not_know_is_an_internal_error_not_dropped() -> None:
    from winlaps._types import RotationDecision

    with pytest.raises(winlaps.WinlapsError, match=r"internal error: RotationDecision has no field \['bogus'\]"):
        RotationDecision._from({"bogus": 1})
