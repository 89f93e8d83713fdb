//! Post-authentication actions: the bit mask and the timeline after a
//! managed-account logon.

use crate::catalog::SettingId;
use crate::effective::{EffectivePolicy, Mode};
use crate::events;
use laps_core::FileTime;
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use std::fmt;

/// `PostAuthenticationActions` bit mask.
///
/// ```
/// use laps_policy::PostAuthActions;
/// let a = PostAuthActions::from_bits(11);
/// assert!(a.contains(PostAuthActions::TERMINATE_PROCESSES));
/// assert_eq!(a.to_string(), "reset password + sign out + terminate processes");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PostAuthActions(u32);

impl PostAuthActions {
    /// 0: take no action (GPO only).
    pub const NONE: PostAuthActions = PostAuthActions(0);
    /// 0x1: reset the password.
    pub const RESET_PASSWORD: PostAuthActions = PostAuthActions(0x1);
    /// 0x2: sign out the managed account (2-minute warning).
    pub const SIGN_OUT: PostAuthActions = PostAuthActions(0x2);
    /// 0x4: reboot (after 1 minute).
    pub const REBOOT: PostAuthActions = PostAuthActions(0x4);
    /// 0x8: terminate the account's remaining processes (24H2, no warning).
    pub const TERMINATE_PROCESSES: PostAuthActions = PostAuthActions(0x8);

    const NAMES: [(PostAuthActions, &'static str); 4] = [
        (Self::RESET_PASSWORD, "reset password"),
        (Self::SIGN_OUT, "sign out"),
        (Self::REBOOT, "reboot"),
        (Self::TERMINATE_PROCESSES, "terminate processes"),
    ];

    /// From the raw mask (unknown bits are kept).
    pub const fn from_bits(bits: u32) -> Self {
        PostAuthActions(bits)
    }

    /// The raw mask.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// Both masks combined.
    pub const fn union(self, other: PostAuthActions) -> Self {
        PostAuthActions(self.0 | other.0)
    }

    /// True when every bit of `other` is set.
    pub const fn contains(self, other: PostAuthActions) -> bool {
        self.0 & other.0 == other.0
    }

    /// True for 0.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The names of the set actions, in bit order.
    pub fn names(self) -> Vec<&'static str> {
        Self::NAMES
            .iter()
            .filter(|(a, _)| self.contains(*a))
            .map(|(_, n)| *n)
            .collect()
    }
}

impl EffectivePolicy {
    /// `PostAuthenticationActions`.
    pub fn post_authentication_actions(&self) -> PostAuthActions {
        PostAuthActions::from_bits(self.settings.number(SettingId::PostAuthenticationActions))
    }
}

impl fmt::Display for PostAuthActions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("no actions");
        }
        f.write_str(&self.names().join(" + "))
    }
}

impl Serialize for PostAuthActions {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(self.0)
    }
}

/// Why no post-authentication deadline is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PostAuthOff {
    /// LAPS does not manage (or cannot back up) a password here.
    NotManaged,
    /// DSRM accounts never get post-authentication actions.
    DsrmMode,
    /// Legacy emulation does not run them (choice on an UNCERTAIN point; see the README).
    LegacyEmulation,
    /// PostAuthenticationResetDelay is 0.
    GracePeriodZero,
    /// PostAuthenticationActions is 0.
    NoActions,
}

crate::names::named!(PostAuthOff, "post-authentication off reason", {
    NotManaged => "not_managed",
    DsrmMode => "dsrm_mode",
    LegacyEmulation => "legacy_emulation",
    GracePeriodZero => "grace_period_zero",
    NoActions => "no_actions",
});

/// One step after a managed-account logon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PostAuthStep {
    /// When it happens.
    pub at: FileTime,
    /// What happens.
    pub what: &'static str,
    /// The matching Windows LAPS event, if any.
    pub event_id: Option<u32>,
}

/// What follows a logon with the managed account. Its serde form adds `action_names`
/// ([`PostAuthActions::names`]) after `actions`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostAuthTimeline {
    /// The logon time.
    pub logon: FileTime,
    /// When the actions run (`None` when they are off).
    pub deadline: Option<FileTime>,
    /// The actions (empty when they are off).
    pub actions: PostAuthActions,
    /// Grace period in hours.
    pub grace_hours: u32,
    /// Why there is no deadline.
    pub off: Option<PostAuthOff>,
    /// The steps, in time order.
    pub steps: Vec<PostAuthStep>,
}

/// The derived form plus `action_names`. The pattern names every field, so a field added to
/// the struct does not compile until it is serialized here too.
impl Serialize for PostAuthTimeline {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let PostAuthTimeline {
            logon,
            deadline,
            actions,
            grace_hours,
            off,
            steps,
        } = self;
        let mut m = s.serialize_struct("PostAuthTimeline", 7)?;
        m.serialize_field("logon", logon)?;
        m.serialize_field("deadline", deadline)?;
        m.serialize_field("actions", actions)?;
        m.serialize_field("action_names", &actions.names())?;
        m.serialize_field("grace_hours", grace_hours)?;
        m.serialize_field("off", off)?;
        m.serialize_field("steps", steps)?;
        m.end()
    }
}

/// Sign-out warning before the session is ended (fixed by Windows).
const SIGN_OUT_WARNING_SECS: u64 = 120;
/// Delay before the reboot (fixed by Windows).
const REBOOT_DELAY_SECS: u64 = 60;

/// The post-authentication timeline for a managed-account logon at `logon`.
///
/// ```
/// use laps_policy::{post_authentication_timeline, resolve, Device, PostAuthActions, RegValue, Snapshot};
/// use laps_core::FileTime;
/// let mut s = Snapshot::new();
/// s.gpo.set("BackupDirectory", RegValue::Dword(2));
/// s.gpo.set("PostAuthenticationResetDelay", RegValue::Dword(4));
/// s.gpo.set("PostAuthenticationActions", RegValue::Dword(5));
/// let p = resolve(&s, &Device::default());
/// let logon = FileTime::parse_rfc3339("2025-01-01T08:00:00Z").unwrap();
/// let t = post_authentication_timeline(&p, logon);
/// assert_eq!(t.deadline.unwrap().to_rfc3339(), "2025-01-01T12:00:00Z");
/// assert_eq!(t.actions, PostAuthActions::from_bits(5));
/// ```
pub fn post_authentication_timeline(policy: &EffectivePolicy, logon: FileTime) -> PostAuthTimeline {
    let grace_hours = policy.post_authentication_reset_delay();
    let actions = policy.post_authentication_actions();
    let off = match policy.mode {
        _ if policy.blocker.is_some() => Some(PostAuthOff::NotManaged),
        Mode::Entra | Mode::ActiveDirectory if grace_hours == 0 => {
            Some(PostAuthOff::GracePeriodZero)
        }
        Mode::Entra | Mode::ActiveDirectory if actions.is_empty() => Some(PostAuthOff::NoActions),
        Mode::Entra | Mode::ActiveDirectory => None,
        Mode::ActiveDirectoryDsrm => Some(PostAuthOff::DsrmMode),
        Mode::LegacyEmulation => Some(PostAuthOff::LegacyEmulation),
        Mode::Disabled | Mode::Unmanaged => Some(PostAuthOff::NotManaged),
    };
    if off.is_some() {
        return PostAuthTimeline {
            logon,
            deadline: None,
            actions: PostAuthActions::NONE,
            grace_hours,
            off,
            steps: Vec::new(),
        };
    }
    let deadline = logon.add_seconds(u64::from(grace_hours) * 3600);
    let mut steps = vec![
        PostAuthStep {
            at: logon,
            what: "managed-account logon detected; deadline scheduled",
            event_id: Some(events::POST_AUTH_DETECTED),
        },
        PostAuthStep {
            at: deadline,
            what: "grace period expired",
            event_id: Some(events::POST_AUTH_GRACE_EXPIRED),
        },
    ];
    if actions.contains(PostAuthActions::RESET_PASSWORD) {
        steps.push(PostAuthStep {
            at: deadline,
            what: "password reset (skipped if it was already rotated since the logon)",
            event_id: Some(events::POST_AUTH_UPDATE),
        });
    }
    if actions.contains(PostAuthActions::SIGN_OUT) {
        steps.push(PostAuthStep {
            at: deadline,
            what: "sign-out warning shown to interactive sessions; SMB sessions deleted",
            event_id: None,
        });
        steps.push(PostAuthStep {
            at: deadline.add_seconds(SIGN_OUT_WARNING_SECS),
            what: crate::departures::SIGN_OUT_AFTER_WARNING,
            event_id: None,
        });
    }
    if actions.contains(PostAuthActions::TERMINATE_PROCESSES) {
        steps.push(PostAuthStep {
            at: deadline.add_seconds(SIGN_OUT_WARNING_SECS),
            what: "remaining processes of the account terminated",
            event_id: None,
        });
    }
    if actions.contains(PostAuthActions::REBOOT) {
        steps.push(PostAuthStep {
            at: deadline.add_seconds(REBOOT_DELAY_SECS),
            what: crate::departures::REBOOT_AFTER_ONE_MINUTE,
            event_id: None,
        });
    }
    steps.sort_by_key(|s| s.at);
    PostAuthTimeline {
        logon,
        deadline: Some(deadline),
        actions,
        grace_hours,
        off: None,
        steps,
    }
}
