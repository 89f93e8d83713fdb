//! Binary SIDs as LDAP returns them (`objectSid`, `tokenGroups`).

use crate::error::{Error, Result};
use laps_crypto::Sid;

/// Parses a binary SID (revision 1, up to 15 sub-authorities) into a [`Sid`].
///
/// ```
/// let b = [1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 32, 2, 0, 0];
/// assert_eq!(laps_directory::sid_from_bytes(&b)?.to_string(), "S-1-5-32-544");
/// # Ok::<(), laps_directory::Error>(())
/// ```
pub fn sid_from_bytes(b: &[u8]) -> Result<Sid> {
    let bad = |reason| Error::BadAttribute {
        attribute: "objectSid",
        reason,
    };
    if b.len() < 8 || b[0] != 1 {
        return Err(bad("not a revision-1 binary SID"));
    }
    let count = b[1] as usize;
    if count > 15 || b.len() != 8 + 4 * count {
        return Err(bad("length does not match the sub-authority count"));
    }
    let authority = b[2..8].iter().fold(0u64, |a, &x| (a << 8) | u64::from(x));
    let subs: Vec<u32> = b[8..]
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    Sid::new(authority, &subs).map_err(|_| bad("invalid SID"))
}
