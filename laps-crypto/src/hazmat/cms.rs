//! The DPAPI-NG blob: the CMS `EnvelopedData` subset Windows writes (RFC 5652), read strictly and
//! written byte-exactly; the layout is drawn below.
//!
//! ```text
//! ContentInfo { envelopedData, [0] EnvelopedData { version 2,
//!   recipientInfos SET { [2] KEKRecipientInfo { version 4,
//!       kekid { keyIdentifier OCTET STRING (GKDI "KDSK"),
//!               other { 1.3.6.1.4.1.311.74.1, { 1.3.6.1.4.1.311.74.1.1, {{ {"SID", "S-1-…"} }} } } },
//!       { aes256-wrap }, encryptedKey (40 bytes) } },
//!   encryptedContentInfo { data, { aes256-GCM, { nonce (12), 16 } }, [0] ciphertext? } } }
//! [LAPS only] ciphertext ‖ tag after the DER object
//! ```

use crate::der::{self, Reader, Tlv, INTEGER, OCTET_STRING, OID, SEQUENCE, SET, UTF8_STRING};
use crate::error::{malformed, Error, Result};
use crate::Sid;

const S: &str = "CMS";

pub(crate) const OID_ENVELOPED_DATA: &[u8] =
    &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03];
pub(crate) const OID_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];
pub(crate) const OID_AES256_WRAP: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2d];
pub(crate) const OID_AES256_GCM: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2e];
/// Microsoft "protection info" key attribute, 1.3.6.1.4.1.311.74.1.
pub(crate) const OID_PROTECTION_INFO: &[u8] =
    &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x4a, 0x01];
/// SID protector, 1.3.6.1.4.1.311.74.1.1.
pub(crate) const OID_SID_PROTECTOR: &[u8] =
    &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x4a, 0x01, 0x01];

/// GCM nonce length Windows uses.
pub const GCM_NONCE_LEN: usize = 12;
/// GCM tag length Windows uses (written explicitly as `INTEGER 16`).
pub const GCM_TAG_LEN: usize = 16;
/// Length of an RFC 3394-wrapped 256-bit key.
pub const WRAPPED_KEY_LEN: usize = 40;

/// The protection descriptor of one KEK recipient: an OR of AND-terms of `name=value` pairs.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Protector {
    /// Protector type OID, dotted (…74.1.1 = SID, …74.1.5 = SDDL, …74.1.8 = LOCAL).
    pub oid: String,
    /// `terms[i]` are AND-ed; the outer list is OR-ed.
    pub terms: Vec<Vec<(String, String)>>,
}

impl Protector {
    /// The single SID this protector names, if it is exactly one `SID=` term.
    pub fn sid(&self) -> Option<Sid> {
        if self.oid != der::oid_to_string(OID_SID_PROTECTOR) {
            return None;
        }
        match self.terms.as_slice() {
            [and] => match and.as_slice() {
                [(name, value)] if name.eq_ignore_ascii_case("SID") => value.parse().ok(),
                _ => None,
            },
            _ => None,
        }
    }

    /// The descriptor string, e.g. `SID=S-1-5-21-…-512`.
    pub fn descriptor(&self) -> String {
        self.terms
            .iter()
            .map(|and| {
                and.iter()
                    .map(|(n, v)| format!("{n}={v}"))
                    .collect::<Vec<_>>()
                    .join(" AND ")
            })
            .collect::<Vec<_>>()
            .join(" OR ")
    }
}

/// A `KEKRecipientInfo` (`[2]`).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct KekRecipient {
    /// The raw `keyIdentifier` (a GKDI KeyIdentifier for SID/SDDL protectors).
    pub key_identifier: Vec<u8>,
    /// Offset of `key_identifier` in the input.
    pub key_identifier_offset: usize,
    /// The protection descriptor.
    pub protector: Protector,
    /// The wrapped content-encryption key.
    pub encrypted_key: Vec<u8>,
}

/// One element of `recipientInfos`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Recipient {
    /// `[2]` KEKRecipientInfo: what LAPS writes.
    Kek(KekRecipient),
    /// `[4]` OtherRecipientInfo with Microsoft's AND combiner (…74.1.4).
    And(Vec<Recipient>),
    /// KeyTransRecipientInfo (`CERTIFICATE=` protector); holds the subject key identifier.
    Certificate(Vec<u8>),
    /// Anything else (tag byte).
    Other(u8),
}

impl Recipient {
    /// The descriptor string of this recipient.
    pub fn descriptor(&self) -> String {
        match self {
            Recipient::Kek(k) => k.protector.descriptor(),
            Recipient::And(parts) => parts
                .iter()
                .map(Recipient::descriptor)
                .collect::<Vec<_>>()
                .join(" AND "),
            Recipient::Certificate(id) => format!("CERTIFICATE=HashID:{}", hex::encode_upper(id)),
            Recipient::Other(tag) => format!("<unknown recipient tag 0x{tag:02x}>"),
        }
    }
}

/// A parsed DPAPI-NG blob. Offsets are relative to the input of [`DpapiNgBlob::parse`] plus `base`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct DpapiNgBlob {
    /// `recipientInfos`, in order (LAPS: exactly one SID KEK recipient).
    pub recipients: Vec<Recipient>,
    /// GCM nonce.
    pub nonce: [u8; GCM_NONCE_LEN],
    /// `ciphertext ‖ tag`.
    pub ciphertext: Vec<u8>,
    /// True when the ciphertext follows the DER object (LAPS), false when it is inside it.
    pub content_detached: bool,
    /// Length of the DER ContentInfo.
    pub cms_len: usize,
}

impl DpapiNgBlob {
    /// Parses a blob; `base` is where `b` starts in the caller's input (for error offsets).
    pub fn parse(b: &[u8], base: usize) -> Result<Self> {
        let mut top = Reader::new(b, base);
        let ci = top.expect(SEQUENCE, S, "expected ContentInfo SEQUENCE")?;
        let trailing = top.rest();
        let mut ci_r = ci.reader();
        let ct = ci_r.expect(OID, S, "expected contentType OID")?;
        if ct.value != OID_ENVELOPED_DATA {
            return Err(malformed(S, ct.offset, "contentType is not envelopedData"));
        }
        let explicit = ci_r.expect(0xa0, S, "expected [0] content")?;
        ci_r.finish(S)?;
        let mut ex = explicit.reader();
        let env = ex.expect(SEQUENCE, S, "expected EnvelopedData SEQUENCE")?;
        ex.finish(S)?;
        let mut env_r = env.reader();
        let at = env_r.offset();
        if env_r.small_uint(S, "bad EnvelopedData version")? != 2 {
            return Err(malformed(S, at, "EnvelopedData version is not 2"));
        }
        let set = env_r.expect(SET, S, "expected recipientInfos SET")?;
        let recipients = parse_recipients(set, 0)?;
        if recipients.is_empty() {
            return Err(malformed(S, set.offset, "no recipients"));
        }
        let eci = env_r.expect(SEQUENCE, S, "expected EncryptedContentInfo")?;
        env_r.finish(S)?;
        let mut eci_r = eci.reader();
        let ctype = eci_r.expect(OID, S, "expected content type OID")?;
        if ctype.value != OID_DATA {
            return Err(malformed(S, ctype.offset, "content type is not data"));
        }
        let alg = eci_r.expect(SEQUENCE, S, "expected contentEncryptionAlgorithm")?;
        let nonce = parse_gcm_parameters(alg)?;
        let (ciphertext, content_detached) = if eci_r.peek_tag() == Some(0x80) {
            let c = eci_r.any()?;
            eci_r.finish(S)?;
            if !trailing.is_empty() {
                return Err(malformed(
                    S,
                    ci.value_offset + ci.value.len(),
                    "data after the CMS",
                ));
            }
            (c.value.to_vec(), false)
        } else {
            eci_r.finish(S)?;
            (trailing.to_vec(), true)
        };
        if ciphertext.len() < GCM_TAG_LEN {
            return Err(malformed(
                S,
                base + (b.len() - trailing.len()),
                "ciphertext shorter than the GCM tag",
            ));
        }
        Ok(DpapiNgBlob {
            recipients,
            nonce,
            ciphertext,
            content_detached,
            cms_len: b.len() - trailing.len(),
        })
    }

    /// The protection descriptor string (recipients joined with ` OR `).
    pub fn protection_descriptor(&self) -> String {
        self.recipients
            .iter()
            .map(Recipient::descriptor)
            .collect::<Vec<_>>()
            .join(" OR ")
    }

    /// The recipients that a GKDI key can open: top-level KEK recipients with a single `SID=` term.
    pub fn sid_recipients(&self) -> impl Iterator<Item = (&KekRecipient, Sid)> {
        self.recipients.iter().filter_map(|r| match r {
            Recipient::Kek(k) => k.protector.sid().map(|sid| (k, sid)),
            _ => None,
        })
    }
}

fn parse_recipients(set: Tlv<'_>, depth: usize) -> Result<Vec<Recipient>> {
    let mut r = set.reader();
    let mut out = Vec::new();
    while !r.is_empty() {
        let t = r.any()?;
        out.push(match t.tag {
            0xa2 => Recipient::Kek(parse_kek_recipient(t)?),
            0xa4 if depth == 0 => parse_and_combiner(t)?,
            SEQUENCE => parse_key_transport(t)?,
            other => Recipient::Other(other),
        });
    }
    Ok(out)
}

/// `[4] OtherRecipientInfo { oriType …74.1.4, oriValue SEQUENCE { INTEGER 0, SEQUENCE OF recipients, … } }`.
fn parse_and_combiner(t: Tlv<'_>) -> Result<Recipient> {
    let mut r = t.reader();
    let _oid = r.expect(OID, S, "expected oriType")?;
    let value = r.expect(SEQUENCE, S, "expected oriValue")?;
    let mut v = value.reader();
    let _version = v.small_uint(S, "bad AND-combiner version")?;
    let inner = v.expect(SEQUENCE, S, "expected AND-combiner recipients")?;
    Ok(Recipient::And(parse_recipients(inner, 1)?))
}

/// KeyTransRecipientInfo; only the `[0]` subjectKeyIdentifier is kept (for the descriptor).
fn parse_key_transport(t: Tlv<'_>) -> Result<Recipient> {
    let mut r = t.reader();
    let _version = r.small_uint(S, "bad KeyTransRecipientInfo version")?;
    let rid = r.any()?;
    Ok(Recipient::Certificate(if rid.tag == 0x80 {
        rid.value.to_vec()
    } else {
        Vec::new()
    }))
}

fn parse_kek_recipient(t: Tlv<'_>) -> Result<KekRecipient> {
    let mut r = t.reader();
    let at = r.offset();
    if r.small_uint(S, "bad KEKRecipientInfo version")? != 4 {
        return Err(malformed(S, at, "KEKRecipientInfo version is not 4"));
    }
    let kekid = r.expect(SEQUENCE, S, "expected KEKIdentifier")?;
    let mut k = kekid.reader();
    let ki = k.expect(OCTET_STRING, S, "expected keyIdentifier")?;
    let other = k.expect(SEQUENCE, S, "expected OtherKeyAttribute (no date expected)")?;
    k.finish(S)?;
    let protector = parse_protector(other)?;
    let alg = r.expect(SEQUENCE, S, "expected keyEncryptionAlgorithm")?;
    let mut a = alg.reader();
    let oid = a.expect(OID, S, "expected key encryption OID")?;
    if oid.value != OID_AES256_WRAP {
        return Err(Error::UnsupportedAlgorithm(format!(
            "key encryption {}",
            der::oid_to_string(oid.value)
        )));
    }
    if a.peek_tag() == Some(0x05) {
        let null = a.any()?;
        if !null.value.is_empty() {
            return Err(malformed(S, null.offset, "bad NULL parameters"));
        }
    }
    a.finish(S)?;
    let ek = r.expect(OCTET_STRING, S, "expected encryptedKey")?;
    r.finish(S)?;
    Ok(KekRecipient {
        key_identifier: ki.value.to_vec(),
        key_identifier_offset: ki.value_offset,
        protector,
        encrypted_key: ek.value.to_vec(),
    })
}

fn parse_protector(other: Tlv<'_>) -> Result<Protector> {
    let mut r = other.reader();
    let id = r.expect(OID, S, "expected keyAttrId")?;
    if id.value != OID_PROTECTION_INFO {
        return Err(Error::UnsupportedProtector(format!(
            "key attribute {}",
            der::oid_to_string(id.value)
        )));
    }
    let attr = r.expect(SEQUENCE, S, "expected protection descriptor")?;
    r.finish(S)?;
    let mut a = attr.reader();
    let oid = a.expect(OID, S, "expected protector OID")?;
    let ors = a.expect(SEQUENCE, S, "expected protector terms")?;
    a.finish(S)?;
    let mut terms = Vec::new();
    let mut or_r = ors.reader();
    while !or_r.is_empty() {
        let and = or_r.expect(SEQUENCE, S, "expected AND-term list")?;
        let mut and_r = and.reader();
        let mut pairs = Vec::new();
        while !and_r.is_empty() {
            let pair = and_r.expect(SEQUENCE, S, "expected name/value pair")?;
            let mut p = pair.reader();
            let name = utf8(p.expect(UTF8_STRING, S, "expected protector name")?)?;
            let value = utf8(p.expect(UTF8_STRING, S, "expected protector value")?)?;
            p.finish(S)?;
            pairs.push((name, value));
        }
        terms.push(pairs);
    }
    Ok(Protector {
        oid: der::oid_to_string(oid.value),
        terms,
    })
}

fn utf8(t: Tlv<'_>) -> Result<String> {
    String::from_utf8(t.value.to_vec())
        .map_err(|_| malformed(S, t.value_offset, "invalid UTF-8 string"))
}

fn parse_gcm_parameters(alg: Tlv<'_>) -> Result<[u8; GCM_NONCE_LEN]> {
    let mut a = alg.reader();
    let oid = a.expect(OID, S, "expected content encryption OID")?;
    if oid.value != OID_AES256_GCM {
        return Err(Error::UnsupportedAlgorithm(format!(
            "content encryption {}",
            der::oid_to_string(oid.value)
        )));
    }
    let params = a.expect(SEQUENCE, S, "expected GCMParameters")?;
    a.finish(S)?;
    let mut p = params.reader();
    let nonce = p.expect(OCTET_STRING, S, "expected GCM nonce")?;
    let at = p.offset();
    let icv = if p.is_empty() {
        12
    } else {
        p.small_uint(S, "bad GCM ICV length")?
    };
    p.finish(S)?;
    if icv as usize != GCM_TAG_LEN {
        return Err(Error::UnsupportedAlgorithm(format!(
            "GCM tag length {icv} (at byte {at})"
        )));
    }
    nonce
        .value
        .try_into()
        .map_err(|_| Error::UnsupportedAlgorithm(format!("GCM nonce length {}", nonce.value.len())))
}

/// Writes a single-SID blob exactly as Windows does. `content = Some(ct)` puts `ct ‖ tag` inside
/// the CMS (NCryptProtectSecret); `None` leaves it out so the caller appends it (LAPS).
pub(crate) fn write_blob(
    key_identifier: &[u8],
    sid: &Sid,
    encrypted_key: &[u8],
    nonce: &[u8; GCM_NONCE_LEN],
    content: Option<&[u8]>,
) -> Vec<u8> {
    let sid_text = sid.to_string();
    let pair = der::tlv(
        SEQUENCE,
        &[
            &der::tlv(UTF8_STRING, &[b"SID"]),
            &der::tlv(UTF8_STRING, &[sid_text.as_bytes()]),
        ],
    );
    let descriptor = der::tlv(
        SEQUENCE,
        &[
            &der::tlv(OID, &[OID_SID_PROTECTOR]),
            &der::tlv(SEQUENCE, &[&der::tlv(SEQUENCE, &[&pair])]),
        ],
    );
    let other = der::tlv(
        SEQUENCE,
        &[&der::tlv(OID, &[OID_PROTECTION_INFO]), &descriptor],
    );
    let kekid = der::tlv(
        SEQUENCE,
        &[&der::tlv(OCTET_STRING, &[key_identifier]), &other],
    );
    let kekri = der::tlv(
        0xa2,
        &[
            &der::tlv(INTEGER, &[&[4]]),
            &kekid,
            &der::tlv(SEQUENCE, &[&der::tlv(OID, &[OID_AES256_WRAP])]),
            &der::tlv(OCTET_STRING, &[encrypted_key]),
        ],
    );
    let gcm = der::tlv(
        SEQUENCE,
        &[
            &der::tlv(OID, &[OID_AES256_GCM]),
            &der::tlv(
                SEQUENCE,
                &[
                    &der::tlv(OCTET_STRING, &[nonce]),
                    &der::tlv(INTEGER, &[&[GCM_TAG_LEN as u8]]),
                ],
            ),
        ],
    );
    let content_tlv = content.map(|c| der::tlv(0x80, &[c])).unwrap_or_default();
    let eci = der::tlv(SEQUENCE, &[&der::tlv(OID, &[OID_DATA]), &gcm, &content_tlv]);
    let env = der::tlv(
        SEQUENCE,
        &[&der::tlv(INTEGER, &[&[2]]), &der::tlv(SET, &[&kekri]), &eci],
    );
    der::tlv(
        SEQUENCE,
        &[
            &der::tlv(OID, &[OID_ENVELOPED_DATA]),
            &der::tlv(0xa0, &[&env]),
        ],
    )
}
