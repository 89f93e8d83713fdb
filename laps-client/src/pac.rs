//! The caller's token from a Kerberos service ticket: the ticket is decrypted with the service's
//! keytab key, its authorization data searched for the PAC (`AD-IF-RELEVANT` holding
//! `AD-WIN2K-PAC`, [MS-PAC] 2.2 and [MS-KILE] 3.1.1.4), and the PAC's token SIDs read by
//! laps-rpc's no-I/O [`laps_rpc::pac::logon_info_sids`] (fuzzed there).
//!
//! The PAC's signatures are not checked: the ticket is encrypted with the service key, so a
//! client cannot alter it, and the KDC signature would need the krbtgt key, which a service
//! does not hold ([MS-PAC] 2.8, "the server checks only the server signature" is a choice a
//! production service makes; this is a lab tool).

use laps_crypto::Sid;
use laps_rpc::auth::AuthError;
use laps_rpc::pac::logon_info_sids;
use picky_krb::constants::key_usages::TICKET_REP;
use picky_krb::crypto::CipherSuite;
use picky_krb::data_types::{AuthorizationData, EncTicketPart};
use picky_krb::messages::ApReq;

use crate::keytab::{Keytab, KeytabEntry};

/// `AD-IF-RELEVANT` (RFC 4120 5.2.6.1).
const AD_IF_RELEVANT: u8 = 1;
/// `AD-WIN2K-PAC` ([MS-PAC] 2.2).
const AD_WIN2K_PAC: u8 = 128;

/// What a ticket says about its client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TicketClient {
    /// `user@REALM` from the ticket's `cname` and `crealm`.
    pub name: String,
    /// The SIDs of the PAC's logon information (user, primary group, groups, extra SIDs,
    /// resource groups); `None` when the ticket carries no PAC.
    pub sids: Option<Vec<Sid>>,
}

fn invalid(why: impl Into<String>) -> AuthError {
    AuthError::InvalidToken(why.into())
}

fn small_int(bytes: &[u8]) -> Option<i64> {
    if bytes.is_empty() || bytes.len() > 4 {
        return None;
    }
    let mut v: i64 = if bytes[0] & 0x80 != 0 { -1 } else { 0 };
    for &b in bytes {
        v = (v << 8) | i64::from(b);
    }
    Some(v)
}

/// Decrypts the ticket of `ap_req` with the keytab key of the ticket's service principal,
/// encryption type and key version, and reads its client and PAC. Also returns the key and
/// the service principal's name components.
pub(crate) fn ticket_client<'k>(
    keytab: &'k Keytab,
    ap_req: &ApReq,
) -> Result<(TicketClient, &'k KeytabEntry, Vec<String>), AuthError> {
    let ticket = &ap_req.0.ticket.0 .0;
    let sname: Vec<String> = ticket
        .sname
        .0
        .name_string
        .0
         .0
        .iter()
        .map(|s| s.to_string())
        .collect();
    let enc = &ticket.enc_part.0;
    let etype = small_int(&enc.etype.0 .0)
        .and_then(|v| i32::try_from(v).ok())
        .ok_or_else(|| invalid("ticket encryption type out of range"))?;
    let kvno = enc
        .kvno
        .0
        .as_ref()
        .and_then(|k| small_int(&k.0 .0))
        .and_then(|v| u32::try_from(v & 0xffff_ffff).ok());
    let names: Vec<&str> = sname.iter().map(String::as_str).collect();
    let entry = keytab.find(&names, etype, kvno).ok_or_else(|| {
        AuthError::Rejected(format!(
            "no keytab key for {} (encryption type {etype})",
            sname.join("/")
        ))
    })?;
    let cipher = CipherSuite::try_from(enc.etype.0 .0.as_slice())
        .map_err(|_| invalid(format!("unsupported ticket encryption type {etype}")))?
        .cipher();
    let plain = zeroize::Zeroizing::new(
        cipher
            .decrypt(entry.key(), TICKET_REP, &enc.cipher.0 .0)
            .map_err(|_| {
                AuthError::Rejected(format!(
                    "the ticket for {} does not decrypt with the keytab key",
                    sname.join("/")
                ))
            })?,
    );
    let part: EncTicketPart = picky_asn1_der::from_bytes(&plain)
        .map_err(|_| invalid("malformed ticket EncTicketPart"))?;
    let part = part.0;
    let user = part
        .cname
        .0
        .name_string
        .0
         .0
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()
        .join("/");
    let name = format!("{user}@{}", part.crealm.0 .0);
    let sids = match part.authorization_data.0.as_ref() {
        Some(ad) => find_pac(&ad.0, 0)?
            .map(|pac| logon_info_sids(&pac))
            .transpose()?,
        None => None,
    };
    Ok((TicketClient { name, sids }, entry, sname))
}

/// The PAC inside authorization data (nested in `AD-IF-RELEVANT`, at most 4 levels).
fn find_pac(ad: &AuthorizationData, depth: u8) -> Result<Option<Vec<u8>>, AuthError> {
    if depth > 4 {
        return Ok(None);
    }
    for item in &ad.0 {
        let data = &item.ad_data.0 .0;
        match small_int(&item.ad_type.0 .0) {
            Some(t) if t == i64::from(AD_WIN2K_PAC) => return Ok(Some(data.clone())),
            Some(t) if t == i64::from(AD_IF_RELEVANT) => {
                let inner: AuthorizationData = picky_asn1_der::from_bytes(data)
                    .map_err(|_| invalid("malformed AD-IF-RELEVANT"))?;
                if let Some(pac) = find_pac(&inner, depth + 1)? {
                    return Ok(Some(pac));
                }
            }
            _ => {}
        }
    }
    Ok(None)
}
