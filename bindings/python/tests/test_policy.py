"""Policy through the bindings: the rules of the policy spec, the parsers, rotation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import winlaps
from conftest import REPO

POLICY = REPO / "laps-policy" / "tests" / "data"
UTC = dt.timezone.utc
GPO_KEY = r"Software\Microsoft\Windows\CurrentVersion\Policies\LAPS"


def read(name: str) -> bytes:
    return (POLICY / name).read_bytes()


def codes(p: winlaps.EffectivePolicy) -> set[str]:
    return {d.code for d in p.diagnostics}


def events(p: winlaps.EffectivePolicy) -> set[int]:
    return {d.event_id for d in p.diagnostics if d.event_id is not None}


# --- rule 1: four roots, first non-empty root wins, no merging -----------------------------


def test_first_root_holding_any_setting_is_the_only_source() -> None:
    p = winlaps.resolve_policy(
        gpo={"BackupDirectory": 2, "PasswordLength": 20}, local={"BackupDirectory": 1}
    )
    assert (p.source, p.mode, p.password_length) == ("gpo", "ad", 20)


def test_a_single_stray_csp_value_silences_a_complete_gpo() -> None:
    p = winlaps.resolve_policy(
        csp={"PasswordComplexity": 3}, gpo={"BackupDirectory": 2, "PasswordLength": 20}
    )
    assert (p.source, p.mode) == ("csp", "disabled")
    assert p.password_length == 14  # the GPO's 20 is not inherited
    assert "root_ignored" in codes(p)
    prov = p.provenance("PasswordLength")
    assert prov.shadowed == [("gpo", "PasswordLength", 20)]
    assert prov.shadowed[0] == winlaps.ShadowedValue(root="gpo", name="PasswordLength", raw=20)
    assert "GPO root is ignored" in p.explain()
    assert "GPO root is ignored" in p.root_verdict("gpo")
    with pytest.raises(winlaps.InvalidArgumentError, match=r"unknown root \"hklm\" \(expected csp"):
        p.root_verdict("hklm")  # type: ignore[arg-type]


def test_no_policy_means_disabled_with_event_10024() -> None:
    p = winlaps.resolve_policy()
    assert (p.source, p.mode) == ("none", "disabled")
    assert 10024 in events(p)


def test_settings_missing_from_the_source_root_take_their_defaults() -> None:
    p = winlaps.resolve_policy(gpo={"BackupDirectory": 2})
    assert p.password_age_days == 30
    assert p.password_complexity == 4
    assert p.password_length == 14
    assert p.passphrase_length == 6
    assert p.administrator_account_name is None
    assert p.post_authentication_reset_delay == 24
    assert p.post_authentication_actions == 3
    assert p.provenance("password_age_days").kind == "default"


# --- rule 2: the GPO root is ...\CurrentVersion\Policies\LAPS ------------------------------


def test_the_gpo_root_is_policies_laps_not_policies_microsoft_windows_laps() -> None:
    wrong = (
        "Windows Registry Editor Version 5.00\r\n\r\n"
        "[HKEY_LOCAL_MACHINE\\Software\\Policies\\Microsoft Windows\\LAPS]\r\n"
        '"BackupDirectory"=dword:00000002\r\n'
    )
    reg = winlaps.parse_reg(wrong)
    assert not (reg.csp or reg.gpo or reg.local or reg.legacy or reg.state)
    assert reg.ignored_keys == ["HKEY_LOCAL_MACHINE\\Software\\Policies\\Microsoft Windows\\LAPS"]
    assert winlaps.resolve_policy(gpo=reg).mode == "disabled"


# --- rule 3: BackupDirectory gates everything ----------------------------------------------


def test_backup_directory_0_disables_every_other_setting() -> None:
    p = winlaps.resolve_policy(gpo={"BackupDirectory": 0, "PasswordLength": 30})
    assert p.mode == "disabled"
    assert not p.provenance("password_length").applicable
    assert p.provenance("password_length").reason == "LAPS is disabled"


@pytest.mark.parametrize(
    ("join", "backup", "mode"),
    [
        ("hybrid", 1, "entra"),
        ("hybrid", 2, "ad"),
        ("entra", 1, "entra"),
        ("entra", 2, "unmanaged"),
        ("ad", 1, "unmanaged"),
        ("ad", 2, "ad"),
        ("none", 1, "unmanaged"),
        ("none", 2, "unmanaged"),
    ],
)
def test_join_state_decides_which_directory_can_be_used(join: str, backup: int, mode: str) -> None:
    for device in (winlaps.Device(join=join), {"join": join}):
        assert winlaps.resolve_policy(gpo={"BackupDirectory": backup}, device=device).mode == mode


# --- rule 4: invalid values fall back to the default, with the documented exceptions --------


def test_out_of_range_values_fall_back_to_the_default_not_clamped() -> None:
    p = winlaps.resolve_policy(gpo={"BackupDirectory": 2, "PasswordLength": 99, "PasswordAgeDays": 0})
    assert p.password_length == 14
    assert p.password_age_days == 30
    r = p.provenance("PasswordLength")
    assert (r.kind, r.root, r.raw) == ("fell_back", "gpo", 99)
    assert "invalid_value" in codes(p)


def test_wrong_registry_type_falls_back_to_default() -> None:
    p = winlaps.resolve_policy(gpo={"BackupDirectory": 2, "PasswordAgeDays": "30"})
    assert p.password_age_days == 30
    assert p.provenance("PasswordAgeDays").reason == "wrong registry type"


def test_complexity_6_on_a_pre_24h2_build_becomes_4() -> None:
    gpo = {"BackupDirectory": 2, "PasswordComplexity": 6}
    assert winlaps.resolve_policy(gpo=gpo).password_complexity == 6
    old = winlaps.resolve_policy(gpo=gpo, device=winlaps.Device(os_build=22631))
    assert old.password_complexity == 4
    assert old.provenance("password_complexity").kind == "fell_back"


def test_an_isolated_encryption_principal_is_a_hard_failure_event_10034() -> None:
    p = winlaps.resolve_policy(
        gpo={"BackupDirectory": 2, "ADPasswordEncryptionEnabled": 1, "ADPasswordEncryptionPrincipal": "LAPS Admins"}
    )
    assert p.blocker == "principal_isolated_name"
    assert 10034 in events(p)


def test_entra_password_age_below_7_is_raised_to_7_with_event_10058() -> None:
    p = winlaps.resolve_policy(gpo={"BackupDirectory": 1, "PasswordAgeDays": 3})
    assert p.password_age_days == 7
    assert p.provenance("PasswordAgeDays").kind == "raised_to_entra_minimum"
    assert 10058 in events(p)


def test_encryption_below_dfl_2016_means_no_backup_event_10006() -> None:
    p = winlaps.resolve_policy(gpo={"BackupDirectory": 2}, device={"dfl_2016": False})
    assert p.blocker is not None
    assert 10006 in events(p)


def test_encryption_defaults_on_and_targets_domain_admins() -> None:
    p = winlaps.resolve_policy(gpo={"BackupDirectory": 2})
    assert p.ad_password_encryption_enabled is True
    assert p.ad_password_encryption_principal is None
    assert p.encryption_target == "Domain Admins"


# --- rule 5: legacy emulation ---------------------------------------------------------------


def test_legacy_emulation_needs_every_windows_laps_root_empty() -> None:
    legacy = winlaps.parse_registry_pol(read("legacy-admpwd.pol"))
    p = winlaps.resolve_policy(legacy=legacy, device={"join": "ad"})
    assert (p.source, p.mode) == ("legacy", "legacy_emulation")
    assert p.ad_password_encryption_enabled is False
    p = winlaps.resolve_policy(legacy=legacy, local={"BackupDirectory": 0}, device={"join": "ad"})
    assert p.source == "local"


def test_an_installed_legacy_client_extension_defers_with_event_10033() -> None:
    legacy = winlaps.parse_registry_pol(read("legacy-admpwd.pol"))
    device = {"join": "ad", "legacy_cse_installed": True, "os_build": 22621}
    p = winlaps.resolve_policy(legacy=legacy, device=device)
    assert p.mode != "legacy_emulation"
    assert 10033 in events(p)
    # From Windows 11 23H2 the legacy MSI cannot be installed: the fact is ignored.
    p = winlaps.resolve_policy(legacy=legacy, device={**device, "os_build": 22631})
    assert p.mode == "legacy_emulation"
    assert any(d.code == "legacy_cse_not_installable" for d in p.diagnostics)


def test_a_legacy_policy_is_always_ignored_on_domain_controllers() -> None:
    legacy = winlaps.parse_registry_pol(read("legacy-admpwd.pol"))
    p = winlaps.resolve_policy(legacy=legacy, device={"domain_controller": True})
    assert p.mode != "legacy_emulation"


# --- DSRM -------------------------------------------------------------------------------------


def test_dsrm_mode_on_a_domain_controller() -> None:
    p = winlaps.resolve_policy(
        gpo=winlaps.parse_registry_pol(read("gpo-dsrm.pol")), device=winlaps.Device(domain_controller=True)
    )
    assert p.mode == "ad_dsrm"
    assert p.encryption_target == "Domain Admins"


# --- rule 7: post-authentication actions ----------------------------------------------------


@pytest.mark.parametrize(("value", "effective"), [(1, 1), (3, 3), (5, 5), (11, 11), (2, 3), (7, 3)])
def test_post_authentication_actions_allow_only_1_3_5_11(value: int, effective: int) -> None:
    p = winlaps.resolve_policy(gpo={"BackupDirectory": 2, "PostAuthenticationActions": value})
    assert p.post_authentication_actions == effective


def test_a_grace_period_of_0_turns_post_authentication_actions_off() -> None:
    p = winlaps.resolve_policy(gpo={"BackupDirectory": 2, "PostAuthenticationResetDelay": 0})
    assert not p.provenance("post_authentication_actions").applicable


# --- rule 6: rotation -------------------------------------------------------------------------


SET_AT = dt.datetime(2025, 1, 1, tzinfo=UTC)


def ad_policy() -> winlaps.EffectivePolicy:
    return winlaps.resolve_policy(gpo={"BackupDirectory": 2})


def directory(expiry: dt.datetime | None) -> dict[str, object]:
    return {"password_expiration_time": expiry, "encrypted_password_present": True}


def test_no_rotation_before_expiry_and_rotation_after() -> None:
    policy = ad_policy()
    local = winlaps.local_state_after_rotation(policy, now=SET_AT)
    d = winlaps.decide_rotation(policy, now=SET_AT + dt.timedelta(days=10), local=local, directory=directory(SET_AT + dt.timedelta(days=30)))
    assert not d.rotate and not d and d.reasons == []
    assert d.next_expiration == SET_AT + dt.timedelta(days=30)
    assert d.notes == [] and d.to_dict()["next_expiration"] is not None
    d = winlaps.decide_rotation(policy, now=SET_AT + dt.timedelta(days=31), local=local, directory=directory(SET_AT + dt.timedelta(days=30)))
    assert d.rotate and d.reasons == ["expired"]
    assert d.new_expiration == SET_AT + dt.timedelta(days=61)
    assert d.reason_mask & 0x1
    assert 10015 in d.event_ids


def test_missing_expiration_and_first_run_rotate() -> None:
    d = winlaps.decide_rotation(ad_policy(), now=SET_AT)
    assert d.rotate
    assert "expiration_missing" in d.reasons
    assert "local_state_inconsistent" in d.reasons


def test_an_admin_request_always_rotates() -> None:
    policy = ad_policy()
    local = winlaps.local_state_after_rotation(policy, now=SET_AT)
    local["reset_requested"] = True
    d = winlaps.decide_rotation(policy, now=SET_AT + dt.timedelta(days=1), local=local, directory=directory(SET_AT + dt.timedelta(days=30)))
    assert d.rotate and "manual_reset" in d.reasons


def test_entra_uses_the_local_expiry_and_never_the_directory() -> None:
    policy = winlaps.resolve_policy(gpo={"BackupDirectory": 1})
    local = winlaps.local_state_after_rotation(policy, now=SET_AT)
    d = winlaps.decide_rotation(policy, now=SET_AT + dt.timedelta(days=10), local=local, directory=directory(SET_AT))
    assert not d.rotate
    assert d.current_expiration == SET_AT + dt.timedelta(days=30)


def test_a_safe_mode_boot_blocks_windows_laps_even_for_an_expired_password() -> None:
    gpo = {"BackupDirectory": 2, "PasswordAgeDays": 10}
    safe = winlaps.Device(safe_mode=True)
    assert safe.safe_mode and "safe_mode=True" in repr(safe)
    for device in (safe, {"safe_mode": True}):
        p = winlaps.resolve_policy(gpo=gpo, device=device)
        assert p.mode == "ad" and p.password_age_days == 10  # the policy for the next normal boot
        assert p.blocker == "safe_mode_boot"
        assert "safe mode" in p.explain()
        d = winlaps.decide_rotation(p, now=SET_AT)
        assert not d.rotate and d.blocked == "safe_mode_boot"
    assert winlaps.resolve_policy(gpo=gpo).blocker is None


def test_a_device_password_policy_predicts_event_10027() -> None:
    strict = {"minimum_length": 14, "complexity_required": True}
    device = winlaps.Device(password_policy=strict)
    assert device.password_policy == strict
    assert "'minimum_length': 14" in repr(device)
    letters = winlaps.resolve_policy(gpo={"BackupDirectory": 2, "PasswordComplexity": 2}, device=device)
    assert letters.blocker == "password_policy_conflict"
    (d,) = [d for d in letters.diagnostics if d.code == "password_policy_conflict"]
    assert (d.severity, d.event_id, d.setting) == ("error", 10027, "PasswordComplexity")
    assert not winlaps.decide_rotation(letters, now=SET_AT).rotate
    # The same as a dict device; the Windows default passes.
    default = winlaps.resolve_policy(gpo={"BackupDirectory": 2}, device={"password_policy": strict})
    assert default.blocker is None
    assert winlaps.Device().password_policy is None
    with pytest.raises(winlaps.InvalidArgumentError):
        winlaps.Device(password_policy={"minimum": 14})
    # The message names the field the core refused.
    with pytest.raises(winlaps.InvalidArgumentError, match=r"password_policy\.minimum_length: invalid type"):
        winlaps.Device(password_policy={"minimum_length": "14"})


def test_check_local_password_policy_gives_the_exact_share_accepted() -> None:
    assert winlaps.check_local_password_policy(4, 14, minimum_length=14, complexity_required=True) == {
        "acceptance": 1.0,
        "problems": [],
    }
    fit = winlaps.check_local_password_policy(6, words=6, complexity_required=True)
    assert abs(fit["acceptance"] - (1 - (1 - 4 / 7776) ** 6)) < 1e-12
    (problem,) = fit["problems"]
    assert problem["rule"] == "too_few_categories" and problem["guaranteed"] == 2
    assert "3 of the 5" in problem["message"]
    fit = winlaps.check_local_password_policy(4, 12, minimum_length=14)
    assert fit["acceptance"] == 0.0
    assert fit["problems"][0]["rule"] == "too_short" and fit["problems"][0]["shortest"] == 12
    with pytest.raises(winlaps.InvalidArgumentError):
        winlaps.check_local_password_policy(9)


def test_nested_or_cyclic_arguments_are_refused_not_a_crash() -> None:
    policy = ad_policy()
    cyclic: dict[str, object] = {"dsrm_mode": False}
    cyclic["self"] = cyclic
    deep: dict[str, object] = {}
    for _ in range(100_000):
        deep = {"a": deep}
    for bad in (cyclic, deep):
        with pytest.raises(winlaps.InvalidArgumentError, match="nested more than 32 levels"):
            winlaps.decide_rotation(policy, now=SET_AT, local=bad)
        with pytest.raises(winlaps.InvalidArgumentError, match="nested more than 32 levels"):
            winlaps.resolve_policy(device=bad)
        with pytest.raises(winlaps.InvalidArgumentError, match="nested more than 32 levels"):
            winlaps.Device(password_policy=bad)


def test_rotation_accepts_filetime_ints_and_rejects_naive_datetimes() -> None:
    policy = ad_policy()
    ticks = 133_800_000_000_000_000
    assert winlaps.decide_rotation(policy, now=ticks).rotate
    with pytest.raises(winlaps.InvalidArgumentError, match="naive"):
        winlaps.decide_rotation(policy, now=dt.datetime(2025, 1, 1))
    with pytest.raises(winlaps.InvalidArgumentError, match="invalid local"):
        winlaps.decide_rotation(policy, now=ticks, local={"no_such_field": 1})


def test_a_blocked_policy_never_rotates() -> None:
    p = winlaps.resolve_policy()
    d = winlaps.decide_rotation(p, now=SET_AT)
    assert not d.rotate and d.blocked == "no_policy"


# --- parsers --------------------------------------------------------------------------------


def test_registry_pol_parses_into_the_roots_its_keys_name() -> None:
    pol = winlaps.parse_registry_pol(read("gpo-ad-encrypted.pol"))
    ops = pol.operations
    assert ops[0]["op"] == "set" and ops[0]["key"] == GPO_KEY
    assert pol.gpo["BackupDirectory"] == 2
    assert (pol.csp, pol.local, pol.legacy, pol.ignored_keys) == ({}, {}, {}, [])
    assert not pol.reset_password_requested and pol.commands == []
    p = winlaps.resolve_policy(gpo=pol)
    assert (p.source, p.mode) == ("gpo", "ad")
    assert p.ad_password_encryption_principal == pol.gpo["ADPasswordEncryptionPrincipal"]
    # Written back from its values, the file parses to the same values.
    again = winlaps.parse_registry_pol(winlaps.write_registry_pol(pol.gpo))
    assert again.gpo == pol.gpo


def test_several_gpos_apply_in_order() -> None:
    first = winlaps.parse_registry_pol(read("gpo-ad-encrypted.pol"))
    second = winlaps.parse_registry_pol(read("gpo-entra-passphrase.pol"))
    assert winlaps.resolve_policy(gpo=[first, second]).mode == "entra"
    assert winlaps.resolve_policy(gpo=[second, first]).mode == "ad"


def test_syncml_parses_str_and_bytes() -> None:
    data = read("ms-csp-entra.syncml")
    a = winlaps.parse_syncml(data)
    b = winlaps.parse_syncml(data.decode("utf-8"))
    assert (a.csp, a.commands) == (b.csp, b.commands)
    assert a.csp["BackupDirectory"] == 1
    assert not a.reset_password_requested
    assert all(c["status"] in (200, None) for c in a.commands)
    p = winlaps.resolve_policy(csp=a, device={"join": "entra"})
    assert (p.source, p.mode) == ("csp", "entra")
    assert winlaps.parse_syncml(winlaps.write_syncml(a.csp)).csp == a.csp


def test_every_registry_type_round_trips_through_the_writers() -> None:
    """REG_EXPAND_SZ, a QWORD below 2**32 and an unknown type code come back as the
    `RawRegistryValue` they went in as (Node: `{ type, data }`), the others as themselves."""
    raw = winlaps.RawRegistryValue
    expand = raw(2, "%SystemRoot%\\x\0".encode("utf-16-le"))
    assert (expand.type, expand.data) == (2, "%SystemRoot%\\x\0".encode("utf-16-le"))
    assert expand == raw(2, expand.data) and hash(expand) == hash(raw(2, expand.data))
    values: dict[str, Any] = {
        "BackupDirectory": 2,
        "AdministratorAccountName": expand,
        "PasswordAgeDays": raw(11, (5).to_bytes(8, "little")),
        "PasswordLength": raw(0x1234, b"\x01\x02"),
        "ADPasswordEncryptionPrincipal": ["a", "b"],
        "PasswordComplexity": b"\x01",
        "ADEncryptedPasswordHistorySize": 2**40,
    }
    assert winlaps.parse_registry_pol(winlaps.write_registry_pol(values)).gpo == values
    assert winlaps.parse_reg(winlaps.write_reg(values, root="gpo")).gpo == values
    p = winlaps.resolve_policy(gpo={"BackupDirectory": 2, "AdministratorAccountName": expand})
    assert p.provenance("AdministratorAccountName").raw == expand


def test_reg_file_lands_each_key_in_its_root() -> None:
    reg = winlaps.parse_reg(read("csp-leftover.reg"))
    assert reg.csp == {"PasswordAgeDays": 30}
    assert reg.gpo["BackupDirectory"] == 2
    p = winlaps.resolve_policy(gpo=reg)
    assert p.source == "csp"  # the leftover CSP value wins
    assert winlaps.parse_reg(winlaps.write_reg(reg.gpo, root="gpo")).gpo == reg.gpo


@pytest.mark.parametrize(
    ("parser", "data", "where"),
    [
        (winlaps.parse_registry_pol, b"PReg\x01\x00\x00\x00[", "byte"),
        (winlaps.parse_registry_pol, b"NOPE\x01\x00\x00\x00", "byte 0"),
        (winlaps.parse_syncml, "<SyncML><SyncBody>", "line"),
        (winlaps.parse_reg, "not a reg file", "line"),
    ],
)
def test_malformed_files_raise_format_error_with_a_position(parser: object, data: object, where: str) -> None:
    with pytest.raises(winlaps.FormatError, match=where) as e:
        parser(data)  # type: ignore[operator]
    assert isinstance(e.value, ValueError)


def test_truncated_registry_pol_prefixes_never_crash() -> None:
    data = read("gpo-24h2-features.pol")
    for n in range(len(data)):
        try:
            winlaps.parse_registry_pol(data[:n])
        except winlaps.FormatError:
            pass


# --- argument checking ------------------------------------------------------------------------


def test_root_values_are_checked() -> None:
    with pytest.raises(winlaps.InvalidArgumentError):
        winlaps.resolve_policy(gpo={"PasswordLength": -1})
    with pytest.raises(TypeError):
        winlaps.resolve_policy(gpo={"PasswordLength": 1.5})
    with pytest.raises(TypeError):
        winlaps.resolve_policy(gpo={"Names": ["a", 1]})
    with pytest.raises(TypeError):
        winlaps.resolve_policy(gpo="BackupDirectory=2")  # type: ignore[arg-type]
    with pytest.raises(winlaps.InvalidArgumentError, match="join"):
        winlaps.Device(join="moon")
    with pytest.raises(winlaps.InvalidArgumentError, match="device"):
        winlaps.resolve_policy(device={"joined": "ad"})


def test_value_types_map_to_registry_types() -> None:
    p = winlaps.resolve_policy(
        gpo={"BackupDirectory": True, "AdministratorAccountName": "Admin", "X": b"\x01", "Y": ["a"], "Z": 1 << 40}
    )
    assert p.backup_directory == 1
    assert p.administrator_account_name == "Admin"


# --- the result object ----------------------------------------------------------------------


def test_effective_policy_exposes_every_setting_and_serialises() -> None:
    p = winlaps.resolve_policy(gpo=winlaps.parse_registry_pol(read("gpo-24h2-features.pol")))
    d = p.to_dict()
    names = [s.snake_name for s in p.settings]
    assert len(names) == 18
    for name in names:
        assert getattr(p, name) == p.provenance(name).value, name
        assert name in d["settings"]
    assert d["source"] == p.source and d["mode"] == p.mode
    assert isinstance(p.to_json(), str)
    assert repr(p) == f"EffectivePolicy(source='{p.source}', mode='{p.mode}')"
    assert p.device == winlaps.Device()
    r = p.provenance("PASSWORDLENGTH")
    assert (r.name, r.snake_name) == ("PasswordLength", "password_length")
    assert r.to_dict()["name"] == "PasswordLength"
    assert repr(r) == f"SettingResolution(name='PasswordLength', value={r.value!r}, {r.description})"
    with pytest.raises(winlaps.InvalidArgumentError) as e:
        p.provenance("NoSuchSetting")
    assert str(e.value) == 'unknown Windows LAPS setting "NoSuchSetting"'  # as in Node
    for diag in p.diagnostics:
        assert diag.severity in ("info", "warning", "error")
        assert str(diag)


# --- LAPS\State, post-authentication actions, ResetPasswordStatus ----------------------------


def test_local_state_from_the_registry_state_key() -> None:
    ticks = 133_800_000_000_000_000
    local = winlaps.local_state_from_registry(
        {"PolicySource": 2, "LastPasswordUpdateTime": ticks, "LastAccountRidUpdated": 500, "DSRMMode": 0}
    )
    assert local["policy_source"] == "gpo"
    assert local["last_password_update"] == dt.datetime(1601, 1, 1, tzinfo=UTC) + dt.timedelta(microseconds=ticks // 10)
    assert local["azure_password_expiry"] is None and local["post_auth_reset_deadline"] is None
    assert local["last_account_rid"] == 500 and local["dsrm_mode"] is False
    policy = winlaps.resolve_policy(gpo={"BackupDirectory": 2, "ADPasswordEncryptionEnabled": 0})
    expiry = ticks + 30 * 864_000_000_000
    d = winlaps.decide_rotation(policy, now=ticks + 1, local=local, directory={"password_expiration_time": expiry})
    assert not d.rotate, d.reasons


def test_post_authentication_timeline_defaults_to_24_hours_then_reset_and_sign_out() -> None:
    policy = winlaps.resolve_policy(gpo={"BackupDirectory": 2})
    logon = dt.datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
    t = winlaps.post_authentication_timeline(policy, logon=logon)
    assert t["logon"] == logon
    assert t["deadline"] == logon + dt.timedelta(hours=24)
    assert (t["actions"], t["grace_hours"], t["off"]) == (3, 24, None)
    assert len(t["action_names"]) == 2
    assert [s["at"] for s in t["steps"]] == sorted(s["at"] for s in t["steps"])
    off = winlaps.post_authentication_timeline(
        winlaps.resolve_policy(gpo={"BackupDirectory": 2, "PostAuthenticationResetDelay": 0}), logon=logon
    )
    assert off["deadline"] is None and off["off"] == "grace_period_zero"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, ("succeeded", 0)),
        ("0", ("succeeded", 0)),
        (0x8000000A, ("pending", 0x8000000A)),
        ("-2147483638", ("pending", 0x8000000A)),
        ("0x8000000", ("pending", 0x8000000A)),  # the documentation's misspelling
        ("0x80070005", ("failed", 0x80070005)),
        (-2147024891, ("failed", 0x80070005)),
    ],
)
def test_reset_password_status(value: int | str, expected: tuple[str, int]) -> None:
    status = winlaps.reset_password_status(value)
    assert status == expected and (status.status, status.hresult) == expected
    assert isinstance(status, winlaps.ResetStatus)


def test_reset_password_status_rejects_garbage() -> None:
    with pytest.raises(winlaps.FormatError):
        winlaps.reset_password_status("soon")
    # A bool is an int to Python, but no HRESULT (Node: LAPS_INVALID_ARG).
    for wrong in (True, 1.0, b"0"):
        with pytest.raises(TypeError, match="expected int or str"):
            winlaps.reset_password_status(wrong)  # type: ignore[arg-type]
    # An int wider than any Rust integer: the core's range error, naming the number itself.
    with pytest.raises(winlaps.InvalidArgumentError, match=f"got {2**200}$"):
        winlaps.reset_password_status(2**200)


def test_setting_catalog_lists_every_setting_with_its_rules() -> None:
    catalog = winlaps.setting_catalog()
    assert len(catalog) == 26
    assert [s["family"] for s in catalog].count("windows_laps") == 18
    age = next(s for s in catalog if s["name"] == "PasswordAgeDays")
    assert age["snake_name"] == "password_age_days"
    assert age["default"] == {"number": 30}
    assert age["allowed"] == {"range": {"min": 1, "max": 365}}
    assert age["csp_node"] == "./Device/Vendor/MSFT/LAPS/Policies/PasswordAgeDays"
    complexity = next(s for s in catalog if s["name"] == "PasswordComplexity" and s["family"] == "windows_laps")
    assert complexity["new_values"] == {"values": [5, 6, 7, 8], "min_build": 26100}
    # Every snake_name is an EffectivePolicy attribute for the 18 Windows LAPS settings.
    policy = winlaps.resolve_policy(gpo={"BackupDirectory": 2})
    for s in catalog:
        if s["family"] == "windows_laps":
            assert hasattr(policy, s["snake_name"]), s["name"]


def test_writers_produce_files_the_parsers_read_back() -> None:
    values = {"BackupDirectory": 2, "passwordlength": 20, "ADPasswordEncryptionPrincipal": "CONTOSO\\LAPS Readers"}
    pol = winlaps.parse_registry_pol(winlaps.write_registry_pol(values))
    assert winlaps.resolve_policy(gpo=pol).password_length == 20
    assert pol.gpo["PasswordLength"] == 20  # written in the catalogue's spelling
    syncml = winlaps.parse_syncml(winlaps.write_syncml(values, reset_password=True))
    assert syncml.reset_password_requested
    assert winlaps.resolve_policy(csp=syncml).source == "csp"
    reg_text = winlaps.write_reg({"BackupDirectory": 0})
    assert "[HKEY_LOCAL_MACHINE\\Software\\Microsoft\\Windows\\CurrentVersion\\LAPS\\Config]" in reg_text
    assert winlaps.parse_reg(reg_text).local == {"BackupDirectory": 0}
    legacy = winlaps.write_registry_pol({"AdmPwdEnabled": 1}, root="legacy")
    assert winlaps.resolve_policy(legacy=winlaps.parse_registry_pol(legacy), device={"join": "ad"}).mode == "legacy_emulation"


def test_writers_refuse_unknown_names_and_roots() -> None:
    with pytest.raises(winlaps.PolicyError, match="not a setting of the GPO root"):
        winlaps.write_registry_pol({"PasswordAge": 30})
    with pytest.raises(winlaps.PolicyError):
        winlaps.write_syncml({"AdmPwdEnabled": 1})
    # The core's message, word for word the same in Node.
    unknown = 'unknown root "hklm" (expected csp, gpo, local or legacy)'
    with pytest.raises(winlaps.InvalidArgumentError) as e:
        winlaps.write_reg({"BackupDirectory": 0}, root="hklm")  # type: ignore[arg-type]
    assert str(e.value) == unknown


def test_entra_backup_fails_when_the_tenant_switch_is_off_or_the_device_disabled() -> None:
    csp = {"BackupDirectory": 1}
    off = winlaps.Device(join="entra", entra_tenant_laps_enabled=False)
    assert not off.entra_tenant_laps_enabled and off.entra_device_enabled
    assert "entra_tenant_laps_enabled=False" in repr(off)
    p = winlaps.resolve_policy(csp=csp, device=off)
    assert p.mode == "entra" and p.blocker == "entra_laps_not_enabled_in_tenant"
    assert any(d.event_id == 10059 for d in p.diagnostics)
    disabled = winlaps.resolve_policy(csp=csp, device={"join": "entra", "entra_device_enabled": False})
    assert disabled.blocker == "entra_device_disabled"
    assert winlaps.resolve_policy(csp=csp, device={"join": "entra"}).blocker is None


def test_syncml_commands_carry_the_status_the_csp_returns() -> None:
    text = """<SyncML><SyncBody>
<Replace><CmdID>1</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/LAPS/Policies/ADBackupDSRMPassword</LocURI></Target><Data>1</Data></Item></Replace>
<Delete><CmdID>2</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/LAPS/Policies</LocURI></Target></Item></Delete>
<Add><CmdID>3</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/LAPS/Policies/PasswordLength</LocURI></Target><Data>-3</Data></Item></Add>
<Add><CmdID>4</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/LAPS/Policies/BackupDirectory</LocURI></Target><Data>2</Data></Item></Add>
</SyncBody></SyncML>"""
    m = winlaps.parse_syncml(text)
    assert [c["status"] for c in m.commands] == [404, 405, 400, 200]
    assert m.commands[1]["verb"] == "Delete"
    assert m.csp == {"BackupDirectory": 2}


# The same input and expectations as laps-policy's `parsed` tests and the Node test
# "every parser returns the one ParsedPolicy shape".
SHAPE_SYNCML = """<SyncML><SyncBody>
<Replace><CmdID>1</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/LAPS/Policies/BackupDirectory</LocURI></Target><Data>1</Data></Item></Replace>
<Exec><CmdID>2</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/LAPS/Actions/ResetPassword</LocURI></Target></Item></Exec>
<Replace><CmdID>3</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/Policy/Config/Other</LocURI></Target><Data>1</Data></Item></Replace>
</SyncBody></SyncML>"""


def test_parsed_policy_is_one_shape() -> None:
    m = winlaps.parse_syncml(SHAPE_SYNCML)
    assert isinstance(m, winlaps.ParsedPolicy)
    assert (m.csp, m.gpo, m.local, m.legacy, m.state) == ({"BackupDirectory": 1}, {}, {}, {}, {})
    assert m.ignored_keys == ["./Device/Vendor/MSFT/Policy/Config/Other"]
    assert m.reset_password_requested
    assert [c["status"] for c in m.commands] == [200, 200, None]
    assert m.operations == [
        {"op": "set", "key": "Software\\Microsoft\\Policies\\LAPS", "name": "BackupDirectory", "value": 1}
    ]
    reg = winlaps.parse_reg(read("csp-leftover.reg"))
    pol = winlaps.parse_registry_pol(winlaps.write_registry_pol(reg.gpo))
    for parsed in (reg, pol):
        assert isinstance(parsed, winlaps.ParsedPolicy)
        assert not parsed.reset_password_requested and parsed.commands == []
        assert parsed.gpo == {"BackupDirectory": 2, "PasswordLength": 24}
    assert [o["op"] for o in reg.operations] == ["set", "set", "set"]
    assert reg.ignored_keys == []


def test_device_build_takes_the_update_revision() -> None:
    d = winlaps.Device(os_build=17763, os_ubr=100)
    assert (d.os_build, d.os_ubr) == (17763, 100)
    assert winlaps.Device().os_ubr is None
    p = winlaps.resolve_policy(gpo={"BackupDirectory": 2}, device=d)
    assert p.blocker == "os_too_old"
    p = winlaps.resolve_policy(gpo={"BackupDirectory": 2}, device={"os_build": "17763.4244"})
    assert p.mode == "ad"


def test_effective_policy_has_encrypts_password_options_and_value_as_node_has() -> None:
    p = winlaps.resolve_policy(gpo={"BackupDirectory": 2, "PasswordComplexity": 6, "PassphraseLength": 5})
    assert p.encrypts is True
    assert p.password_options == {"complexity": 6, "length": 14, "words": 5}
    assert len(winlaps.generate_password(**p.password_options).split("-")) >= 1
    assert p.value("PassphraseLength") == 5 and p.value("passphrase_length") == 5
    assert p.value("AdministratorAccountName") is None
    with pytest.raises(winlaps.InvalidArgumentError):
        p.value("NoSuchSetting")
    assert winlaps.resolve_policy(gpo={"BackupDirectory": 2, "ADPasswordEncryptionEnabled": 0}).encrypts is False
