//! The token SIDs in a Kerberos PAC ([MS-PAC]): the `PAC_INFO_BUFFER` table and the NDR
//! `KERB_VALIDATION_INFO` of the logon information ([MS-PAC] 2.3–2.5), read as Windows builds an
//! access token from it: the user, the primary group, the groups, the extra SIDs and, with
//! `LOGON_RESOURCE_GROUPS`, the resource groups.
//!
//! No I/O and no Kerberos: the PAC comes from a ticket the caller has decrypted (laps-client's
//! lab KDS does it with its keytab). Every count and offset is bounded; malformed input gives
//! [`AuthError::InvalidToken`].

use laps_crypto::Sid;

use crate::auth::AuthError;
use crate::ndr::{NdrReader, TransferSyntax};

/// `PAC_INFO_BUFFER.ulType` of the logon information ([MS-PAC] 2.4).
const PAC_LOGON_INFO: u32 = 1;
/// `UserFlags` bit: the resource group fields are used ([MS-PAC] 2.5, `LOGON_RESOURCE_GROUPS`).
const LOGON_RESOURCE_GROUPS: u32 = 0x200;
/// Bounds on counts read from the PAC (a real token holds at most 1015 groups).
const MAX_ENTRIES: u32 = 4096;
/// Bound on the number of PAC buffers.
const MAX_PAC_BUFFERS: u32 = 64;

fn invalid(why: impl Into<String>) -> AuthError {
    AuthError::InvalidToken(why.into())
}

fn truncated(e: crate::Error) -> AuthError {
    invalid(format!("PAC logon information: {e}"))
}

/// The PAC's NDR structures over laps-rpc's [`NdrReader`] (NDR, little-endian; offsets
/// relative to the logon information, as NDR aligns), every error an invalid token.
struct Ndr<'a>(NdrReader<'a>);

impl<'a> Ndr<'a> {
    fn new(b: &'a [u8]) -> Self {
        Ndr(NdrReader::new(TransferSyntax::Ndr, b))
    }
    fn u16(&mut self) -> Result<u16, AuthError> {
        self.0.u16().map_err(truncated)
    }
    fn u32(&mut self) -> Result<u32, AuthError> {
        self.0.u32().map_err(truncated)
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8], AuthError> {
        self.0.bytes(n).map_err(truncated)
    }
    fn skip(&mut self, n: usize) -> Result<(), AuthError> {
        self.take(n).map(|_| ())
    }
    fn count(&mut self) -> Result<u32, AuthError> {
        let n = self.u32()?;
        if n > MAX_ENTRIES {
            return Err(invalid(format!("PAC count {n} over the bound")));
        }
        Ok(n)
    }
    /// `RPC_UNICODE_STRING` header: returns whether the buffer pointer is non-null.
    fn string_header(&mut self) -> Result<bool, AuthError> {
        self.u16()?;
        self.u16()?;
        Ok(self.u32()? != 0)
    }
    /// The deferred conformant varying `WCHAR` array of an `RPC_UNICODE_STRING`.
    fn string_body(&mut self) -> Result<(), AuthError> {
        let _max = self.count()?;
        let _offset = self.u32()?;
        let actual = self.count()?;
        self.skip(actual as usize * 2)
    }
    /// A deferred `RPC_SID` (conformant: the sub-authority count first).
    fn sid(&mut self) -> Result<Sid, AuthError> {
        let _conformance = self.count()?;
        let head = self.take(8)?;
        let n = head[1];
        let mut auth = [0u8; 8];
        auth[2..].copy_from_slice(&head[2..8]);
        let subs = (0..n).map(|_| self.u32()).collect::<Result<Vec<_>, _>>()?;
        Sid::new(u64::from_be_bytes(auth), &subs).map_err(|_| invalid("malformed SID in the PAC"))
    }
    /// A deferred conformant array of `GROUP_MEMBERSHIP`: the relative ids.
    fn rids(&mut self) -> Result<Vec<u32>, AuthError> {
        let n = self.count()?;
        (0..n)
            .map(|_| {
                let rid = self.u32()?;
                self.u32()?;
                Ok(rid)
            })
            .collect()
    }
}

fn with_rid(domain: &Sid, rid: u32) -> Result<Sid, AuthError> {
    let mut subs = domain.sub_authorities().to_vec();
    subs.push(rid);
    Sid::new(domain.authority(), &subs).map_err(|_| invalid("SID too long in the PAC"))
}

/// The PAC buffer of `ul_type` ([MS-PAC] 2.3, 2.4).
fn pac_buffer(pac: &[u8], ul_type: u32) -> Result<Option<&[u8]>, AuthError> {
    let le32 = |at: usize| -> Result<u32, AuthError> {
        pac.get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or_else(|| invalid("PAC truncated"))
    };
    let n = le32(0)?;
    if n > MAX_PAC_BUFFERS {
        return Err(invalid(format!("{n} PAC buffers")));
    }
    for i in 0..n as usize {
        let at = 8 + 16 * i;
        if le32(at)? != ul_type {
            continue;
        }
        let size = le32(at + 4)? as usize;
        let offset = usize::try_from(u64::from(le32(at + 8)?) | u64::from(le32(at + 12)?) << 32)
            .map_err(|_| invalid("PAC buffer offset out of range"))?;
        return pac
            .get(
                offset
                    ..offset
                        .checked_add(size)
                        .ok_or_else(|| invalid("PAC buffer size"))?,
            )
            .map(Some)
            .ok_or_else(|| invalid("PAC buffer outside the PAC"));
    }
    Ok(None)
}

/// The token SIDs of a PAC's `KERB_VALIDATION_INFO`: `LogonDomainId` + `UserId`, +
/// `PrimaryGroupId`, + each `GroupIds` RID, every `ExtraSids` SID, and with
/// `LOGON_RESOURCE_GROUPS` `ResourceGroupDomainSid` + each `ResourceGroupIds` RID.
pub fn logon_info_sids(pac: &[u8]) -> Result<Vec<Sid>, AuthError> {
    let info = pac_buffer(pac, PAC_LOGON_INFO)?
        .ok_or_else(|| invalid("the PAC has no logon information"))?;
    // Type serialization version 1 ([MS-RPCE] 2.2.6): 8-byte common header, 8-byte private
    // header, then the top-level pointer's referent id.
    let body = info
        .get(16..)
        .ok_or_else(|| invalid("PAC logon information truncated"))?;
    let mut r = Ndr::new(body);
    if r.u32()? == 0 {
        return Err(invalid("null KERB_VALIDATION_INFO"));
    }
    r.skip(6 * 8)?; // six FILETIMEs
    let mut strings = Vec::new();
    for _ in 0..6 {
        strings.push(r.string_header()?); // EffectiveName .. HomeDirectoryDrive
    }
    r.u16()?; // LogonCount
    r.u16()?; // BadPasswordCount
    let user_id = r.u32()?;
    let primary_group_id = r.u32()?;
    let _group_count = r.u32()?;
    let groups_ptr = r.u32()? != 0;
    let user_flags = r.u32()?;
    r.skip(16)?; // UserSessionKey
    let logon_server = r.string_header()?;
    let logon_domain_name = r.string_header()?;
    let domain_ptr = r.u32()? != 0;
    r.skip(8)?; // LMKey
    r.u32()?; // UserAccountControl
    r.u32()?; // SubAuthStatus
    r.skip(16)?; // LastSuccessfulILogon, LastFailedILogon
    r.u32()?; // FailedILogonCount
    r.u32()?; // Reserved3
    let _sid_count = r.u32()?;
    let extra_ptr = r.u32()? != 0;
    let resource_domain_ptr = r.u32()? != 0;
    let _resource_count = r.u32()?;
    let resource_ptr = r.u32()? != 0;

    // Deferred referents, in the order of their pointers.
    for present in strings {
        if present {
            r.string_body()?;
        }
    }
    let group_rids = if groups_ptr { r.rids()? } else { Vec::new() };
    for present in [logon_server, logon_domain_name] {
        if present {
            r.string_body()?;
        }
    }
    if !domain_ptr {
        return Err(invalid("the PAC has no LogonDomainId"));
    }
    let domain = r.sid()?;
    let mut extra = Vec::new();
    if extra_ptr {
        let n = r.count()?;
        let mut present = Vec::new();
        for _ in 0..n {
            present.push(r.u32()? != 0);
            r.u32()?; // Attributes
        }
        for p in present {
            if p {
                extra.push(r.sid()?);
            }
        }
    }
    let resource_domain = if resource_domain_ptr {
        Some(r.sid()?)
    } else {
        None
    };
    let resource_rids = if resource_ptr { r.rids()? } else { Vec::new() };

    let mut sids = vec![
        with_rid(&domain, user_id)?,
        with_rid(&domain, primary_group_id)?,
    ];
    for rid in group_rids {
        sids.push(with_rid(&domain, rid)?);
    }
    sids.extend(extra);
    if let Some(rd) = resource_domain.filter(|_| user_flags & LOGON_RESOURCE_GROUPS != 0) {
        for rid in resource_rids {
            sids.push(with_rid(&rd, rid)?);
        }
    }
    let mut unique = Vec::with_capacity(sids.len());
    for s in sids {
        if !unique.contains(&s) {
            unique.push(s);
        }
    }
    Ok(unique)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A little-endian NDR writer for the test PAC.
    #[derive(Default)]
    struct W(Vec<u8>);

    impl W {
        fn align(&mut self, n: usize) {
            while !self.0.len().is_multiple_of(n) {
                self.0.push(0);
            }
        }
        fn u16(&mut self, v: u16) {
            self.align(2);
            self.0.extend(v.to_le_bytes());
        }
        fn u32(&mut self, v: u32) {
            self.align(4);
            self.0.extend(v.to_le_bytes());
        }
        fn string_header(&mut self, s: Option<&str>) {
            let n = s.map_or(0, |s| s.encode_utf16().count() as u16 * 2);
            self.u16(n);
            self.u16(n);
            self.u32(if s.is_some() { 0x20004 } else { 0 });
        }
        fn string_body(&mut self, s: &str) {
            let units: Vec<u16> = s.encode_utf16().collect();
            self.u32(units.len() as u32);
            self.u32(0);
            self.u32(units.len() as u32);
            for u in units {
                self.u16(u);
            }
        }
        fn sid(&mut self, sid: &Sid) {
            let subs = sid.sub_authorities();
            self.u32(subs.len() as u32);
            self.0.push(1);
            self.0.push(subs.len() as u8);
            self.0.extend(&sid.authority().to_be_bytes()[2..]);
            for &s in subs {
                self.u32(s);
            }
        }
    }

    fn sid(s: &str) -> Sid {
        s.parse().unwrap()
    }

    /// A PAC with one LOGON_INFO buffer: user 1104 in S-1-5-21-1-2-3, primary group 513,
    /// groups 513 and 1103, the extra SID S-1-18-1 and resource group S-1-5-21-9-9-9-600.
    fn pac(user_flags: u32) -> Vec<u8> {
        let mut w = W::default();
        w.u32(0x20000); // referent of the top-level pointer
        w.0.extend([0u8; 48]); // six FILETIMEs
        let strings = [Some("helpdesk"), None, None, None, None, None];
        for s in strings {
            w.string_header(s);
        }
        w.u16(3); // LogonCount
        w.u16(0);
        w.u32(1104);
        w.u32(513);
        w.u32(2);
        w.u32(0x20008); // GroupIds
        w.u32(user_flags);
        w.0.extend([0u8; 16]);
        w.string_header(Some("DC1"));
        w.string_header(Some("WINLAPS"));
        w.u32(0x2000c); // LogonDomainId
        w.0.extend([0u8; 8]);
        w.u32(0x10); // UserAccountControl
        w.u32(0);
        w.0.extend([0u8; 16]);
        w.u32(0);
        w.u32(0);
        w.u32(1); // SidCount
        w.u32(0x20010); // ExtraSids
        w.u32(0x20014); // ResourceGroupDomainSid
        w.u32(1);
        w.u32(0x20018); // ResourceGroupIds
        w.string_body("helpdesk");
        w.u32(2);
        for rid in [513, 1103] {
            w.u32(rid);
            w.u32(7);
        }
        w.string_body("DC1");
        w.string_body("WINLAPS");
        w.sid(&sid("S-1-5-21-1-2-3"));
        w.u32(1);
        w.u32(0x2001c);
        w.u32(7);
        w.sid(&sid("S-1-18-1"));
        w.sid(&sid("S-1-5-21-9-9-9"));
        w.u32(1);
        w.u32(600);
        w.u32(7);
        // Type serialization header (version 1, little-endian, 8 bytes) + private header.
        let mut info = vec![1, 0x10, 8, 0, 0xcc, 0xcc, 0xcc, 0xcc];
        info.extend((w.0.len() as u32).to_le_bytes());
        info.extend([0u8; 4]);
        info.extend(&w.0);
        let mut out = Vec::new();
        out.extend(1u32.to_le_bytes()); // cBuffers
        out.extend(0u32.to_le_bytes()); // Version
        out.extend(PAC_LOGON_INFO.to_le_bytes());
        out.extend((info.len() as u32).to_le_bytes());
        out.extend(24u64.to_le_bytes());
        out.extend(info);
        out
    }

    #[test]
    fn logon_info_gives_user_primary_group_groups_extra_and_resource_sids() {
        let got = logon_info_sids(&pac(0x20 | LOGON_RESOURCE_GROUPS)).unwrap();
        let want: Vec<Sid> = [
            "S-1-5-21-1-2-3-1104",
            "S-1-5-21-1-2-3-513",
            "S-1-5-21-1-2-3-1103",
            "S-1-18-1",
            "S-1-5-21-9-9-9-600",
        ]
        .iter()
        .map(|s| sid(s))
        .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn resource_groups_count_only_with_their_user_flag() {
        let got = logon_info_sids(&pac(0x20)).unwrap();
        assert!(!got.contains(&sid("S-1-5-21-9-9-9-600")));
        assert_eq!(got.len(), 4);
    }

    #[test]
    fn truncated_or_oversized_pacs_are_typed_errors() {
        let full = pac(0x220);
        for n in 0..full.len() {
            assert!(
                matches!(logon_info_sids(&full[..n]), Err(AuthError::InvalidToken(_))),
                "a PAC cut at {n} bytes"
            );
        }
        let mut many = full.clone();
        many[..4].copy_from_slice(&1000u32.to_le_bytes());
        assert!(logon_info_sids(&many).is_err());
        let mut no_logon_info = full.clone();
        no_logon_info[8..12].copy_from_slice(&6u32.to_le_bytes());
        assert!(logon_info_sids(&no_logon_info).is_err());
        // A group count over the bound.
        let mut huge = full;
        let body = 24 + 16;
        let at = huge
            .windows(8)
            .skip(body)
            .position(|w| w == [2, 0, 0, 0, 1, 2, 0, 0])
            .map(|p| p + body)
            .expect("the GroupIds conformance");
        huge[at..at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(logon_info_sids(&huge).is_err());
    }
}
