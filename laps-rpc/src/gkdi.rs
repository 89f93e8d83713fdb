//! [MS-GKDI] `ISD_KEY` interface: `GetKey` (opnum 0) request and response stubs, the target
//! security descriptor, and typed HRESULT errors.

use crate::error::{Error, Result};
use crate::ndr::{NdrReader, NdrWriter, TransferSyntax};
use crate::pdu::SyntaxId;
use crate::status;
use laps_crypto::{Guid, Sid};

/// `ISD_KEY` `b9785960-524f-11df-8b6d-83dcded72085` v1.0.
pub const GKDI_INTERFACE: SyntaxId = SyntaxId::new(
    Guid::from_bytes_le([
        0x60, 0x59, 0x78, 0xb9, 0x4f, 0x52, 0xdf, 0x11, 0x8b, 0x6d, 0x83, 0xdc, 0xde, 0xd7, 0x20,
        0x85,
    ]),
    1,
    0,
);
/// `GetKey`'s opnum.
pub const OPNUM_GET_KEY: u16 = 0;
/// Largest target security descriptor accepted (a self-relative SD is at most 64 KiB).
pub const MAX_TARGET_SD: usize = 0x1_0000;
/// Largest Group Key Envelope accepted in a response.
pub const MAX_ENVELOPE: usize = 0x1_0000;

/// The target security descriptor Windows builds from a `SID=` protection descriptor (owner
/// and group `S-1-5-18`, DACL: the SID `0x3`, World `0x2`); laps-crypto's builder.
pub fn target_security_descriptor(sid: &Sid) -> Vec<u8> {
    laps_crypto::sid::target_security_descriptor(sid)
}

/// `GetKey` parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetKeyRequest {
    /// `pbTargetSD`: the self-relative security descriptor the key is for.
    pub target_sd: Vec<u8>,
    /// `pRootKeyID` (`None`: the current root key).
    pub root_key_id: Option<Guid>,
    /// `L0KeyID` (-1: current).
    pub l0: i32,
    /// `L1KeyID` (-1: current).
    pub l1: i32,
    /// `L2KeyID` (-1: current).
    pub l2: i32,
}

impl GetKeyRequest {
    /// The request a decryptor sends for a blob protected to `sid` with key
    /// (`root_key_id`, `l0`, `l1`, `l2`).
    pub fn for_sid(sid: &Sid, root_key_id: Option<Guid>, l0: i32, l1: i32, l2: i32) -> Self {
        GetKeyRequest {
            target_sd: target_security_descriptor(sid),
            root_key_id,
            l0,
            l1,
            l2,
        }
    }

    /// The request an encryptor sends: the current key of `sid` (no root key, every index
    /// -1, as Windows LAPS asks before it encrypts).
    ///
    /// ```
    /// use laps_rpc::gkdi::GetKeyRequest;
    /// let sid = "S-1-5-21-1-2-3-512".parse()?;
    /// assert_eq!(GetKeyRequest::current(&sid), GetKeyRequest::for_sid(&sid, None, -1, -1, -1));
    /// # Ok::<(), laps_crypto::Error>(())
    /// ```
    pub fn current(sid: &Sid) -> Self {
        Self::for_sid(sid, None, -1, -1, -1)
    }

    /// The stub data.
    pub fn encode(&self, syntax: TransferSyntax) -> Vec<u8> {
        let mut w = NdrWriter::new(syntax);
        w.u32(self.target_sd.len() as u32);
        w.size(self.target_sd.len());
        w.bytes(&self.target_sd);
        w.pointer(self.root_key_id.is_some());
        if let Some(g) = &self.root_key_id {
            w.guid(g);
        }
        w.i32(self.l0);
        w.i32(self.l1);
        w.i32(self.l2);
        w.finish()
    }

    /// Parses the stub data; returns the request and the offset where the parameters end (a
    /// verification trailer may follow).
    pub fn decode(syntax: TransferSyntax, stub: &[u8]) -> Result<(Self, usize)> {
        let mut r = NdrReader::new(syntax, stub);
        let cb = r.u32()? as usize;
        let at = r.position();
        let n = r.bounded_size(1, "GetKey request")?;
        if n != cb || n > MAX_TARGET_SD {
            return Err(Error::Malformed {
                structure: "GetKey request",
                offset: at,
                reason: "cbTargetSD differs from the array size or is too large",
            });
        }
        let target_sd = r.bytes(n)?.to_vec();
        let root_key_id = if r.pointer()? { Some(r.guid()?) } else { None };
        let l0 = r.i32()?;
        let l1 = r.i32()?;
        let l2 = r.i32()?;
        Ok((
            GetKeyRequest {
                target_sd,
                root_key_id,
                l0,
                l1,
                l2,
            },
            r.position(),
        ))
    }
}

/// The `GetKey` outcome: a Group Key Envelope ([MS-GKDI] 2.2.4) or a failing HRESULT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GetKeyResponse {
    /// `S_OK` with `ppbOut`: the envelope bytes (parse with
    /// `laps_crypto::GroupKeyEnvelope::parse`).
    Envelope(Vec<u8>),
    /// A non-zero HRESULT.
    Failed(u32),
}

impl GetKeyResponse {
    /// The stub data.
    pub fn encode(&self, syntax: TransferSyntax) -> Vec<u8> {
        let mut w = NdrWriter::new(syntax);
        match self {
            GetKeyResponse::Envelope(b) => {
                w.u32(b.len() as u32);
                w.pointer(true);
                w.size(b.len());
                w.bytes(b);
                w.u32(status::S_OK);
            }
            GetKeyResponse::Failed(hr) => {
                w.u32(0);
                w.pointer(false);
                w.u32(*hr);
            }
        }
        w.finish()
    }

    /// Parses the stub data (auth padding already removed).
    pub fn decode(syntax: TransferSyntax, stub: &[u8]) -> Result<Self> {
        let mut r = NdrReader::new(syntax, stub);
        let cb = r.u32()? as usize;
        let env = if r.pointer()? {
            let at = r.position();
            let n = r.bounded_size(1, "GetKey response")?;
            if n != cb || n > MAX_ENVELOPE {
                return Err(Error::Malformed {
                    structure: "GetKey response",
                    offset: at,
                    reason: "pcbOut differs from the array size or is too large",
                });
            }
            Some(r.bytes(n)?.to_vec())
        } else {
            None
        };
        let hr = r.u32()?;
        match (hr, env) {
            (0, Some(e)) => Ok(GetKeyResponse::Envelope(e)),
            (0, None) => Err(Error::Malformed {
                structure: "GetKey response",
                offset: 0,
                reason: "S_OK without an envelope",
            }),
            (hr, _) => Ok(GetKeyResponse::Failed(hr)),
        }
    }

    /// The envelope bytes, or the HRESULT as a typed error. `target` names the principal of the
    /// request's security descriptor in an access-denied error.
    pub fn into_result(self, target: &str) -> Result<Vec<u8>> {
        match self {
            GetKeyResponse::Envelope(b) => Ok(b),
            GetKeyResponse::Failed(status::E_ACCESSDENIED) => Err(Error::AccessDenied {
                target: target.to_owned(),
            }),
            GetKeyResponse::Failed(hresult) => Err(Error::GetKey { hresult }),
        }
    }
}
