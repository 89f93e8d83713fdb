"""Types of the native module ``winlaps._winlaps`` (hand-owned; checked by mypy.stubtest)."""

import datetime
import uuid
from typing import Any, Literal, Mapping, Optional, Sequence, Union, final

from typing_extensions import NotRequired, TypeAlias, TypedDict, disjoint_base

from winlaps._errors import WinlapsError
from winlaps._types import (
    Device,
    Diagnostic,
    EffectivePolicy,
    EncryptedAttributeInfo,
    ParsedPolicy,
    ResetStatus,
    RotationDecision,
    SettingResolution,
)

__all__ = [
    "generate_password",
    "generate_passwords",
    "generate_passwords_buffer",
    "entropy_bits",
    "entropy",
    "is_valid_password",
    "split_passphrase",
    "check_local_password_policy",
    "RawRegistryValue",
    "resolve_policy",
    "parse_registry_pol",
    "parse_syncml",
    "parse_reg",
    "setting_catalog",
    "write_registry_pol",
    "write_syncml",
    "write_reg",
    "decide_rotation",
    "local_state_after_rotation",
    "local_state_from_registry",
    "post_authentication_timeline",
    "reset_password_status",
    "RootKey",
    "KeyStore",
    "LapsCredential",
    "GraphPassword",
    "parse_encrypted_attribute",
    "parse_blob",
    "encrypt_attribute",
    "encrypt_blob",
    "parse_laps_password_json",
    "parse_legacy_password",
    "parse_expiration_time",
    "decode_graph_password",
    "read_computer",
    "parse_group_key_envelope",
    "make_group_key_envelope",
    "_device",
    "_Deferred",
    "_EffectivePolicy",
    "_ParsedPolicy",
    "_EpmLookup",
    "_GkdiSession",
    "_RpcConnection",
    "_KeyFetch",
    "_LiveDecryption",
    "_store_envelope",
    "_envelope_is_public",
    "_protection_sid",
    "_dc_srv_name",
    "_pick_dc",
    "_timeouts",
    "_auth_protocol",
]

# --- generation ---------------------------------------------------------------------------

_Seed: TypeAlias = Union[bytes, int]

def generate_password(
    complexity: Optional[int] = None,
    length: Optional[int] = None,
    words: Optional[int] = None,
    *,
    seed: Optional[_Seed] = None,
    minimum_length: Optional[int] = None,
    complexity_required: bool = False,
) -> str: ...
def generate_passwords(
    n: int,
    complexity: Optional[int] = None,
    length: Optional[int] = None,
    words: Optional[int] = None,
    *,
    seed: Optional[_Seed] = None,
    minimum_length: Optional[int] = None,
    complexity_required: bool = False,
) -> list[str]: ...
def generate_passwords_buffer(
    n: int,
    complexity: Optional[int] = None,
    length: Optional[int] = None,
    words: Optional[int] = None,
    *,
    seed: Optional[_Seed] = None,
    minimum_length: Optional[int] = None,
    complexity_required: bool = False,
) -> bytearray: ...
class _Entropy(TypedDict):
    naive: float
    exact: float

def entropy(
    complexity: Optional[int] = None,
    length: Optional[int] = None,
    words: Optional[int] = None,
    *,
    minimum_length: Optional[int] = None,
    complexity_required: bool = False,
) -> _Entropy: ...
def entropy_bits(
    complexity: Optional[int] = None,
    length: Optional[int] = None,
    words: Optional[int] = None,
    *,
    naive: bool = False,
) -> float: ...
def is_valid_password(complexity: int, password: str) -> bool: ...
def split_passphrase(passphrase: str) -> list[str]: ...
class _LocalPasswordPolicy(TypedDict, total=False):
    minimum_length: int
    complexity_required: bool

class _PolicyProblem(TypedDict):
    rule: Literal["too_short", "too_few_categories"]
    rejected: float
    message: str
    shortest: NotRequired[int]
    minimum: NotRequired[int]
    guaranteed: NotRequired[int]

class _PolicyFit(TypedDict):
    acceptance: float
    problems: list[_PolicyProblem]

def check_local_password_policy(
    complexity: Optional[int] = None,
    length: Optional[int] = None,
    words: Optional[int] = None,
    *,
    minimum_length: Optional[int] = None,
    complexity_required: bool = False,
) -> _PolicyFit: ...

# --- policy -------------------------------------------------------------------------------

_Join: TypeAlias = Literal["entra", "ad", "hybrid", "none"]
@final
class RawRegistryValue:
    """A registry value of an explicit type: ``type`` is the ``REG_*`` code, ``data`` the raw
    bytes as the registry stores them. What ``int``/``str``/``bytes``/``list[str]`` cannot
    say: REG_EXPAND_SZ, a QWORD below 2**32, other type codes, malformed data."""

    def __new__(cls, type: int, data: bytes) -> RawRegistryValue: ...
    @property
    def type(self) -> int: ...
    @property
    def data(self) -> bytes: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

_RegValue: TypeAlias = Union[int, str, bytes, list[str], RawRegistryValue]
_SettingValue: TypeAlias = Union[int, bool, str, None]
_Time: TypeAlias = Union[datetime.datetime, int]

class _RegOp(TypedDict):
    op: Literal["set", "set_if_absent", "delete_value", "delete_all_values", "delete_key"]
    key: str
    name: Optional[str]
    value: Optional[_RegValue]

class _SyncmlCommand(TypedDict):
    verb: str
    target: str
    cmd_id: Optional[str]
    line: int
    status: Optional[int]
    reason: Optional[str]

@final
class _ParsedPolicy:
    """The parsed file behind a ParsedPolicy, handed back to resolve_policy."""

@final
class _EffectivePolicy:
    """The resolved policy behind an EffectivePolicy, handed back to the functions that take one."""

    def provenance(self, name: str) -> SettingResolution: ...
    def settings(self) -> list[SettingResolution]: ...
    def diagnostics(self) -> list[Diagnostic]: ...
    def root_verdict(self, root: str) -> str: ...
    def explain(self) -> str: ...
    def to_json(self) -> str: ...

def _device(facts: Mapping[str, Any]) -> dict[str, Any]: ...

@final
class _Deferred:
    """A result's serde form, converted to Python data on each call."""

    def to_dict(self) -> dict[str, Any]: ...

_Root: TypeAlias = Union[Mapping[str, _RegValue], ParsedPolicy, Sequence[ParsedPolicy]]

def resolve_policy(
    *,
    csp: Optional[_Root] = None,
    gpo: Optional[_Root] = None,
    local: Optional[_Root] = None,
    legacy: Optional[_Root] = None,
    device: Union[Device, Mapping[str, Any], None] = None,
) -> EffectivePolicy: ...
def parse_registry_pol(data: bytes) -> ParsedPolicy: ...
def parse_syncml(data: Union[str, bytes]) -> ParsedPolicy: ...
def parse_reg(data: Union[str, bytes]) -> ParsedPolicy: ...

class _SettingInfo(TypedDict):
    family: Literal["windows_laps", "csp_action", "legacy"]
    name: str
    snake_name: str
    csp_node: Optional[str]
    gpo_display_name: Optional[str]
    admx_policy: Optional[str]
    kind: Literal["dword", "bool", "text", "action"]
    default: Union[dict[str, Union[int, bool, str]], Literal["built_in_administrator", "domain_admins", "none"]]
    allowed: Union[dict[str, Any], Literal["bool", "principal", "action"]]
    new_values: Optional[dict[str, Any]]
    min_build: int
    applies_to: Literal["both", "active_directory"]
    depends_on: str
    description: str

def setting_catalog() -> list[_SettingInfo]: ...
_RootName: TypeAlias = Literal["csp", "gpo", "local", "legacy"]

def write_registry_pol(values: Mapping[str, _RegValue], *, root: Optional[_RootName] = None) -> bytes: ...
def write_syncml(values: Mapping[str, _RegValue], *, reset_password: bool = False) -> str: ...
def write_reg(values: Mapping[str, _RegValue], *, root: Optional[_RootName] = None) -> str: ...
def decide_rotation(
    policy: EffectivePolicy,
    *,
    now: Optional[_Time] = None,
    local: Optional[Mapping[str, Any]] = None,
    directory: Optional[Mapping[str, Any]] = None,
) -> RotationDecision: ...
def local_state_after_rotation(
    policy: EffectivePolicy, *, now: Optional[_Time] = None, password_version: Optional[str] = None
) -> dict[str, Any]: ...
def local_state_from_registry(values: dict[str, _RegValue]) -> dict[str, Any]: ...
def post_authentication_timeline(policy: EffectivePolicy, *, logon: _Time) -> dict[str, Any]: ...
def reset_password_status(value: Union[int, str]) -> ResetStatus: ...

# --- crypto -------------------------------------------------------------------------------

@final
class RootKey:
    """A KDS root key (msKds-ProvRootKey). ``repr`` never shows the key data."""

    def __new__(
        cls,
        root_key_id: Union[str, uuid.UUID],
        root_key_data: bytes,
        *,
        version: Optional[int] = None,
        kdf_algorithm: Optional[str] = None,
        kdf_parameters: Optional[bytes] = None,
        secret_agreement_algorithm: Optional[str] = None,
        secret_agreement_parameters: Optional[bytes] = None,
        private_key_length: Optional[int] = None,
        public_key_length: Optional[int] = None,
    ) -> RootKey: ...
    @staticmethod
    def from_json(text: str) -> RootKey: ...
    @property
    def root_key_id(self) -> uuid.UUID: ...
    @property
    def kdf_hash(self) -> Literal["SHA1", "SHA256", "SHA384", "SHA512"]: ...
    @property
    def secret_agreement_algorithm(self) -> Literal["DH", "ECDH_P256", "ECDH_P384"]: ...
    @property
    def private_key_length(self) -> int: ...
    @property
    def public_key_length(self) -> int: ...

@final
class LapsCredential:
    """A managed account's credential. ``repr`` redacts the password."""

    def __new__(cls, account: str, password: str, update_time: _Time) -> LapsCredential: ...
    @property
    def account(self) -> str: ...
    @property
    def password(self) -> str: ...
    def password_bytes(self) -> bytearray: ...
    @property
    def update_time(self) -> datetime.datetime: ...
    @property
    def update_filetime(self) -> int: ...
    def to_json(self) -> str: ...
    __hash__: None  # type: ignore[assignment]

@disjoint_base
class KeyStore:
    """Root keys and group key envelopes with a thread-safe cache of derived keys
    (``winlaps.KeyStore`` is a subclass that can also fetch keys from a domain controller)."""

    def __new__(cls) -> KeyStore: ...
    def add_root_key(self, key: RootKey) -> None: ...
    def add_group_key_envelope(self, data: bytes) -> None: ...
    def decrypt_attribute(self, value: bytes) -> LapsCredential: ...
    def decrypt_blob(self, blob: bytes) -> bytes: ...
    def decrypt_many(self, values: Sequence[bytes]) -> list[Union[LapsCredential, WinlapsError]]: ...
    @property
    def cached_seed_count(self) -> int: ...

@final
class GraphPassword:
    """A decoded Graph ``passwordBase64``. ``repr`` redacts the password."""

    @property
    def password(self) -> str: ...
    @property
    def encoding(self) -> Literal["utf-16le", "utf-8"]: ...
    @property
    def raw(self) -> bytes: ...

def parse_encrypted_attribute(value: bytes) -> EncryptedAttributeInfo: ...
def parse_blob(blob: bytes) -> EncryptedAttributeInfo: ...
def encrypt_attribute(
    credential: Union[LapsCredential, bytes],
    *,
    key: Union[RootKey, bytes],
    sid: str,
    update_time: Optional[_Time] = None,
    public_key: Optional[bool] = None,
    domain_name: Optional[str] = None,
    forest_name: Optional[str] = None,
    randomness: Optional[bytes] = None,
) -> bytes: ...
def encrypt_blob(
    data: bytes,
    *,
    key: Union[RootKey, bytes],
    sid: str,
    time: Optional[_Time] = None,
    public_key: Optional[bool] = None,
    domain_name: Optional[str] = None,
    forest_name: Optional[str] = None,
    randomness: Optional[bytes] = None,
) -> bytes: ...
def parse_laps_password_json(value: Union[str, bytes]) -> LapsCredential: ...
def parse_legacy_password(value: Union[str, bytes]) -> str: ...
def parse_expiration_time(value: Union[str, bytes, int]) -> Optional[datetime.datetime]: ...
def decode_graph_password(password_base64: str) -> GraphPassword: ...
def read_computer(
    distinguished_name: str,
    attributes: Mapping[str, Union[bytes, str, Sequence[Union[bytes, str]]]],
    keys: KeyStore,
    *,
    include_history: bool = False,
    caller_sids: Optional[Union[set[str], frozenset[str]]] = None,
    principal_names: Optional[dict[str, str]] = None,
) -> list[dict[str, Any]]: ...
def parse_group_key_envelope(data: bytes) -> dict[str, Any]: ...
def make_group_key_envelope(
    key: RootKey,
    *,
    sid: str,
    time: Optional[_Time] = None,
    public_key: Optional[bool] = None,
    domain_name: Optional[str] = None,
    forest_name: Optional[str] = None,
) -> bytes: ...

# --- live keys: laps-rpc's sans-IO client state machines, driven by winlaps._gkdi ---------------

_Step: TypeAlias = tuple[Literal["more", "send", "ready", "done"], Any]

@final
class _EpmLookup:
    def __new__(cls, interface: Optional[str] = None, version: int = 1, *, ndr_only: bool = False) -> _EpmLookup: ...
    def start(self) -> bytes: ...
    def receive(self, data: bytes) -> _Step: ...

@final
class _GkdiSession:
    def __new__(cls, auth: Any, protocol: str) -> _GkdiSession: ...
    def start(self) -> bytes: ...
    def get_key(self, sid: str, root_key_id: Optional[str], l0: int, l1: int, l2: int) -> bytes: ...
    def receive(self, data: bytes) -> _Step: ...
    @property
    def is_ready(self) -> bool: ...
    @property
    def header_signing(self) -> bool: ...
    @property
    def transfer_syntax(self) -> Optional[str]: ...

@final
class _RpcConnection:
    def __new__(
        cls,
        interface: str,
        version: int,
        auth: Any = None,
        protocol: str = "negotiate",
        *,
        ndr_only: bool = False,
        header_signing: bool = True,
    ) -> _RpcConnection: ...
    def start(self) -> bytes: ...
    def call(self, opnum: int, stub: bytes) -> bytes: ...
    def receive(self, data: bytes) -> _Step: ...
    @property
    def header_signing(self) -> bool: ...

@final
class _KeyFetch:
    def __new__(cls, values: Sequence[bytes], store: KeyStore, *, blob: bool) -> _KeyFetch: ...
    def next_request(self) -> tuple[str, str, int, int, int] | None: ...
    def answer(self, envelope: bytes) -> None: ...
    def fail(self, error: BaseException, usable: bool) -> None: ...
    def finish(self) -> tuple[int, list[BaseException | None]]: ...

@final
class _LiveDecryption:
    def __new__(cls, store: KeyStore, values: Sequence[bytes]) -> _LiveDecryption: ...
    @property
    def missing_values(self) -> list[bytes]: ...
    def finish(
        self, fetch_errors: Sequence[BaseException | None]
    ) -> list[LapsCredential | WinlapsError]: ...

def _store_envelope(store: KeyStore, envelope: bytes, sid: str) -> None: ...
def _envelope_is_public(envelope: bytes) -> bool: ...
def _protection_sid(descriptor: str) -> str: ...
def _dc_srv_name(domain: str) -> str: ...
def _pick_dc(records: list[tuple[int, int, int, str]]) -> Optional[str]: ...
def _timeouts(timeout: float) -> tuple[float, float, float]: ...
def _auth_protocol(protocol: str) -> str: ...
