//! Windows LAPS event IDs (channel `Microsoft-Windows-LAPS/Operational`) that
//! the resolver and the rotation decision can predict.

/// Encryption required but the domain is below 2016 functional level; nothing updated.
pub const ENCRYPTION_NEEDS_DFL_2016: u32 = 10006;
/// Not configured to manage any account.
pub const NOT_MANAGING_ANY_ACCOUNT: u32 = 10007;
/// LAPS policy is not supported on domain controllers (title only; see the README).
pub const NOT_SUPPORTED_ON_DOMAIN_CONTROLLER: u32 = 10008;
/// Configured to back up to Active Directory.
pub const BACKUP_TO_AD: u32 = 10009;
/// Configured to back up to Microsoft Entra ID.
pub const BACKUP_TO_ENTRA: u32 = 10010;
/// The AD schema lacks the LAPS attributes (new or legacy).
pub const SCHEMA_MISSING: u32 = 10012;
/// The configured account was not found.
pub const ACCOUNT_NOT_FOUND: u32 = 10013;
/// Update because an administrator asked for it.
pub const ADMIN_REQUESTED_UPDATE: u32 = 10014;
/// Update needed, with a reason mask.
pub const UPDATE_NEEDED: u32 = 10015;
/// No update needed.
pub const NO_UPDATE_NEEDED: u32 = 10016;
/// Effective policy dump, Active Directory.
pub const POLICY_AD: u32 = 10021;
/// Effective policy dump, Microsoft Entra ID.
pub const POLICY_ENTRA: u32 = 10022;
/// Effective policy dump, legacy LAPS emulation.
pub const POLICY_LEGACY: u32 = 10023;
/// Policy configured as disabled (no policy at all, or BackupDirectory 0).
pub const POLICY_DISABLED: u32 = 10024;
/// No password acceptable to the local/domain password policy could be built; rotation failed.
pub const PASSWORD_POLICY_CONFLICT: u32 = 10027;
/// The Microsoft Entra ID password update failed (after the HTTP error of 10059).
pub const ENTRA_UPDATE_FAILED: u32 = 10028;
/// Legacy policy present but the legacy LAPS client extension is installed; Windows LAPS stands aside.
pub const LEGACY_CSE_INSTALLED: u32 = 10033;
/// The encryption principal is an isolated (unqualified) name.
pub const PRINCIPAL_ISOLATED_NAME: u32 = 10034;
/// The encryption principal cannot be mapped to a SID.
pub const PRINCIPAL_UNMAPPABLE: u32 = 10035;
/// Post-authentication: a logon of the managed account was detected (logs the deadline).
pub const POST_AUTH_DETECTED: u32 = 10041;
/// Post-authentication: the grace period expired.
pub const POST_AUTH_GRACE_EXPIRED: u32 = 10042;
/// Updating the password because of a post-authentication action.
pub const POST_AUTH_UPDATE: u32 = 10051;
/// PasswordAgeDays below the Entra minimum; 7 is used.
pub const ENTRA_MINIMUM_AGE: u32 = 10058;
/// Microsoft Entra ID answered the backup with an HTTP error (400/403 when the tenant switch
/// is off or the device is disabled); the body is in the event.
pub const ENTRA_HTTP_ERROR: u32 = 10059;
/// The schema lacks `msLAPS-CurrentPasswordVersion` (image-rollback detection off).
pub const SCHEMA_NO_PASSWORD_VERSION: u32 = 10108;
