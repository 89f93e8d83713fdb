//! The lab server's NTLM acceptor: sspi's NTLM server plus an NTLMv2 response check against
//! an [`AccountTable`].
//!
//! sspi's NTLM server derives the session keys from the password it is given and checks the
//! MIC when the client sends one; it does not compare the client's NTLMv2 response
//! (`NTProofStr`, [MS-NLMP] 3.3.2) itself. This acceptor does, before completing the context,
//! so a wrong password fails at auth3 with [`AuthError::Rejected`] rather than at the first
//! sealed request.

use std::fmt;
use std::sync::Arc;

use hmac::{Hmac, KeyInit, Mac};
use laps_rpc::auth::{AuthError, AuthStep, AuthType, SecurityContext};
use md4::{Digest, Md4};
use md5::Md5;
use sspi::{
    AuthIdentity, AuthIdentityBuffers, BufferType, DataRepresentation, Ntlm, Secret,
    SecurityBuffer, SecurityStatus, ServerRequestFlags, Sspi, SspiEx, SspiImpl, Username,
};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::accounts::AccountTable;
use crate::protect::{auth_error, unexpected_status, Coverage};

/// `NTLMSSP_NEGOTIATE_UNICODE`.
const NEGOTIATE_UNICODE: u32 = 0x1;
/// The NTLMv2 response is `NTProofStr` (16 bytes) then at least the 28-byte fixed part of
/// `NTLMv2_CLIENT_CHALLENGE` ([MS-NLMP] 2.2.2.7).
const MIN_NTLMV2_RESPONSE: usize = 16 + 28;
/// NTLM's `auth_value` (NTLMSSP_MESSAGE_SIGNATURE) length.
const NTLM_SIGNATURE_LEN: usize = 16;

/// The user, domain and NT response of an AUTHENTICATE message ([MS-NLMP] 2.2.1.3).
struct Authenticate<'a> {
    user: String,
    domain: String,
    nt_response: &'a [u8],
}

fn field(msg: &[u8], at: usize) -> Result<&[u8], AuthError> {
    let bad = || AuthError::InvalidToken(format!("AUTHENTICATE field at byte {at} out of bounds"));
    let hdr = msg.get(at..at + 8).ok_or_else(bad)?;
    let len = usize::from(u16::from_le_bytes([hdr[0], hdr[1]]));
    let off = u32::from_le_bytes([hdr[4], hdr[5], hdr[6], hdr[7]]) as usize;
    msg.get(off..off.checked_add(len).ok_or_else(bad)?)
        .ok_or_else(bad)
}

fn text(bytes: &[u8], unicode: bool) -> Result<String, AuthError> {
    if unicode {
        if !bytes.len().is_multiple_of(2) {
            return Err(AuthError::InvalidToken("odd-length UTF-16 name".into()));
        }
        let units: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16(&units)
            .map_err(|_| AuthError::InvalidToken("invalid UTF-16 name".into()))
    } else {
        Ok(bytes.iter().map(|&b| char::from(b)).collect())
    }
}

fn parse_authenticate(msg: &[u8]) -> Result<Authenticate<'_>, AuthError> {
    if msg.len() < 64 || &msg[..8] != b"NTLMSSP\0" || msg[8..12] != 3u32.to_le_bytes() {
        return Err(AuthError::InvalidToken(
            "not an NTLM AUTHENTICATE message".into(),
        ));
    }
    let flags = u32::from_le_bytes([msg[60], msg[61], msg[62], msg[63]]);
    let unicode = flags & NEGOTIATE_UNICODE != 0;
    Ok(Authenticate {
        nt_response: field(msg, 20)?,
        domain: text(field(msg, 28)?, unicode)?,
        user: text(field(msg, 36)?, unicode)?,
    })
}

fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn hmac_md5(key: &[u8], parts: &[&[u8]]) -> [u8; 16] {
    // HMAC accepts keys of any length.
    let mut mac = <Hmac<Md5> as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

/// `NTOWFv2` ([MS-NLMP] 3.3.2): HMAC-MD5(MD4(UTF-16LE(password)), UTF-16LE(UPPER(user) + domain)).
fn ntowf_v2(password: &str, user: &str, domain: &str) -> Zeroizing<[u8; 16]> {
    let pw = Zeroizing::new(utf16le(password));
    let nt_hash = Zeroizing::new(<[u8; 16]>::from(Md4::digest(&*pw)));
    let mut ident = utf16le(&user.to_uppercase());
    ident.extend(utf16le(domain));
    Zeroizing::new(hmac_md5(&*nt_hash, &[&ident]))
}

/// Whether `nt_response` is the NTLMv2 response of `password` for `user`/`domain` to
/// `server_challenge` (constant-time comparison of `NTProofStr`).
fn ntlmv2_response_ok(
    password: &str,
    user: &str,
    domain: &str,
    server_challenge: &[u8; 8],
    nt_response: &[u8],
) -> bool {
    if nt_response.len() < MIN_NTLMV2_RESPONSE {
        return false;
    }
    let (proof, blob) = nt_response.split_at(16);
    let key = ntowf_v2(password, user, domain);
    let expected = hmac_md5(&*key, &[server_challenge, blob]);
    bool::from(expected.ct_eq(proof))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Negotiate,
    Authenticate,
    Complete,
    Failed,
}

/// A server-side NTLM context for one connection of the lab server.
pub struct NtlmAcceptor {
    ntlm: Ntlm,
    accounts: Arc<AccountTable>,
    state: State,
    server_challenge: [u8; 8],
    client_name: Option<String>,
}

impl fmt::Debug for NtlmAcceptor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NtlmAcceptor")
            .field("state", &self.state)
            .field("client_name", &self.client_name)
            .finish_non_exhaustive()
    }
}

impl NtlmAcceptor {
    /// An acceptor that authenticates the accounts of `accounts`.
    pub fn new(accounts: Arc<AccountTable>) -> Self {
        Self {
            ntlm: Ntlm::new(),
            accounts,
            state: State::Negotiate,
            server_challenge: [0; 8],
            client_name: None,
        }
    }

    fn accept(&mut self, input: &[u8]) -> Result<(SecurityStatus, Vec<u8>), AuthError> {
        let mut input = [SecurityBuffer::new(input.to_vec(), BufferType::Token)];
        let mut output = [SecurityBuffer::new(Vec::new(), BufferType::Token)];
        let mut handle: Option<AuthIdentityBuffers> = None;
        let builder = self
            .ntlm
            .accept_security_context()
            .with_credentials_handle(&mut handle)
            .with_context_requirements(ServerRequestFlags::empty())
            .with_target_data_representation(DataRepresentation::Native)
            .with_input(&mut input)
            .with_output(&mut output);
        let result = self
            .ntlm
            .accept_security_context_impl(builder)
            .map_err(|e| auth_error(&e))?
            .resolve_to_result()
            .map_err(|e| auth_error(&e))?;
        Ok((result.status, std::mem::take(&mut output[0].buffer)))
    }

    fn authenticate(&mut self, input: &[u8]) -> Result<(), AuthError> {
        let msg = parse_authenticate(input)?;
        let who = if msg.domain.is_empty() {
            msg.user.clone()
        } else {
            format!("{}\\{}", msg.domain, msg.user)
        };
        let rejected = || AuthError::Rejected(format!("logon failure for {who}"));
        let account = self
            .accounts
            .find(&msg.user, &msg.domain)
            .ok_or_else(rejected)?;
        let password = account.password().ok_or_else(rejected)?;
        if !ntlmv2_response_ok(
            password,
            &msg.user,
            &msg.domain,
            &self.server_challenge,
            msg.nt_response,
        ) {
            return Err(rejected());
        }
        let name = account.name();
        let identity = AuthIdentity {
            username: Username::parse(&msg.user).map_err(|_| rejected())?,
            password: Secret::from(password.to_owned()),
        };
        let (status, _) = self.accept(input)?;
        if status != SecurityStatus::CompleteNeeded && status != SecurityStatus::Ok {
            return Err(unexpected_status(status));
        }
        self.ntlm
            .custom_set_auth_identity(identity)
            .map_err(|e| auth_error(&e))?;
        self.ntlm
            .complete_auth_token(&mut [])
            .map_err(|e| auth_error(&e))?;
        self.client_name = Some(name);
        Ok(())
    }

    fn protection(&mut self) -> Result<(&mut Ntlm, Coverage, usize), AuthError> {
        if self.state == State::Complete {
            Ok((&mut self.ntlm, Coverage::WholePdu, NTLM_SIGNATURE_LEN))
        } else {
            Err(AuthError::NotEstablished)
        }
    }
}

impl SecurityContext for NtlmAcceptor {
    fn auth_type(&self) -> AuthType {
        AuthType::Ntlm
    }

    fn step(&mut self, input: &[u8]) -> Result<AuthStep, AuthError> {
        match self.state {
            State::Negotiate => {
                let (_, token) = self
                    .accept(input)
                    .inspect_err(|_| self.state = State::Failed)?;
                let challenge = token
                    .get(24..32)
                    .ok_or_else(|| AuthError::Other("short CHALLENGE message".into()))?;
                self.server_challenge.copy_from_slice(challenge);
                self.state = State::Authenticate;
                Ok(AuthStep {
                    token,
                    complete: false,
                })
            }
            State::Authenticate => match self.authenticate(input) {
                Ok(()) => {
                    self.state = State::Complete;
                    Ok(AuthStep {
                        token: Vec::new(),
                        complete: true,
                    })
                }
                Err(e) => {
                    self.state = State::Failed;
                    Err(e)
                }
            },
            State::Complete | State::Failed => {
                Err(AuthError::Other("NTLM exchange already finished".into()))
            }
        }
    }

    fn signature_len(&self) -> usize {
        NTLM_SIGNATURE_LEN
    }

    crate::protect::protected_by!(protection);

    fn client_name(&self) -> Option<String> {
        self.client_name.clone()
    }
}
