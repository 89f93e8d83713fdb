//! Security identifiers and the target security descriptor mixed into the seed-key tree.

use crate::{Error, Result};
use core::{fmt, str::FromStr};

/// Maximum number of sub-authorities in a SID.
const MAX_SUB_AUTHORITIES: usize = 15;

/// A Windows security identifier (SID), e.g. `S-1-5-21-…-512` (Domain Admins).
///
/// ```
/// use laps_crypto::Sid;
/// let sid: Sid = "S-1-5-18".parse()?;
/// assert_eq!(hex::encode(sid.to_bytes()), "010100000000000512000000");
/// assert_eq!(sid.to_string(), "S-1-5-18");
/// # Ok::<(), laps_crypto::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sid {
    authority: u64,
    sub_authorities: Vec<u32>,
}

impl Sid {
    /// Builds a SID from its identifier authority (< 2⁴⁸) and sub-authorities (at most 15).
    pub fn new(authority: u64, sub_authorities: &[u32]) -> Result<Self> {
        if authority >= 1 << 48 || sub_authorities.len() > MAX_SUB_AUTHORITIES {
            return Err(Error::InvalidInput(
                "SID authority or sub-authority count out of range".into(),
            ));
        }
        Ok(Sid {
            authority,
            sub_authorities: sub_authorities.to_vec(),
        })
    }

    /// The binary form: revision 1, sub-authority count, 6-byte big-endian identifier
    /// authority, each sub-authority as u32 little-endian.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(8 + 4 * self.sub_authorities.len());
        out.push(1);
        out.push(self.sub_authorities.len() as u8);
        out.extend_from_slice(&self.authority.to_be_bytes()[2..]);
        for s in &self.sub_authorities {
            out.extend_from_slice(&s.to_le_bytes());
        }
        out
    }

    /// The identifier authority (5 for `NT AUTHORITY`).
    pub fn authority(&self) -> u64 {
        self.authority
    }

    /// The sub-authorities; the last one is the RID.
    pub fn sub_authorities(&self) -> &[u32] {
        &self.sub_authorities
    }

    /// The SID of a one-SID protection descriptor, as `NCryptCreateProtectionDescriptor`
    /// writes it (`SID=<sid>`, `SID` in any case, spaces around) or as dpapi-ng takes it (the
    /// bare SID string).
    ///
    /// # Errors
    /// [`Error::UnsupportedProtector`] for any other descriptor (`LOCAL=user`,
    /// `SID=<a> OR SID=<b>`, ...): winlaps encrypts to one SID; [`Error::InvalidInput`] when
    /// the SID does not parse.
    ///
    /// ```
    /// use laps_crypto::{ErrorKind, Sid};
    /// let sid = Sid::from_protection_descriptor(" sid=S-1-5-21-1-2-3-512")?;
    /// assert_eq!(sid, "S-1-5-21-1-2-3-512".parse()?);
    /// assert_eq!(Sid::from_protection_descriptor("S-1-5-32-544")?.to_string(), "S-1-5-32-544");
    /// let e = Sid::from_protection_descriptor("LOCAL=user").unwrap_err();
    /// assert_eq!(e.kind(), ErrorKind::Unsupported);
    /// let e = Sid::from_protection_descriptor("SID=S-1-5-1 OR SID=S-1-5-2").unwrap_err();
    /// assert_eq!(e.kind(), ErrorKind::Unsupported);
    /// assert_eq!(Sid::from_protection_descriptor("SID=nope").unwrap_err().kind(), ErrorKind::InvalidArgument);
    /// assert_eq!(Sid::from_protection_descriptor("not a sid").unwrap_err().kind(), ErrorKind::InvalidArgument);
    /// # Ok::<(), laps_crypto::Error>(())
    /// ```
    pub fn from_protection_descriptor(descriptor: &str) -> Result<Sid> {
        let d = descriptor.trim();
        let sid = match d.get(..4) {
            Some(prefix) if prefix.eq_ignore_ascii_case("SID=") => d[4..].trim(),
            _ => d,
        };
        // Every protector of a descriptor is `NAME=value`: one left after `SID=` is another.
        if sid.contains('=') {
            return Err(Error::UnsupportedProtector(d.chars().take(256).collect()));
        }
        sid.parse()
    }
}

impl FromStr for Sid {
    type Err = Error;

    /// Parses `S-1-<authority>-<sub>...`; the authority may be decimal or `0x` hex.
    fn from_str(s: &str) -> Result<Self> {
        let bad = || Error::InvalidInput(format!("not a SID: {s:?}"));
        let rest = s
            .strip_prefix("S-1-")
            .or_else(|| s.strip_prefix("s-1-"))
            .ok_or_else(bad)?;
        let mut parts = rest.split('-');
        let auth = parts.next().ok_or_else(bad)?;
        let authority = if let Some(h) = auth.strip_prefix("0x").or_else(|| auth.strip_prefix("0X"))
        {
            if h.is_empty() || h.len() > 12 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(bad());
            }
            u64::from_str_radix(h, 16).map_err(|_| bad())?
        } else {
            parse_decimal(auth).ok_or_else(bad)?
        };
        let subs = parts
            .map(|p| {
                parse_decimal(p)
                    .and_then(|v| u32::try_from(v).ok())
                    .ok_or_else(bad)
            })
            .collect::<Result<Vec<u32>>>()?;
        Sid::new(authority, &subs).map_err(|_| bad())
    }
}

fn parse_decimal(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 15 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

impl fmt::Display for Sid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.authority >= 1 << 32 {
            write!(f, "S-1-0x{:012X}", self.authority)?;
        } else {
            write!(f, "S-1-{}", self.authority)?;
        }
        for s in &self.sub_authorities {
            write!(f, "-{s}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Sid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sid({self})")
    }
}

/// `S-1-5-18` (LocalSystem), owner and group of the target security descriptor.
const LOCAL_SYSTEM: [u8; 12] = [1, 1, 0, 0, 0, 0, 0, 5, 0x12, 0, 0, 0];
/// `S-1-1-0` (Everyone).
const EVERYONE: [u8; 12] = [1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0];

/// The self-relative security descriptor that Windows builds from a `SID=` protector and mixes
/// into the L1(31) seed (byte-exact, [MS-GKDI] 3.1.4.1.2):
/// control `SE_SELF_RELATIVE | SE_DACL_PRESENT`, a DACL granting the SID `0x3` and Everyone `0x2`,
/// owner and group LocalSystem.
///
/// ```
/// use laps_crypto::{sid::target_security_descriptor, Sid};
/// let sd = target_security_descriptor(&"S-1-5-21-261666259-2767898532-3724640780-512".parse::<Sid>()?);
/// assert_eq!(sd.len(), 108);
/// # Ok::<(), laps_crypto::Error>(())
/// ```
pub fn target_security_descriptor(sid: &Sid) -> Vec<u8> {
    let sid = sid.to_bytes();
    let ace1_len = 8 + sid.len();
    let ace2_len = 8 + EVERYONE.len();
    let acl_len = 8 + ace1_len + ace2_len;
    let owner_offset = 20 + acl_len;
    let group_offset = owner_offset + LOCAL_SYSTEM.len();
    let mut sd = Vec::with_capacity(group_offset + LOCAL_SYSTEM.len());
    // Header: revision 1, Sbz1 0, control 0x8004, owner, group, SACL (none), DACL at 20.
    sd.extend_from_slice(&[1, 0, 0x04, 0x80]);
    sd.extend_from_slice(&(owner_offset as u32).to_le_bytes());
    sd.extend_from_slice(&(group_offset as u32).to_le_bytes());
    sd.extend_from_slice(&0u32.to_le_bytes());
    sd.extend_from_slice(&20u32.to_le_bytes());
    // DACL: revision 2, size, two ACEs.
    sd.extend_from_slice(&[2, 0]);
    sd.extend_from_slice(&(acl_len as u16).to_le_bytes());
    sd.extend_from_slice(&2u16.to_le_bytes());
    sd.extend_from_slice(&0u16.to_le_bytes());
    for (ace_len, mask, who) in [(ace1_len, 3u32, &sid[..]), (ace2_len, 2, &EVERYONE[..])] {
        sd.extend_from_slice(&[0, 0]); // ACCESS_ALLOWED_ACE_TYPE, no flags
        sd.extend_from_slice(&(ace_len as u16).to_le_bytes());
        sd.extend_from_slice(&mask.to_le_bytes());
        sd.extend_from_slice(who);
    }
    sd.extend_from_slice(&LOCAL_SYSTEM);
    sd.extend_from_slice(&LOCAL_SYSTEM);
    sd
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn security_descriptor_matches_spec_example() {
        let sid: Sid = "S-1-5-21-261666259-2767898532-3724640780-512"
            .parse()
            .unwrap();
        let expected = concat!(
            "0100048054000000600000000000000014000000",
            "0200400002000000",
            "0000240003000000",
            "010500000000000515000000d3b5980fa4c7faa40c8201de00020000",
            "0000140002000000010100000000000100000000",
            "010100000000000512000000",
            "010100000000000512000000"
        );
        assert_eq!(hex::encode(target_security_descriptor(&sid)), expected);
    }

    #[test]
    fn sid_parse_rejects_garbage() {
        for bad in [
            "",
            "S-1",
            "S-1-",
            "S-2-5-18",
            "S-1-5-x",
            "S-1-5-4294967296",
            "S-1-281474976710656-1",
        ] {
            assert!(bad.parse::<Sid>().is_err(), "{bad}");
        }
        let many = format!("S-1-5{}", "-1".repeat(16));
        assert!(many.parse::<Sid>().is_err());
        assert_eq!(
            "S-1-0x000000000005-18".parse::<Sid>().unwrap().to_string(),
            "S-1-5-18"
        );
    }
}
