"""The result types of winlaps: frozen dataclasses over the serde forms the native module returns.

The native module (``winlaps._winlaps``) hands each result over as plain Python data (the
crates' serde form) and calls the ``_from`` of the class below, or a function, to build the
public object. This module only declares the types and converts values between the Python types
the API promises and the plain forms: FILETIME ticks and aware ``datetime``, GUID text and
``uuid.UUID``, ``{"type", "data"}`` registry values and :class:`RawRegistryValue`, seeds and their
32 bytes. Every rule is in Rust.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import json
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Literal, Mapping, NamedTuple, Optional, TypeVar

from winlaps import _winlaps
from winlaps._errors import InvalidArgumentError, WinlapsError
from winlaps._winlaps import RawRegistryValue

__all__ = [
    "Device",
    "Diagnostic",
    "EffectivePolicy",
    "EncryptedAttributeInfo",
    "ParsedPolicy",
    "RotationDecision",
    "SettingResolution",
]

# --- value conversions (one place per kind) --------------------------------------------------

_EPOCH = datetime.datetime(1601, 1, 1, tzinfo=datetime.timezone.utc)
_timedelta = datetime.timedelta
_new = object.__new__
_setattr = object.__setattr__


#: The latest ``datetime`` (9999-12-31T23:59:59.999999Z) and its FILETIME ticks.
_LATEST = datetime.datetime.max.replace(tzinfo=datetime.timezone.utc)
_LATEST_TICKS = (_LATEST - _EPOCH) // _timedelta(microseconds=1) * 10


def _time(ticks: Optional[int]) -> Optional[datetime.datetime]:
    """A FILETIME (100 ns ticks since 1601) as an aware UTC ``datetime``, sub-microsecond ticks
    truncated; ``None`` stays ``None``. A FILETIME past year 9999 (AD writes 2**63 - 1 for
    "never", year 30828) is the latest ``datetime``, which cannot go further (Node's ``Date``
    holds that year, and gives it exactly)."""
    if ticks is None:
        return None
    return _LATEST if ticks > _LATEST_TICKS else _EPOCH + _timedelta(0, 0, ticks // 10)


def _ticks(value: Any) -> int:
    """A time argument (an aware ``datetime``, any time zone, or an ``int`` FILETIME) as FILETIME
    ticks, exact to the microsecond. A naive ``datetime`` is refused: LAPS times are UTC and
    guessing the zone would silently shift them."""
    if isinstance(value, int):
        if not 0 <= value < 1 << 64:
            raise InvalidArgumentError("a FILETIME must be in 0 .. 2**64-1")
        return value
    if not isinstance(value, datetime.datetime):
        raise TypeError("a time must be an aware datetime or an int FILETIME")
    if value.utcoffset() is None:
        raise InvalidArgumentError(
            "a naive datetime has no time zone; pass an aware one (e.g. tzinfo=timezone.utc)"
        )
    delta = value - _EPOCH
    ticks = (delta.days * 86_400 + delta.seconds) * 10_000_000 + delta.microseconds * 10
    if ticks < 0:
        raise InvalidArgumentError("the time is before 1601-01-01")
    return ticks


def _seed(value: Any) -> bytes:
    """A generator seed as bytes: ``bytes`` as given (the core checks for 32), an ``int`` in
    0 .. 2**256 as 32 little-endian bytes."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, int):
        if not 0 <= value < 1 << 256:
            raise InvalidArgumentError("an int seed must be in 0 .. 2**256")
        return value.to_bytes(32, "little")
    raise TypeError("seed must be bytes, int or None")


def _local_state(data: dict[str, Any]) -> dict[str, Any]:
    """A ``local`` state dict with its FILETIMEs as ``datetime``s."""
    for key in ("last_password_update", "azure_password_expiry", "post_auth_reset_deadline"):
        data[key] = _time(data[key])
    return data


def _password_records(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """laps-directory's record forms with their FILETIMEs as ``datetime``s."""
    for r in records:
        for key in ("PasswordUpdateTime", "ExpirationTimestamp"):
            r[key] = _time(r[key])
    return records


def _plain(data: Mapping[str, Any]) -> dict[str, Any]:
    """A state dict with its ``datetime`` values as FILETIME ticks (for the core's serde form)."""
    return {k: _ticks(v) if isinstance(v, datetime.datetime) else v for k, v in data.items()}


def _guid_text(value: Any) -> str:
    """A GUID argument (``str``, braces allowed, or ``uuid.UUID``) as text."""
    if isinstance(value, (str, uuid.UUID)):
        return str(value)
    raise TypeError("a root key id must be a str or a uuid.UUID")


def _guid(text: Optional[str]) -> Optional[uuid.UUID]:
    """A GUID's text as a ``uuid.UUID``; ``None`` stays ``None``."""
    return None if text is None else uuid.UUID(text)


def _reg(value: Any) -> Any:
    """A registry value's Python form: a ``{"type", "data"}`` dict becomes a RawRegistryValue."""
    return RawRegistryValue(value["type"], value["data"]) if isinstance(value, dict) else value


def _reg_map(values: Mapping[str, Any]) -> dict[str, _winlaps._RegValue]:
    """One root's values (value name to value) with :func:`_reg` applied."""
    return {name: _reg(v) for name, v in values.items()}


_R = TypeVar("_R", bound="_Record")


@dataclass(frozen=True, eq=False, init=False)
class _Record:
    """Base of the result types: filled from a serde form."""

    _CONVERT: ClassVar[Mapping[str, Callable[[Any], Any]]] = {}
    """Field name to the conversion its value needs (fields not named are taken as they are)."""
    _FIELDS: ClassVar[dict[str, None]]
    """Every field, in order (set for each class at the end of this module)."""

    @classmethod
    def _from(cls: type[_R], data: dict[str, Any]) -> _R:
        """The object for the native module's ``data``, a dict it hands over (a missing key is
        ``None``). A key that is not a field is the binding's own error: the record would
        silently lose what the core reported."""
        # The frozen object's fields are its __dict__: ``data`` itself when its keys are the
        # fields, else the fields with ``data`` over them.
        fields = cls._FIELDS
        if data.keys() != fields.keys():
            unknown = data.keys() - fields.keys()
            if unknown:
                raise WinlapsError(f"internal error: {cls.__name__} has no field {sorted(unknown)}")
            data = fields | data
        for name, convert in cls._CONVERT.items():
            data[name] = convert(data[name])
        self = _new(cls)
        _setattr(self, "__dict__", data)
        return self


# --- policy -------------------------------------------------------------------------------


_DEVICES: dict[Any, dict[str, Any]] = {}
"""``Device`` arguments (values and types) to the fields laps-policy made of them."""


@dataclass(frozen=True, init=False)
class Device(_Record):
    """The device a policy is resolved for. Every fact left out takes laps-policy's default: a
    hybrid-joined, up-to-date (24H2, build 26100) member that is not a domain controller,
    without the legacy LAPS client extension, in a domain at 2016 functional level with the
    legacy schema present."""

    join: _winlaps._Join
    """``"entra"``, ``"ad"``, ``"hybrid"`` or ``"none"``."""
    domain_controller: bool
    """The device is a domain controller."""
    os_build: int
    """Windows build number (e.g. 19045, 22631, 26100)."""
    os_ubr: Optional[int]
    """The update build revision (e.g. 4244 for 17763.4244), or ``None`` when unknown (the
    April 2023 update that brought Windows LAPS is then assumed)."""
    legacy_cse_installed: bool
    """The legacy Microsoft LAPS client-side extension is installed."""
    dfl_2016: bool
    """The domain is at Windows Server 2016 functional level or higher."""
    legacy_schema_present: bool
    """The legacy LAPS schema (``ms-Mcs-AdmPwd``) is in the forest."""
    safe_mode: bool
    """Safe mode, Directory Services Restore Mode or another non-normal boot: Windows LAPS does
    nothing this boot, even if the password has expired."""
    password_policy: Optional[_winlaps._LocalPasswordPolicy]
    """The managed account's password policy (``minimum_length``, ``complexity_required``), or
    ``None`` when unknown (not checked)."""
    entra_tenant_laps_enabled: bool
    """The tenant's "Enable Microsoft Entra LAPS" switch is on (else Entra backups fail, 10059)."""
    entra_device_enabled: bool
    """The device is enabled in Entra ID (else Entra backups fail, 10059)."""

    __hash__ = None  # type: ignore[assignment]

    def __init__(
        self,
        *,
        join: Optional[str] = None,
        domain_controller: Optional[bool] = None,
        os_build: Optional[int] = None,
        os_ubr: Optional[int] = None,
        legacy_cse_installed: Optional[bool] = None,
        dfl_2016: Optional[bool] = None,
        legacy_schema_present: Optional[bool] = None,
        safe_mode: Optional[bool] = None,
        password_policy: Optional[Mapping[str, Any]] = None,
        entra_tenant_laps_enabled: Optional[bool] = None,
        entra_device_enabled: Optional[bool] = None,
    ) -> None:
        # The arguments in field order. laps-policy validates each combination once: the same
        # arguments of the same types give the same device. A password policy (a mapping) and
        # unhashable arguments (refused below) are not remembered.
        given = (
            join,
            domain_controller,
            os_build,
            os_ubr,
            legacy_cse_installed,
            dfl_2016,
            legacy_schema_present,
            safe_mode,
            password_policy,
            entra_tenant_laps_enabled,
            entra_device_enabled,
        )
        key: Any = (given, tuple(map(type, given))) if password_policy is None else None
        try:
            known = _DEVICES.get(key)
        except TypeError:
            known = key = None
        if known is not None:
            _setattr(self, "__dict__", known.copy())
            return
        facts = {k: v for k, v in zip(self._FIELDS, given) if v is not None}
        _setattr(self, "__dict__", Device._from(_winlaps._device(facts)).__dict__)
        if key is not None:
            if len(_DEVICES) >= 1024:
                _DEVICES.clear()
            _DEVICES[key] = self.__dict__.copy()


_DEVICE_OBJECTS: dict[Any, Device] = {}
"""Devices by their serde form's items, so that equal devices share one (immutable) object."""


def _device_of(data: Any) -> Device:
    """A resolved policy's device: the ``Device`` it was resolved for, the default one for
    ``None``, or one made from its serde form."""
    if data is None:
        return _DEFAULT_DEVICE
    if isinstance(data, Device):
        return data if type(data) is Device else Device._from(dict(vars(data)))
    try:
        key = tuple(data.items())
        device = _DEVICE_OBJECTS.get(key)
    except TypeError:  # a password policy (a dict): not remembered
        return Device._from(data)
    if device is None:
        if len(_DEVICE_OBJECTS) >= 1024:
            _DEVICE_OBJECTS.clear()
        device = _DEVICE_OBJECTS[key] = Device._from(data)
    return device


class ShadowedValue(NamedTuple):
    """A value of a lower-precedence root that the winning root silenced (a tuple
    ``(root, name, raw)``)."""

    root: str
    """The root that held it: ``"csp"``, ``"gpo"``, ``"local"`` or ``"legacy"``."""
    name: str
    """Its value name (a legacy value's differs from the setting's)."""
    raw: _winlaps._RegValue
    """Its raw registry value."""


@dataclass(frozen=True, eq=False, init=False)
class SettingResolution(_Record):
    """How one setting was resolved: its value, where it came from and whether it applies."""

    name: str
    """Registry value name, e.g. ``PasswordLength`` (the catalogue's ``name``)."""
    snake_name: str
    """snake_case name, e.g. ``password_length`` (the catalogue's ``snake_name``)."""
    value: _winlaps._SettingValue
    """The resolved value."""
    kind: str
    """``"configured"``, ``"default"``, ``"fell_back"``, ``"raised_to_entra_minimum"``,
    ``"legacy_emulation"`` or ``"not_applicable"``."""
    root: Optional[str]
    """The root whose value was used or rejected, if any."""
    raw: Optional[_winlaps._RegValue]
    """The raw registry value of the source root, if it set this setting."""
    applicable: bool
    """The setting is in effect under this policy."""
    reason: Optional[str]
    """Why the value was rejected or does not apply, in words; ``None`` otherwise."""
    description: str
    """Short words, e.g. ``configured (GPO)`` or ``default: GPO value 99 rejected (...)``."""
    shadowed: list[ShadowedValue]
    """Values of the same setting in lower-precedence roots, ignored because this root won."""
    _native: _winlaps._Deferred = field(repr=False)

    _CONVERT = {"raw": _reg, "shadowed": lambda s: [ShadowedValue(v["root"], v["name"], _reg(v["raw"])) for v in s]}

    def to_dict(self) -> dict[str, Any]:
        """The JSON form as plain Python data."""
        return self._native.to_dict()

    def __repr__(self) -> str:
        return (
            f"SettingResolution(name={self.name!r}, value={self.value!r}, {self.description})"
        )


@dataclass(frozen=True, eq=False, init=False)
class Diagnostic(_Record):
    """One finding, with the Windows LAPS event ID where one exists."""

    severity: Literal["info", "warning", "error"]
    """``"info"``, ``"warning"`` or ``"error"``."""
    code: str
    """Stable snake_case code, e.g. ``"root_ignored"``."""
    event_id: Optional[int]
    """The matching Windows LAPS event ID, if any."""
    setting: Optional[str]
    """The setting concerned (its registry name, e.g. ``PasswordComplexity``), if any."""
    root: Optional[str]
    """The root concerned, if any."""
    message: str
    """The message."""
    _str: str = field(repr=False)

    def __str__(self) -> str:
        return self._str

    def __repr__(self) -> str:
        return (
            f"Diagnostic(severity={self.severity!r}, code={self.code!r},"
            f" event_id={self.event_id!r})"
        )


@dataclass(frozen=True, eq=False, init=False)
class EffectivePolicy(_Record):
    """The effective Windows LAPS policy of one device, with the full trace. One attribute per
    setting, in catalogue order; ``None`` for the text settings means the Windows default (the
    built-in administrator / Domain Admins)."""

    source: Literal["csp", "gpo", "local", "legacy", "none"]
    """The root the policy came from."""
    mode: Literal["disabled", "entra", "ad", "ad_dsrm", "legacy_emulation", "unmanaged"]
    """What LAPS does."""
    blocker: Optional[str]
    """Why nothing is managed or backed up (a diagnostic code), or ``None``."""
    device: Device
    """The device the policy was resolved for."""
    managed_account: str
    """The account LAPS manages, in words (e.g. ``built-in administrator (RID 500, ...)``)."""
    encrypts: bool
    """True when the password is encrypted in AD under this policy."""
    encryption_target: Optional[str]
    """The principal passwords are encrypted to, when they are encrypted; else ``None``."""
    backup_directory: int
    """``BackupDirectory``: 0 disabled, 1 Entra, 2 AD."""
    administrator_account_name: Optional[str]
    """``AdministratorAccountName``; ``None`` is the built-in administrator."""
    password_age_days: int
    """``PasswordAgeDays``."""
    password_length: int
    """``PasswordLength``."""
    passphrase_length: int
    """``PassphraseLength`` (words)."""
    password_complexity: int
    """``PasswordComplexity`` (1-8)."""
    password_expiration_protection_enabled: bool
    """``PasswordExpirationProtectionEnabled``."""
    ad_password_encryption_enabled: bool
    """``ADPasswordEncryptionEnabled``."""
    ad_password_encryption_principal: Optional[str]
    """``ADPasswordEncryptionPrincipal``; ``None`` is Domain Admins."""
    ad_encrypted_password_history_size: int
    """``ADEncryptedPasswordHistorySize``."""
    ad_backup_dsrm_password: bool
    """``ADBackupDSRMPassword``."""
    post_authentication_reset_delay: int
    """``PostAuthenticationResetDelay`` (hours)."""
    post_authentication_actions: int
    """``PostAuthenticationActions`` (bit mask: 1 reset, 2 sign out, 4 reboot, 8 terminate)."""
    automatic_account_management_enabled: bool
    """``AutomaticAccountManagementEnabled``."""
    automatic_account_management_target: int
    """``AutomaticAccountManagementTarget``: 0 built-in administrator, 1 new account."""
    automatic_account_management_name_or_prefix: str
    """``AutomaticAccountManagementNameOrPrefix``."""
    automatic_account_management_enable_account: bool
    """``AutomaticAccountManagementEnableAccount``."""
    automatic_account_management_randomize_name: bool
    """``AutomaticAccountManagementRandomizeName``."""
    password_options: dict[str, int]
    """What to generate under this policy, as :func:`generate_password`'s keyword arguments
    (``complexity``, ``length``, ``words``): ``generate_password(**policy.password_options)``."""
    _native: _winlaps._EffectivePolicy = field(repr=False)

    _CONVERT = {"device": _device_of}

    # The trace is built on first access: most scripts read a few settings of many policies.
    @functools.cached_property
    def settings(self) -> list[SettingResolution]:
        """Every setting's resolution, in catalogue order."""
        return self._native.settings()

    @functools.cached_property
    def diagnostics(self) -> list[Diagnostic]:
        """Findings, most important first."""
        return self._native.diagnostics()

    def provenance(self, name: str) -> SettingResolution:
        """How one setting was resolved, by snake_case or registry name (any case)."""
        return self._native.provenance(name)

    def value(self, name: str) -> _winlaps._SettingValue:
        """The effective value of a setting by snake_case or registry name (any case);
        ``None`` for an unset text setting. An unknown name raises ``InvalidArgumentError``."""
        return self.provenance(name).value

    def root_verdict(self, root: Literal["csp", "gpo", "local", "legacy"]) -> str:
        """One line on what happened to a root and why (e.g. why a GPO is ignored)."""
        return self._native.root_verdict(root)

    def explain(self) -> str:
        """A human explanation: the outcome, each root's fate, every setting with its
        provenance, and the diagnostics."""
        return self._native.explain()

    def to_dict(self) -> dict[str, Any]:
        """The JSON form as plain Python data."""
        result: dict[str, Any] = json.loads(self.to_json())
        return result

    def to_json(self) -> str:
        """The JSON form as text."""
        return self._native.to_json()

    def __repr__(self) -> str:
        return f"EffectivePolicy(source={self.source!r}, mode={self.mode!r})"


@dataclass(frozen=True, eq=False, init=False)
class ParsedPolicy(_Record):
    """A parsed policy file (Registry.pol, SyncML or ``.reg``), the same shape whatever the
    format: the values it leaves in each LAPS key, the keys it addresses outside them, its
    registry operations and, for SyncML, the commands and whether it asks for a password reset."""

    csp: dict[str, _winlaps._RegValue]
    """The values the file leaves in the CSP root
    (``HKLM\\Software\\Microsoft\\Policies\\LAPS``)."""
    gpo: dict[str, _winlaps._RegValue]
    """The values the file leaves in the GPO root."""
    local: dict[str, _winlaps._RegValue]
    """The values the file leaves in the local-configuration root."""
    legacy: dict[str, _winlaps._RegValue]
    """The values the file leaves in the legacy (AdmPwd) root."""
    state: dict[str, _winlaps._RegValue]
    """The values the file leaves in ``LAPS\\State`` (what ``local_state_from_registry`` reads)."""
    ignored_keys: list[str]
    """Keys outside every LAPS key (SyncML: targets outside the LAPS CSP), ignored."""
    operations: list[_winlaps._RegOp]
    """The registry operations, in file order: dicts with ``op`` (``set``, ``set_if_absent``,
    ``delete_value``, ``delete_all_values``, ``delete_key``), ``key``, ``name`` and ``value``."""
    reset_password_requested: bool
    """SyncML: the message runs ``Actions/ResetPassword`` (always ``False`` for other formats)."""
    commands: list[_winlaps._SyncmlCommand]
    """SyncML: every command with the result the device's LAPS CSP gives it, in document order
    (empty for other formats): dicts with ``verb``, ``target``, ``cmd_id``, ``line``, ``status``
    (the OMA DM status code: 200 ran, 404 no such node, 405 verb not allowed on the node, 415
    wrong format, 400 bad or disallowed value, 215/216 not run or rolled back in a failed
    Atomic; ``None`` for targets outside the LAPS CSP) and ``reason``. Only status 200 changes
    the registry."""
    _native: _winlaps._ParsedPolicy = field(repr=False)

    _CONVERT = {
        "csp": _reg_map,
        "gpo": _reg_map,
        "local": _reg_map,
        "legacy": _reg_map,
        "state": _reg_map,
        "operations": lambda ops: [{**op, "value": _reg(op["value"])} for op in ops],
    }

    def __repr__(self) -> str:
        operations, ignored = len(self.operations), len(self.ignored_keys)
        return f"ParsedPolicy(<{operations} operations, {ignored} ignored keys>)"


@dataclass(frozen=True, eq=False, init=False)
class RotationDecision(_Record):
    """The verdict of one policy-processing cycle (true when the password rotates now)."""

    rotate: bool
    """Rotate now."""
    reasons: list[str]
    """Why (the update factors), e.g. ``["expired"]``."""
    blocked: Optional[str]
    """Why rotation cannot happen (a diagnostic code), or ``None``."""
    current_expiration: Optional[datetime.datetime]
    """The expiry in force before this cycle."""
    new_expiration: Optional[datetime.datetime]
    """The expiry after the rotation, when rotating."""
    next_expiration: Optional[datetime.datetime]
    """When the password expires next (new expiry if rotating, else the current one)."""
    reason_mask: int
    """Known bits of the event-10015 reason mask."""
    event_ids: list[int]
    """The events the cycle logs (10014, 10015, 10016, 10051)."""
    notes: list[str]
    """Where a rule that departs from the documentation's text decided the outcome: the
    sentence it departs from and the source followed."""
    _native: _winlaps._Deferred = field(repr=False)

    _CONVERT = {"current_expiration": _time, "new_expiration": _time, "next_expiration": _time}

    def to_dict(self) -> dict[str, Any]:
        """The JSON form as plain Python data (times as FILETIME integers)."""
        return self._native.to_dict()

    def __bool__(self) -> bool:
        return self.rotate

    def __repr__(self) -> str:
        return f"RotationDecision(rotate={self.rotate!r}, reasons={self.reasons!r})"


class ResetStatus(NamedTuple):
    """A decoded LAPS CSP ``Actions/ResetPasswordStatus`` (a tuple ``(status, hresult)``)."""

    status: Literal["succeeded", "pending", "failed"]
    """``"succeeded"`` (S_OK), ``"pending"`` (E_PENDING) or ``"failed"`` (any other HRESULT)."""
    hresult: int
    """The HRESULT as an unsigned 32-bit integer."""


def _reset_status(data: tuple[Any, int]) -> ResetStatus:
    """``reset_password_status``'s pair as a :class:`ResetStatus`."""
    return ResetStatus(*data)


def _timeline(data: dict[str, Any]) -> dict[str, Any]:
    """``post_authentication_timeline``'s dict, its times as ``datetime``s."""
    steps = [{**step, "at": _time(step["at"])} for step in data["steps"]]
    times = {"logon": _time(data["logon"]), "deadline": _time(data["deadline"])}
    return {**data, **times, "steps": steps}


# --- crypto -------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False, init=False)
class EncryptedAttributeInfo(_Record):
    """What an encrypted value (or a DPAPI-NG blob) says about itself, no key needed: enough to
    know which key to fetch (root key id, L0/L1/L2, target SID, domain)."""

    update_time: Optional[datetime.datetime]
    """Header ``PasswordUpdateTimestamp`` (aware UTC ``datetime``); ``None`` for a bare blob."""
    update_filetime: Optional[int]
    """Header timestamp as raw FILETIME ticks; ``None`` for a bare blob."""
    encrypted_size: Optional[int]
    """Header ``EncryptedPasswordSize``; ``None`` for a bare blob."""
    protection_descriptor: str
    """The protection descriptor, e.g. ``SID=S-1-5-21-...-512``."""
    target_sid: Optional[str]
    """The target SID of a single-SID protector (what GetKey needs), else ``None``."""
    root_key_id: Optional[uuid.UUID]
    """The root key id the blob needs."""
    l0: Optional[int]
    """L0 index."""
    l1: Optional[int]
    """L1 index."""
    l2: Optional[int]
    """L2 index."""
    path: Optional[Literal["public_key", "private_key"]]
    """``"public_key"`` (every real LAPS value) or ``"private_key"``."""
    flags: Optional[int]
    """KeyIdentifier flags (3 public-key path, 2 private-key path)."""
    version: Optional[int]
    """KeyIdentifier structure version (1)."""
    key_info_kind: Optional[Literal["DHPB", "ECK1", "ECK3", "kdf_context_nonce"]]
    """What the KeyIdentifier's key info holds: the sender's ephemeral public key (``"DHPB"``
    DH, ``"ECK1"`` P-256, ``"ECK3"`` P-384; public-key path) or ``"kdf_context_nonce"``
    (private-key path)."""
    key_info_len: Optional[int]
    """Length in bytes of the KeyIdentifier's key info."""
    domain_name: Optional[str]
    """Domain DNS name from the KeyIdentifier."""
    forest_name: Optional[str]
    """Forest DNS name from the KeyIdentifier."""
    content_detached: bool
    """The ciphertext follows the CMS (LAPS values) rather than being inside it."""
    _native: _winlaps._Deferred = field(repr=False)

    _CONVERT = {"update_time": _time, "root_key_id": _guid}

    def to_dict(self) -> dict[str, Any]:
        """Every field as plain Python data (the CLI's JSON form)."""
        return self._native.to_dict()

    def __repr__(self) -> str:
        if self.root_key_id is None:
            return f"EncryptedAttributeInfo(protection_descriptor={self.protection_descriptor!r})"
        return (
            f"EncryptedAttributeInfo(root_key_id='{self.root_key_id}', l0={self.l0}, l1={self.l1},"
            f" l2={self.l2}, path={self.path!r}, target_sid={self.target_sid!r})"
        )


def _group_key_envelope(data: dict[str, Any]) -> dict[str, Any]:
    """``parse_group_key_envelope``'s dict, its root key id as a ``uuid.UUID``."""
    return {**data, "root_key_id": _guid(data["root_key_id"])}


for _cls in _Record.__subclasses__():
    _cls._FIELDS = dict.fromkeys(f.name for f in dataclasses.fields(_cls))

_DEFAULT_DEVICE = Device()
