//! Self-relative security descriptors and the access check ([MS-DTYP] 2.4.6, 2.5.3.2) that the
//! responder runs on `GetKey`'s target security descriptor.

use crate::error::{Error, Result};
use crate::pdu::Cursor;
use laps_crypto::Sid;

/// `SE_DACL_PRESENT`.
const SE_DACL_PRESENT: u16 = 0x0004;
/// `SE_SELF_RELATIVE`.
const SE_SELF_RELATIVE: u16 = 0x8000;
/// ACE flag `INHERIT_ONLY_ACE`: the ACE does not apply to this object.
const INHERIT_ONLY_ACE: u8 = 0x08;
const ACCESS_ALLOWED_ACE_TYPE: u8 = 0;
const ACCESS_DENIED_ACE_TYPE: u8 = 1;
/// Most ACEs read from one ACL.
const MAX_ACES: usize = 1024;

/// `GetKey` access bit: the caller may obtain the private seed keys (decrypt).
pub const GKDI_ACCESS_DECRYPT: u32 = 0x1;
/// `GetKey` access bit: the caller may obtain the public key (encrypt).
pub const GKDI_ACCESS_ENCRYPT: u32 = 0x2;

/// One access control entry of a DACL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ace {
    /// `true` for ACCESS_ALLOWED, `false` for ACCESS_DENIED.
    pub allow: bool,
    /// ACE flags.
    pub flags: u8,
    /// Access mask.
    pub mask: u32,
    /// The trustee.
    pub sid: Sid,
}

/// The parts of a self-relative security descriptor the access check needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityDescriptor {
    /// Owner SID.
    pub owner: Option<Sid>,
    /// Group SID.
    pub group: Option<Sid>,
    /// The DACL's allow/deny ACEs (`None`: no DACL, which grants everything). ACE types other
    /// than ACCESS_ALLOWED / ACCESS_DENIED are skipped.
    pub dacl: Option<Vec<Ace>>,
}

fn sid_at(b: &[u8], off: usize) -> Result<Sid> {
    let bad = |reason| Error::Malformed {
        structure: "security descriptor",
        offset: off,
        reason,
    };
    let mut c = Cursor::new(b, off, "SID");
    let rev = c.u8()?;
    let n = c.u8()? as usize;
    if rev != 1 || n > 15 {
        return Err(bad("bad SID revision or sub-authority count"));
    }
    let a = c.take(6)?;
    let mut auth = [0u8; 8];
    auth[2..].copy_from_slice(a);
    let mut subs = Vec::with_capacity(n);
    for _ in 0..n {
        subs.push(c.u32()?);
    }
    Sid::new(u64::from_be_bytes(auth), &subs).map_err(|_| bad("bad SID"))
}

impl SecurityDescriptor {
    /// Parses a self-relative security descriptor.
    pub fn parse(b: &[u8]) -> Result<Self> {
        let mut c = Cursor::new(b, 0, "security descriptor");
        let rev = c.u8()?;
        c.u8()?;
        let control = c.u16()?;
        let owner_off = c.u32()? as usize;
        let group_off = c.u32()? as usize;
        let _sacl_off = c.u32()?;
        let dacl_off = c.u32()? as usize;
        if rev != 1 || control & SE_SELF_RELATIVE == 0 {
            return Err(Error::Malformed {
                structure: "security descriptor",
                offset: 0,
                reason: "not a revision 1 self-relative security descriptor",
            });
        }
        let owner = (owner_off != 0).then(|| sid_at(b, owner_off)).transpose()?;
        let group = (group_off != 0).then(|| sid_at(b, group_off)).transpose()?;
        let dacl = if control & SE_DACL_PRESENT != 0 && dacl_off != 0 {
            let mut a = Cursor::new(b, dacl_off, "ACL");
            let _rev = a.u8()?;
            a.u8()?;
            let size = a.u16()? as usize;
            let count = a.u16()? as usize;
            a.u16()?;
            if count > MAX_ACES || dacl_off.saturating_add(size) > b.len() {
                return Err(Error::Malformed {
                    structure: "ACL",
                    offset: dacl_off,
                    reason: "ACL size or ACE count out of range",
                });
            }
            let mut aces = Vec::with_capacity(count);
            let mut at = dacl_off + 8;
            for _ in 0..count {
                let mut h = Cursor::new(b, at, "ACE");
                let kind = h.u8()?;
                let flags = h.u8()?;
                let len = h.u16()? as usize;
                if len < 8 || at + len > dacl_off + size {
                    return Err(Error::Malformed {
                        structure: "ACE",
                        offset: at,
                        reason: "ACE size out of range",
                    });
                }
                if kind == ACCESS_ALLOWED_ACE_TYPE || kind == ACCESS_DENIED_ACE_TYPE {
                    let mask = h.u32()?;
                    let sid = sid_at(&b[..at + len], at + 8)?;
                    aces.push(Ace {
                        allow: kind == ACCESS_ALLOWED_ACE_TYPE,
                        flags,
                        mask,
                        sid,
                    });
                }
                at += len;
            }
            Some(aces)
        } else {
            None
        };
        Ok(SecurityDescriptor { owner, group, dacl })
    }

    /// The [MS-DTYP] 2.5.3.2 access check for `desired` against a token holding `sids`:
    /// ACEs are evaluated in order; a deny ACE for any still-undecided bit denies, an allow ACE
    /// grants its bits; access is granted when every desired bit was granted. No DACL grants
    /// everything; an empty DACL grants nothing.
    pub fn access_check(&self, sids: &[Sid], desired: u32) -> bool {
        let Some(aces) = &self.dacl else {
            return true;
        };
        let mut remaining = desired;
        for ace in aces {
            if remaining == 0 {
                break;
            }
            if ace.flags & INHERIT_ONLY_ACE != 0 || !sids.contains(&ace.sid) {
                continue;
            }
            if ace.allow {
                remaining &= !ace.mask;
            } else if ace.mask & remaining != 0 {
                return false;
            }
        }
        remaining == 0
    }

    /// The SIDs the DACL grants `access` to, for error messages ("S-1-5-21-…-512").
    pub fn principals(&self, access: u32) -> Vec<Sid> {
        self.dacl
            .iter()
            .flatten()
            .filter(|a| a.allow && a.mask & access != 0)
            .map(|a| a.sid.clone())
            .collect()
    }
}
