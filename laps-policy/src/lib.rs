//! Windows LAPS policy, offline: resolve the effective policy of a device from
//! the real input files (Registry.pol, SyncML, `.reg`, JSON/TOML), explain it,
//! and decide rotations, exactly as Windows LAPS does.
//!
//! No I/O: inputs come in as bytes or values, time as a [`laps_core::FileTime`].
//!
//! ```
//! use laps_policy::{resolve, Device, Mode, RegValue, Snapshot};
//! let mut snap = Snapshot::new();
//! snap.gpo.set("BackupDirectory", RegValue::Dword(2));
//! snap.gpo.set("PasswordComplexity", RegValue::Dword(5));
//! snap.gpo.set("PasswordLength", RegValue::Dword(20));
//! let policy = resolve(&snap, &Device::default());
//! assert_eq!(policy.mode, Mode::ActiveDirectory);
//! assert_eq!(policy.password_spec().length(), 20);
//! println!("{}", policy.explain());
//! ```
#![forbid(unsafe_code)]

pub mod catalog;
mod departures;
mod device;
mod diagnostic;
mod effective;
mod error;
pub mod events;
mod explain;
mod names;
mod parsed;
mod plain;
mod pol;
mod post_auth;
mod provenance;
mod regfile;
mod reset_status;
mod resolve;
mod root;
mod rotation;
pub mod samples;
mod settings;
mod snapshot;
mod syncml;
mod text;
mod value;
mod wording;
mod write;

pub use catalog::{SettingId, SettingInfo};
pub use device::{Device, JoinState};
pub use diagnostic::{Diagnostic, DiagnosticCode, Severity};
pub use effective::{
    AccountTarget, BackupDirectory, EffectivePolicy, ManagedAccount, Mode, RootReport, RootStatus,
    Source,
};
pub use error::Error;
pub use laps_core::{ErrorKind, UnknownName};
pub use parsed::{ParsedPolicy, RootInput};
pub use plain::{from_plain, MAX_DEPTH};
pub use pol::{parse_registry_pol, PolEntry, RegistryPol};
pub use post_auth::{
    post_authentication_timeline, PostAuthActions, PostAuthOff, PostAuthStep, PostAuthTimeline,
};
pub use provenance::{
    InvalidReason, NotApplicableReason, Provenance, SettingResolution, SettingValue, Shadowed,
};
pub use regfile::{parse_reg, RegFile, RegFileEntry, RegFileVersion};
pub use reset_status::{ResetPasswordStatus, E_PENDING, E_PENDING_AS_DOCUMENTED, S_OK};
pub use resolve::resolve;
pub use root::Root;
pub use rotation::{
    days_to_change, decide_rotation, DirectoryState, LocalState, RotationDecision, RotationReason,
    BUILTIN_ADMINISTRATOR_RID,
};
pub use settings::{Settings, Values};
pub use snapshot::{Applied, RegOp, RootValues, Snapshot, STATE_KEY};
pub use syncml::{parse_syncml, CommandStatus, CspNode, SyncMl, SyncMlCommand, SyncMlVerb};
pub use value::{reg_type, PlainValue, RegValue};

/// The README's examples run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
