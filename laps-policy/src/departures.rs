//! The rules that depart from the text of Microsoft's documentation, each followed because a
//! stronger source says otherwise: the sentence quoted, the source followed, and what a user
//! sees. `explain`, the rotation decision and the post-authentication timeline say these when
//! such a rule decides the outcome (the crate README's decision table lists them all).

/// An invalid `ADPasswordEncryptionPrincipal` blocks the backup (`{event}`: 10034 or 10035).
pub(crate) const PRINCIPAL_NO_FALLBACK: &str = "The CSP documentation says \"If the specified user or group account is invalid the device will fallback to using the Domain Admins group\"; Windows logs {event} and backs up nothing (the 2025 Windows LAPS policy-settings article and the Windows LAPS troubleshooting guidance are followed)";

/// Encryption on below the 2016 domain functional level: event 10006, no backup.
pub(crate) const DFL_BELOW_2016: &str = "The CSP documentation says that when \"the Active Directory domain doesn't meet the DFL prerequisite, the password will be stored as clear-text in Active Directory\"; Windows logs 10006 and updates nothing (the LAPS.adml text and the Windows LAPS troubleshooting guidance on event 10006 are followed)";

/// Expiration protection compares the days left to the directory expiry with PasswordAgeDays.
pub(crate) const EXPIRATION_PROTECTION_REMAINING_DAYS: &str = "PasswordExpirationProtectionEnabled: the days left until the expiry in the directory exceed PasswordAgeDays, so the password rotates now. The CSP documentation speaks of an expiration \"that would result in a password age greater than\" PasswordAgeDays (expiry minus last update); this follows Windows' own trace (days to change compared with PasswordAgeDays), so lowering PasswordAgeDays rotates at once";

/// The post-authentication reboot comes 60 s after the deadline.
pub(crate) const REBOOT_AFTER_ONE_MINUTE: &str = "device reboots, 1 minute after the deadline (the CSP documentation says the device \"will be immediately rebooted\"; Windows waits a fixed minute, per the Windows LAPS policy-settings article and Microsoft's support wiki)";

/// Sign-out comes after a fixed 2-minute warning.
pub(crate) const SIGN_OUT_AFTER_WARNING: &str = "managed account signed out, 2 minutes after the warning (the CSP documentation says the sessions \"will be terminated\"; Windows warns them for a fixed 2 minutes first, per the Windows LAPS policy-settings article and Microsoft's support wiki)";
