//! The authentication contract: what the state machines of this crate ask of a GSS/SSPI
//! security context, and what the responder asks of the application to learn a caller's SIDs.
//!
//! This crate holds no NTLM or Kerberos code. An I/O crate (laps-client, with the `sspi`
//! crate) implements [`SecurityContext`]; the state machines call it to build and check the
//! `auth_value` of bind / alter_context / auth3 PDUs and to seal or sign request and response
//! PDUs ([MS-RPCE] 2.2.2.11, 3.3.1.5).
//!
//! # What `pdu` and `data` are
//!
//! [`SecurityContext::seal`], [`unseal`](SecurityContext::unseal), [`sign`](SecurityContext::sign)
//! and [`verify`](SecurityContext::verify) receive the whole PDU from the first byte of the
//! common header through the end of the 8-byte `sec_trailer`, **without** the `auth_value`.
//! Its `frag_length` and `auth_length` fields already hold their final values (they count the
//! `auth_value` of length [`SecurityContext::signature_len`]). `data` is the range of the stub
//! data plus the auth padding that precedes the `sec_trailer`: this range is encrypted by `seal`
//! and decrypted by `unseal`.
//!
//! What the signature covers besides `data` ([MS-RPCE] 3.3.1.5.2.2, Samba
//! `librpc/rpc/dcerpc_util.c` and `auth/gensec`):
//! * `header_signing == true` (both sides set `PFC_SUPPORT_HEADER_SIGN` in the bind): the bytes
//!   before and after `data` are passed as `SECBUFFER_READONLY_WITH_CHECKSUM` (GSS "sign only"),
//!   so the header and the `sec_trailer` are covered by the checksum.
//! * `header_signing == false`: they are passed as `SECBUFFER_READONLY`. NTLM signs them anyway
//!   (its MAC covers every buffer: Samba `ntlmssp_seal_packet(data, whole_pdu)` signs
//!   `whole_pdu`); Kerberos (RFC 4121 wrap tokens) does not, only `data` is covered.
//!
//! The state machines call the four functions in PDU order: one call per PDU sent or received,
//! so sequence numbers kept by the context stay in step with the peer.

use core::fmt;
use core::ops::Range;

use laps_crypto::Sid;

/// RPC `auth_type` values ([MS-RPCE] 2.2.1.1.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthType {
    /// `RPC_C_AUTHN_GSS_NEGOTIATE` (9): SPNEGO, negotiating Kerberos or NTLM.
    Spnego,
    /// `RPC_C_AUTHN_WINNT` (10): NTLM.
    Ntlm,
    /// `RPC_C_AUTHN_GSS_KERBEROS` (16): Kerberos.
    Kerberos,
}

impl AuthType {
    /// The wire value of the `auth_type` field of the `sec_trailer`.
    pub const fn code(self) -> u8 {
        match self {
            AuthType::Spnego => 9,
            AuthType::Ntlm => 10,
            AuthType::Kerberos => 16,
        }
    }

    /// The auth type with this wire value, if this crate knows it.
    pub const fn from_code(code: u8) -> Option<Self> {
        match code {
            9 => Some(AuthType::Spnego),
            10 => Some(AuthType::Ntlm),
            16 => Some(AuthType::Kerberos),
            _ => None,
        }
    }

    /// The names a caller chooses a mechanism by (dpapi-ng's `auth_protocol`, the CLI's
    /// `--auth`, Node's `auth`).
    pub const NAMES: [&'static str; 3] = ["negotiate", "kerberos", "ntlm"];

    /// `negotiate` (SPNEGO), `kerberos` or `ntlm`.
    pub const fn name(self) -> &'static str {
        match self {
            AuthType::Spnego => "negotiate",
            AuthType::Kerberos => "kerberos",
            AuthType::Ntlm => "ntlm",
        }
    }
}

impl std::str::FromStr for AuthType {
    type Err = laps_core::UnknownName;

    /// Parses a [`name`](AuthType::name), ASCII case-insensitive.
    ///
    /// ```
    /// use laps_rpc::auth::AuthType;
    /// assert_eq!("NTLM".parse(), Ok(AuthType::Ntlm));
    /// assert_eq!("negotiate".parse(), Ok(AuthType::Spnego));
    /// let e = "basic".parse::<AuthType>().unwrap_err();
    /// assert_eq!(e.to_string(), "unknown auth protocol \"basic\" (expected negotiate, kerberos or ntlm)");
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [AuthType::Spnego, AuthType::Kerberos, AuthType::Ntlm]
            .into_iter()
            .find(|t| t.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| laps_core::UnknownName::new("auth protocol", s, &Self::NAMES))
    }
}

/// RPC `auth_level` values ([MS-RPCE] 2.2.1.1.8) that this crate uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum AuthLevel {
    /// `RPC_C_AUTHN_LEVEL_NONE` (1): no authentication (the EPM connection).
    None,
    /// `RPC_C_AUTHN_LEVEL_CONNECT` (2): authenticated bind, no per-PDU protection.
    Connect,
    /// `RPC_C_AUTHN_LEVEL_PKT_INTEGRITY` (5): every request and response PDU is signed.
    PktIntegrity,
    /// `RPC_C_AUTHN_LEVEL_PKT_PRIVACY` (6): every request and response PDU is sealed
    /// (encrypted and signed). GetKey requires it.
    PktPrivacy,
}

impl AuthLevel {
    /// The wire value of the `auth_level` field of the `sec_trailer`.
    pub const fn code(self) -> u8 {
        match self {
            AuthLevel::None => 1,
            AuthLevel::Connect => 2,
            AuthLevel::PktIntegrity => 5,
            AuthLevel::PktPrivacy => 6,
        }
    }

    /// The auth level with this wire value, if this crate knows it.
    pub const fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(AuthLevel::None),
            2 => Some(AuthLevel::Connect),
            5 => Some(AuthLevel::PktIntegrity),
            6 => Some(AuthLevel::PktPrivacy),
            _ => None,
        }
    }
}

/// One step of context establishment.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthStep {
    /// The token to send to the peer; empty when there is nothing to send.
    pub token: Vec<u8>,
    /// `true` once the context is established on this side (the token, if not empty, still
    /// has to be sent).
    pub complete: bool,
}

impl fmt::Debug for AuthStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthStep")
            .field("token_len", &self.token.len())
            .field("complete", &self.complete)
            .finish()
    }
}

/// An error from a [`SecurityContext`]. Messages never contain secrets (passwords, keys,
/// session keys, tokens).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The peer or the credentials were rejected (wrong password, unknown user, no ticket,
    /// clock skew, ...). The message says which, without secrets.
    #[error("authentication failed: {0}")]
    Rejected(String),
    /// A token from the peer is malformed or of an unexpected kind.
    #[error("invalid authentication token: {0}")]
    InvalidToken(String),
    /// A signature (auth_value) did not verify, or sealed data did not decrypt.
    #[error("message signature check failed")]
    BadSignature,
    /// `seal`/`sign`/`unseal`/`verify`/`signature_len` was called before the context was
    /// complete.
    #[error("the security context is not established")]
    NotEstablished,
    /// Any other failure of the security provider.
    #[error("security provider error: {0}")]
    Other(String),
}

/// A GSS/SSPI security context as connection-oriented DCE/RPC uses it ([MS-RPCE] 3.3.1.5).
///
/// See the [module documentation](self) for the exact meaning of `pdu`, `data` and
/// `header_signing`.
pub trait SecurityContext: Send {
    /// The `auth_type` written in every `sec_trailer`.
    fn auth_type(&self) -> AuthType;

    /// Advances context establishment.
    ///
    /// Client: the first call gets an empty `input` and returns the token for the bind; later
    /// calls get the server's token from bind_ack / alter_context_resp.
    /// Server: the first call gets the client's first token (from the bind), later calls the
    /// tokens of auth3 / alter_context.
    ///
    /// The state machines stop calling `step` once it returned `complete: true`: a final token
    /// the peer sends after that (e.g. SPNEGO's accept-completed with mechListMIC when the
    /// client already reported completion) is not passed on, so a context that must verify it
    /// should report `complete: false` until it has. A completed client step with a token
    /// sends it in auth3 for [`AuthType::Ntlm`] (no answer) and in alter_context otherwise.
    fn step(&mut self, input: &[u8]) -> Result<AuthStep, AuthError>;

    /// Length of the `auth_value` that [`seal`](Self::seal) and [`sign`](Self::sign) produce
    /// (valid once the context is complete). The state machines size the PDU with it before
    /// calling `seal`/`sign`; the returned value must have exactly this length.
    fn signature_len(&self) -> usize;

    /// PKT_PRIVACY: encrypts `pdu[data]` (stub data + auth padding) in place and returns the
    /// `auth_value`.
    fn seal(
        &mut self,
        pdu: &mut [u8],
        data: Range<usize>,
        header_signing: bool,
    ) -> Result<Vec<u8>, AuthError>;

    /// PKT_PRIVACY: checks `auth_value` and decrypts `pdu[data]` in place.
    fn unseal(
        &mut self,
        pdu: &mut [u8],
        data: Range<usize>,
        header_signing: bool,
        auth_value: &[u8],
    ) -> Result<(), AuthError>;

    /// PKT_INTEGRITY: returns the `auth_value` signing `pdu` (see the module docs for coverage).
    fn sign(
        &mut self,
        pdu: &[u8],
        data: Range<usize>,
        header_signing: bool,
    ) -> Result<Vec<u8>, AuthError>;

    /// PKT_INTEGRITY: checks `auth_value` against `pdu`.
    fn verify(
        &mut self,
        pdu: &[u8],
        data: Range<usize>,
        header_signing: bool,
        auth_value: &[u8],
    ) -> Result<(), AuthError>;

    /// Server side, once complete: the authenticated client, e.g. `"CONTOSO\\helpdesk"` or
    /// `"helpdesk@CONTOSO.COM"`.
    fn client_name(&self) -> Option<String> {
        None
    }

    /// Server side, once complete: the SIDs of the client's token when the authentication
    /// itself carries them (a Kerberos ticket's PAC). `None`: the responder asks its
    /// [`SidResolver`] for [`client_name`](Self::client_name)'s SIDs.
    fn client_sids(&self) -> Option<Vec<Sid>> {
        None
    }
}

impl<T: SecurityContext + ?Sized> SecurityContext for Box<T> {
    fn auth_type(&self) -> AuthType {
        (**self).auth_type()
    }
    fn step(&mut self, input: &[u8]) -> Result<AuthStep, AuthError> {
        (**self).step(input)
    }
    fn signature_len(&self) -> usize {
        (**self).signature_len()
    }
    fn seal(
        &mut self,
        pdu: &mut [u8],
        data: Range<usize>,
        header_signing: bool,
    ) -> Result<Vec<u8>, AuthError> {
        (**self).seal(pdu, data, header_signing)
    }
    fn unseal(
        &mut self,
        pdu: &mut [u8],
        data: Range<usize>,
        header_signing: bool,
        auth_value: &[u8],
    ) -> Result<(), AuthError> {
        (**self).unseal(pdu, data, header_signing, auth_value)
    }
    fn sign(
        &mut self,
        pdu: &[u8],
        data: Range<usize>,
        header_signing: bool,
    ) -> Result<Vec<u8>, AuthError> {
        (**self).sign(pdu, data, header_signing)
    }
    fn verify(
        &mut self,
        pdu: &[u8],
        data: Range<usize>,
        header_signing: bool,
        auth_value: &[u8],
    ) -> Result<(), AuthError> {
        (**self).verify(pdu, data, header_signing, auth_value)
    }
    fn client_name(&self) -> Option<String> {
        (**self).client_name()
    }
    fn client_sids(&self) -> Option<Vec<Sid>> {
        (**self).client_sids()
    }
}

/// Server side: creates a fresh [`SecurityContext`] for each connection that binds with a
/// given `auth_type` (the lab KDS's NTLM acceptor, for example).
pub trait AcceptorFactory: Send + Sync {
    /// A new server-side context for `auth_type`, or `None` if this type is not served (the
    /// responder then answers the bind with bind_nak "authentication type not recognized").
    fn new_context(&self, auth_type: AuthType) -> Option<Box<dyn SecurityContext>>;
}

/// Server side: maps the authenticated client name ([`SecurityContext::client_name`]) to the
/// SIDs of its token (user SID, group SIDs, well-known SIDs such as Authenticated Users) for the
/// [MS-DTYP] access check of GetKey. `None`: unknown caller (GetKey then fails with
/// access denied).
///
/// Any `Fn(&str) -> Option<Vec<Sid>>` closure is a resolver.
pub trait SidResolver: Send + Sync {
    /// The SIDs of `client_name`'s token, or `None` if the name is not known.
    fn sids(&self, client_name: &str) -> Option<Vec<Sid>>;
}

impl<F> SidResolver for F
where
    F: Fn(&str) -> Option<Vec<Sid>> + Send + Sync,
{
    fn sids(&self, client_name: &str) -> Option<Vec<Sid>> {
        self(client_name)
    }
}
