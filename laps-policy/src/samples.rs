//! Sample inputs shipped with the crate, for demos and binding tests. Both
//! were written by this crate's own writers (a test checks they still match).

/// A Registry.pol for the GPO root, as the LAPS.admx makes Group Policy
/// write it: backup to AD, PasswordComplexity 5, PasswordLength 20,
/// PasswordAgeDays 30, PassphraseLength 6, expiration protection on,
/// encryption on, history 3.
pub const DEMO_GPO_POL: &[u8] = include_bytes!("../data/demo-gpo.pol");

/// A SyncML message for the same device that sets BackupDirectory 2 and
/// PasswordComplexity 6 through the CSP: the CSP root wins and the GPO above
/// is ignored entirely.
pub const DEMO_CSP_SYNCML: &str = include_str!("../data/demo-csp.syncml");
