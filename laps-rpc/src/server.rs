//! The responder: server-side state machines answering the endpoint mapper (`ept_map` for
//! `ISD_KEY`) and `ISD_KEY` (`GetKey`) from a [`KeyService`], one [`ServerConnection`] per
//! accepted TCP connection.
//!
//! ```
//! use std::sync::Arc;
//! use laps_rpc::server::{Endpoint, Responder, ResponderConfig};
//! use laps_rpc::keys::KeyService;
//! use laps_rpc::auth::{AcceptorFactory, AuthType, SecurityContext};
//!
//! struct NoAuth;
//! impl AcceptorFactory for NoAuth {
//!     fn new_context(&self, _: AuthType) -> Option<Box<dyn SecurityContext>> { None }
//! }
//! let responder = Responder::new(
//!     ResponderConfig::default(),
//!     KeyService::new(vec![], "contoso.com", "contoso.com"),
//!     Arc::new(NoAuth),
//!     Arc::new(|_: &str| None),
//! );
//! let mut conn = responder.connection(Endpoint::Epm);
//! // for each read: let out = conn.receive(&buf[..n], now)?; write `out`; stop if conn.is_closed()
//! # let _ = &mut conn;
//! ```

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::auth::{AcceptorFactory, AuthLevel, AuthType, SidResolver};
use crate::epm::{EptMapRequest, EptMapResponse, Tower, EPM_INTERFACE, OPNUM_EPT_MAP};
use crate::error::{Error, Result};
use crate::framing::{
    build_call, open_fragment, Framer, Reassembly, Security, DEFAULT_MAX_FRAG, DEFAULT_MAX_MESSAGE,
};
use crate::gkdi::{GetKeyRequest, GetKeyResponse, GKDI_INTERFACE, OPNUM_GET_KEY};
use crate::keys::KeyService;
use crate::ndr::TransferSyntax;
use crate::pdu::{
    self, bind_time_features, flags, result, Bind, BindAck, Body, ContextResult, Fault, Header,
    PacketType, Pdu, SyntaxId,
};
use crate::status;
use crate::verification::{Command, VerificationTrailer};
use laps_core::FileTime;

/// bind_nak reason: authentication type not recognized ([MS-RPCE] 2.2.2.5).
pub const NAK_AUTH_TYPE_NOT_RECOGNIZED: u16 = 8;
/// bind_nak reason: reason not specified.
pub const NAK_REASON_NOT_SPECIFIED: u16 = 0;

/// Responder settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponderConfig {
    /// Largest fragment accepted and sent.
    pub max_frag: u16,
    /// Bound on a reassembled request's stub data.
    pub max_message: usize,
    /// Transfer syntaxes served, in preference order (the first one the client offers wins).
    pub transfer_syntaxes: Vec<TransferSyntax>,
    /// Agree to header signing when the client offers it.
    pub header_signing: bool,
    /// The port `ept_map` reports for `ISD_KEY`.
    pub gkdi_port: u16,
    /// The IPv4 address `ept_map` reports.
    pub gkdi_addr: [u8; 4],
    /// Lowest authentication level GetKey is served at (PKT_PRIVACY, as on Windows).
    pub min_auth_level: AuthLevel,
}

impl Default for ResponderConfig {
    fn default() -> Self {
        ResponderConfig {
            max_frag: DEFAULT_MAX_FRAG,
            max_message: DEFAULT_MAX_MESSAGE,
            transfer_syntaxes: vec![TransferSyntax::Ndr64, TransferSyntax::Ndr],
            header_signing: true,
            gkdi_port: 49700,
            gkdi_addr: [127, 0, 0, 1],
            min_auth_level: AuthLevel::PktPrivacy,
        }
    }
}

/// Which interface a connection serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// The endpoint mapper (port 135): `ept_map`, unauthenticated.
    Epm,
    /// `ISD_KEY`: `GetKey`, authenticated.
    Gkdi,
}

struct Shared {
    config: ResponderConfig,
    keys: KeyService,
    acceptors: Arc<dyn AcceptorFactory>,
    resolver: Arc<dyn SidResolver>,
    get_key_calls: AtomicU64,
    ept_map_calls: AtomicU64,
}

/// The responder: configuration, keys, authentication and counters shared by its connections.
#[derive(Clone)]
pub struct Responder {
    shared: Arc<Shared>,
}

impl core::fmt::Debug for Responder {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Responder")
            .field("config", &self.shared.config)
            .field("keys", &self.shared.keys)
            .finish_non_exhaustive()
    }
}

impl Responder {
    /// A responder serving `keys`, authenticating with contexts from `acceptors` and mapping
    /// client names to SIDs with `resolver`.
    pub fn new(
        config: ResponderConfig,
        keys: KeyService,
        acceptors: Arc<dyn AcceptorFactory>,
        resolver: Arc<dyn SidResolver>,
    ) -> Self {
        Responder {
            shared: Arc::new(Shared {
                config,
                keys,
                acceptors,
                resolver,
                get_key_calls: AtomicU64::new(0),
                ept_map_calls: AtomicU64::new(0),
            }),
        }
    }

    /// A state machine for one accepted connection on `endpoint`.
    pub fn connection(&self, endpoint: Endpoint) -> ServerConnection {
        let max = self.shared.config.max_frag as usize;
        ServerConnection {
            shared: self.shared.clone(),
            endpoint,
            framer: Framer::new(max),
            sec: None,
            accepted: None,
            max_xmit: max,
            bound: false,
            reassembly: None,
            refused: false,
            closed: false,
        }
    }

    /// GetKey calls answered so far (any outcome).
    pub fn get_key_calls(&self) -> u64 {
        self.shared.get_key_calls.load(Ordering::Relaxed)
    }

    /// ept_map calls answered so far.
    pub fn ept_map_calls(&self) -> u64 {
        self.shared.ept_map_calls.load(Ordering::Relaxed)
    }
}

/// The server side of one connection.
pub struct ServerConnection {
    shared: Arc<Shared>,
    endpoint: Endpoint,
    framer: Framer,
    sec: Option<Security>,
    accepted: Option<(u16, TransferSyntax)>,
    max_xmit: usize,
    bound: bool,
    reassembly: Option<(u16, u16, Reassembly)>,
    /// The client's credentials were refused in auth3, which gets no answer: its next request
    /// gets an access-denied fault, as Windows and Samba answer it.
    refused: bool,
    closed: bool,
}

impl core::fmt::Debug for ServerConnection {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ServerConnection")
            .field("endpoint", &self.endpoint)
            .field("accepted", &self.accepted)
            .field("closed", &self.closed)
            .finish_non_exhaustive()
    }
}

fn fault(call_id: u32, context_id: u16, status: u32) -> Vec<u8> {
    Pdu {
        header: Header {
            packet_type: PacketType::Fault,
            flags: flags::FIRST_FRAG | flags::LAST_FRAG | flags::DID_NOT_EXECUTE,
            frag_len: 0,
            auth_len: 0,
            call_id,
        },
        body: Body::Fault(Fault {
            alloc_hint: 0,
            context_id,
            cancel_count: 0,
            status,
        }),
        auth: None,
    }
    .to_bytes()
}

fn bind_nak(call_id: u32, reason: u16) -> Vec<u8> {
    Pdu {
        header: Header {
            packet_type: PacketType::BindNak,
            flags: flags::FIRST_FRAG | flags::LAST_FRAG,
            frag_len: 0,
            auth_len: 0,
            call_id,
        },
        body: Body::BindNak {
            reason,
            versions: vec![(5, 0)],
        },
        auth: None,
    }
    .to_bytes()
}

impl ServerConnection {
    /// True once the connection should be closed (after writing the last output).
    pub fn is_closed(&self) -> bool {
        self.closed
    }

    /// The transfer syntax agreed in the bind.
    pub fn transfer_syntax(&self) -> Option<TransferSyntax> {
        self.accepted.map(|a| a.1)
    }

    /// The authenticated client name, once authentication completed.
    pub fn client_name(&self) -> Option<String> {
        self.sec
            .as_ref()
            .filter(|s| s.complete)
            .and_then(|s| s.ctx.client_name())
    }

    /// Feeds bytes from the client at time `now`; returns the bytes to send (possibly empty).
    /// After an `Err` (hostile or broken input) or when [`is_closed`](Self::is_closed), close
    /// the connection.
    pub fn receive(&mut self, input: &[u8], now: FileTime) -> Result<Vec<u8>> {
        if self.closed {
            return Err(Error::InvalidState("the connection is closed"));
        }
        self.framer.push(input);
        let mut out = Vec::new();
        loop {
            let frag = match self.framer.next_fragment() {
                Ok(Some(f)) => f,
                Ok(None) => return Ok(out),
                Err(e) => {
                    self.closed = true;
                    return Err(e);
                }
            };
            match self.handle(frag, now) {
                Ok(bytes) => out.extend(bytes),
                Err(e) => {
                    self.closed = true;
                    return Err(e);
                }
            }
            if self.closed {
                return Ok(out);
            }
        }
    }

    fn interface(&self) -> SyntaxId {
        match self.endpoint {
            Endpoint::Epm => EPM_INTERFACE,
            Endpoint::Gkdi => GKDI_INTERFACE,
        }
    }

    fn negotiate(&mut self, bind: &Bind) -> Vec<ContextResult> {
        let iface = self.interface();
        let mut results = Vec::with_capacity(bind.contexts.len());
        let mut pick: Option<(usize, u16, TransferSyntax)> = None;
        if self.accepted.is_none() {
            'pref: for want in &self.shared.config.transfer_syntaxes {
                for (i, c) in bind.contexts.iter().enumerate() {
                    if c.abstract_syntax == iface && c.transfer_syntaxes.contains(&want.syntax_id())
                    {
                        pick = Some((i, c.context_id, *want));
                        break 'pref;
                    }
                }
            }
        }
        let zero = SyntaxId::new(laps_crypto::Guid::default(), 0, 0);
        for (i, c) in bind.contexts.iter().enumerate() {
            let feature = c.transfer_syntaxes.iter().find_map(bind_time_features);
            let r = if let Some(f) = feature {
                ContextResult {
                    result: result::NEGOTIATE_ACK,
                    reason: f
                        & (pdu::FEATURE_SECURITY_CONTEXT_MULTIPLEXING
                            | pdu::FEATURE_KEEP_CONNECTION_ON_ORPHAN),
                    transfer_syntax: zero,
                }
            } else if pick.is_some_and(|p| p.0 == i) {
                let (_, id, ts) = pick.expect("checked");
                self.accepted = Some((id, ts));
                ContextResult {
                    result: result::ACCEPTANCE,
                    reason: 0,
                    transfer_syntax: ts.syntax_id(),
                }
            } else if let Some((id, ts)) = self
                .accepted
                .filter(|a| a.0 == c.context_id && c.transfer_syntaxes.contains(&a.1.syntax_id()))
            {
                let _ = id;
                ContextResult {
                    result: result::ACCEPTANCE,
                    reason: 0,
                    transfer_syntax: ts.syntax_id(),
                }
            } else {
                ContextResult {
                    result: result::PROVIDER_REJECTION,
                    reason: if c.abstract_syntax == iface {
                        result::REASON_TRANSFER_SYNTAXES_NOT_SUPPORTED
                    } else {
                        result::REASON_ABSTRACT_SYNTAX_NOT_SUPPORTED
                    },
                    transfer_syntax: zero,
                }
            };
            results.push(r);
        }
        results
    }

    fn handle(&mut self, mut frag: Vec<u8>, now: FileTime) -> Result<Vec<u8>> {
        let header = Header::parse(&frag)?;
        // After refused credentials only the request that learns of it may follow.
        if self.refused && header.packet_type != PacketType::Request {
            return Err(Error::UnexpectedPdu {
                expected: "request",
                got: header.packet_type.name(),
            });
        }
        match header.packet_type {
            PacketType::Bind | PacketType::AlterContext => {
                let alter = header.packet_type == PacketType::AlterContext;
                if alter != self.bound {
                    self.closed = true;
                    return Ok(bind_nak(header.call_id, NAK_REASON_NOT_SPECIFIED));
                }
                let p = Pdu::parse(&frag)?;
                let (Body::Bind(b) | Body::AlterContext(b)) = &p.body else {
                    return Err(Error::InvalidState("bind body"));
                };
                if !alter {
                    self.max_xmit = (b.max_recv_frag as usize)
                        .clamp(pdu::HEADER_LEN + 64, self.shared.config.max_frag as usize);
                }
                let mut token_out = None;
                if let Some(t) = &p.auth {
                    if self.sec.is_none() {
                        let ctx = AuthType::from_code(t.auth_type)
                            .and_then(|a| self.shared.acceptors.new_context(a));
                        let level = AuthLevel::from_code(t.auth_level);
                        let (Some(ctx), Some(level)) = (ctx, level) else {
                            self.closed = true;
                            return Ok(bind_nak(header.call_id, NAK_AUTH_TYPE_NOT_RECOGNIZED));
                        };
                        self.sec = Some(Security {
                            ctx,
                            level,
                            header_signing: self.shared.config.header_signing
                                && header.flags & flags::SUPPORT_HEADER_SIGN != 0,
                            context_id: t.context_id,
                            complete: false,
                        });
                    }
                    let sec = self.sec.as_mut().expect("set above");
                    if !sec.complete {
                        match sec.ctx.step(&t.auth_value) {
                            Ok(step) => {
                                sec.complete = step.complete;
                                token_out = Some(step.token);
                            }
                            Err(_) if !alter => {
                                self.closed = true;
                                return Ok(bind_nak(header.call_id, NAK_REASON_NOT_SPECIFIED));
                            }
                            Err(_) => {
                                self.closed = true;
                                return Ok(fault(
                                    header.call_id,
                                    0,
                                    status::NCA_S_FAULT_ACCESS_DENIED,
                                ));
                            }
                        }
                    }
                }
                let results = self.negotiate(b);
                self.bound = true;
                let mut pfc = flags::FIRST_FRAG | flags::LAST_FRAG;
                if self.sec.as_ref().is_some_and(|s| s.header_signing) {
                    pfc |= flags::SUPPORT_HEADER_SIGN;
                }
                let ack = BindAck {
                    max_xmit_frag: self.max_xmit as u16,
                    max_recv_frag: self.shared.config.max_frag,
                    assoc_group: 0x1234_5678,
                    sec_addr: if alter {
                        String::new()
                    } else {
                        match self.endpoint {
                            Endpoint::Epm => "135".into(),
                            Endpoint::Gkdi => self.shared.config.gkdi_port.to_string(),
                        }
                    },
                    results,
                };
                let auth = match (&self.sec, token_out) {
                    (Some(s), Some(t)) if !t.is_empty() => Some(s.token_trailer(t)),
                    _ => None,
                };
                Ok(Pdu {
                    header: Header {
                        packet_type: if alter {
                            PacketType::AlterContextResp
                        } else {
                            PacketType::BindAck
                        },
                        flags: pfc,
                        frag_len: 0,
                        auth_len: 0,
                        call_id: header.call_id,
                    },
                    body: if alter {
                        Body::AlterContextResp(ack)
                    } else {
                        Body::BindAck(ack)
                    },
                    auth,
                }
                .to_bytes())
            }
            PacketType::Auth3 => {
                let p = Pdu::parse(&frag)?;
                let (Some(sec), Some(t)) = (self.sec.as_mut(), p.auth) else {
                    return Err(Error::UnexpectedPdu {
                        expected: "request",
                        got: "auth3",
                    });
                };
                if !sec.complete {
                    // A refusal is answered at the next request (below), so that the client
                    // learns its credentials were refused rather than seeing the connection drop.
                    match sec.ctx.step(&t.auth_value) {
                        Ok(step) => sec.complete = step.complete,
                        Err(_) => self.refused = true,
                    }
                }
                Ok(Vec::new())
            }
            PacketType::Request => self.request(&mut frag, &header, now),
            PacketType::Shutdown | PacketType::Orphaned | PacketType::CoCancel => {
                self.closed = true;
                Ok(Vec::new())
            }
            other => Err(Error::UnexpectedPdu {
                expected: "bind, alter_context, auth3 or request",
                got: other.name(),
            }),
        }
    }

    fn request(&mut self, frag: &mut [u8], header: &Header, now: FileTime) -> Result<Vec<u8>> {
        if !self.bound {
            return Err(Error::UnexpectedPdu {
                expected: "bind",
                got: "request",
            });
        }
        if header.flags & flags::OBJECT_UUID != 0 {
            return Ok(fault(header.call_id, 0, status::NCA_S_PROTO_ERROR));
        }
        let p = pdu::Cursor::new(frag, pdu::HEADER_LEN, "request");
        let mut c = p;
        let _hint = c.u32()?;
        let context_id = c.u16()?;
        let opnum = c.u16()?;
        if self.refused
            || self
                .sec
                .as_ref()
                .is_some_and(|s| s.protects() && !s.complete)
        {
            self.closed = true;
            return Ok(fault(
                header.call_id,
                context_id,
                status::NCA_S_FAULT_ACCESS_DENIED,
            ));
        }
        let part = match open_fragment(frag, header, pdu::REQUEST_HEADER_LEN, self.sec.as_mut()) {
            Ok(p) => p,
            Err(Error::Auth(_)) => {
                self.closed = true;
                return Ok(fault(
                    header.call_id,
                    context_id,
                    status::NCA_S_FAULT_SEC_PKG_ERROR,
                ));
            }
            Err(e) => return Err(e),
        };
        let first = header.flags & flags::FIRST_FRAG != 0;
        let last = header.flags & flags::LAST_FRAG != 0;
        match (&mut self.reassembly, first) {
            (None, true) => {
                self.reassembly = Some((
                    context_id,
                    opnum,
                    Reassembly::new(header.call_id, self.shared.config.max_message),
                ))
            }
            (Some((_, _, re)), false) if re.call_id == header.call_id => {}
            _ => {
                return Err(Error::Malformed {
                    structure: "request",
                    offset: 3,
                    reason: "fragment out of sequence",
                })
            }
        }
        let (_, _, re) = self.reassembly.as_mut().expect("set above");
        re.add(&part)?;
        if !last {
            return Ok(Vec::new());
        }
        let (context_id, opnum, re) = self.reassembly.take().expect("set above");
        let Some((bound_id, ts)) = self.accepted.filter(|a| a.0 == context_id) else {
            return Ok(fault(header.call_id, context_id, status::NCA_S_UNK_IF));
        };
        let _ = bound_id;
        let answer = match (self.endpoint, opnum) {
            (Endpoint::Epm, OPNUM_EPT_MAP) => self.ept_map(ts, &re.stub),
            (Endpoint::Gkdi, OPNUM_GET_KEY) => self.get_key(ts, &re.stub, header, context_id, now),
            _ => Err(status::NCA_S_OP_RNG_ERROR),
        };
        match answer {
            Ok(mut stub) => {
                let out = build_call(
                    PacketType::Response,
                    header.call_id,
                    self.max_xmit,
                    &stub,
                    |hint| {
                        let mut p = hint.to_le_bytes().to_vec();
                        p.extend_from_slice(&context_id.to_le_bytes());
                        p.extend_from_slice(&[0, 0]);
                        p
                    },
                    self.sec.as_mut(),
                );
                // The stub holds seed keys in clear (GetKey); the sealed copy is what leaves.
                zeroize::Zeroize::zeroize(&mut stub);
                out
            }
            Err(code) => Ok(fault(header.call_id, context_id, code)),
        }
    }

    fn ept_map(&self, ts: TransferSyntax, stub: &[u8]) -> core::result::Result<Vec<u8>, u32> {
        let req = EptMapRequest::decode(ts, stub).map_err(|_| status::NCA_S_FAULT_NDR)?;
        self.shared.ept_map_calls.fetch_add(1, Ordering::Relaxed);
        let cfg = &self.shared.config;
        let towers = match (req.tower.interface(), req.tower.transfer_syntax()) {
            (Some(i), Some(t)) if i.uuid == GKDI_INTERFACE.uuid => {
                vec![Tower::tcp(
                    &GKDI_INTERFACE,
                    &t,
                    cfg.gkdi_port,
                    cfg.gkdi_addr,
                )]
            }
            _ => Vec::new(),
        };
        let status = if towers.is_empty() {
            status::EPT_S_NOT_REGISTERED
        } else {
            0
        };
        Ok(EptMapResponse {
            entry_handle: Default::default(),
            towers,
            status,
        }
        .encode(ts, req.max_towers))
    }

    fn get_key(
        &self,
        ts: TransferSyntax,
        stub: &[u8],
        header: &Header,
        context_id: u16,
        now: FileTime,
    ) -> core::result::Result<Vec<u8>, u32> {
        let min = self.shared.config.min_auth_level;
        let Some(sec) = self.sec.as_ref().filter(|s| s.complete && s.level >= min) else {
            return Err(status::NCA_S_FAULT_ACCESS_DENIED);
        };
        let (req, end) = GetKeyRequest::decode(ts, stub).map_err(|_| status::NCA_S_FAULT_NDR)?;
        if let Some(vt) = VerificationTrailer::find(&stub[end..]) {
            let vt = VerificationTrailer::parse(vt).map_err(|_| status::NCA_S_PROTO_ERROR)?;
            for c in &vt.commands {
                let ok = match c {
                    Command::PContext {
                        interface,
                        transfer_syntax,
                    } => *interface == GKDI_INTERFACE && *transfer_syntax == ts.syntax_id(),
                    Command::Header2 {
                        packet_type,
                        call_id,
                        context_id: cid,
                        opnum,
                    } => {
                        *packet_type == PacketType::Request.code()
                            && *call_id == header.call_id
                            && *cid == context_id
                            && *opnum == OPNUM_GET_KEY
                    }
                    _ => true,
                };
                if !ok {
                    return Err(status::NCA_S_PROTO_ERROR);
                }
            }
        }
        self.shared.get_key_calls.fetch_add(1, Ordering::Relaxed);
        let sids = sec.ctx.client_sids().or_else(|| {
            sec.ctx
                .client_name()
                .and_then(|n| self.shared.resolver.sids(&n))
        });
        let resp = match sids {
            Some(sids) => self.shared.keys.get_key(&req, &sids, now),
            None => GetKeyResponse::Failed(status::E_ACCESSDENIED),
        };
        let stub = resp.encode(ts);
        if let GetKeyResponse::Envelope(mut e) = resp {
            zeroize::Zeroize::zeroize(&mut e);
        }
        Ok(stub)
    }
}
