//! Client state machines: a generic connection-oriented DCE/RPC association
//! ([`ClientConnection`]), the endpoint-mapper lookup ([`EpmLookup`]) and the `ISD_KEY`
//! client ([`GkdiClient`]).
//!
//! They never touch a socket: [`start`](ClientConnection::start) returns the first bytes to
//! send; [`receive`](ClientConnection::receive) takes whatever arrived (a partial PDU, one PDU
//! or several) and returns a [`Step`]. The I/O layer owns timeouts.

use crate::auth::{AuthLevel, AuthType, SecurityContext};
use crate::epm::{EptMapRequest, EptMapResponse, EPM_INTERFACE, OPNUM_EPT_MAP};
use crate::error::{Error, Result};
use crate::framing::{
    build_call, open_fragment, Framer, Reassembly, Security, DEFAULT_MAX_FRAG, DEFAULT_MAX_MESSAGE,
};
use crate::gkdi::{GetKeyRequest, GetKeyResponse, GKDI_INTERFACE, OPNUM_GET_KEY};
use crate::ndr::TransferSyntax;
use crate::pdu::{
    self, bind_time_feature_syntax, flags, Bind, BindAck, Body, ContextElement, Header, PacketType,
    Pdu, SyntaxId,
};
use crate::status;
use crate::verification::{Command, VerificationTrailer};

/// Client settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    /// Largest fragment sent and accepted (`max_xmit_frag` / `max_recv_frag`).
    pub max_frag: u16,
    /// Bound on a reassembled response's stub data.
    pub max_message: usize,
    /// Transfer syntaxes proposed, one presentation context each, in preference order.
    pub transfer_syntaxes: Vec<TransferSyntax>,
    /// Propose bind-time feature negotiation ([MS-RPCE] 3.3.1.5.3) as an extra context.
    pub bind_time_features: bool,
    /// Offer header signing (`PFC_SUPPORT_HEADER_SIGN`) when authenticating.
    pub header_signing: bool,
    /// Append a verification trailer (`SEC_VT_COMMAND_PCONTEXT`) to protected requests.
    pub verification_trailer: bool,
    /// Authentication level when a security context is given (GetKey needs PKT_PRIVACY).
    pub auth_level: AuthLevel,
}

impl Default for ClientConfig {
    /// NDR64 then NDR, feature negotiation, header signing, verification trailer, PKT_PRIVACY,
    /// 5840-byte fragments, 1 MiB messages.
    fn default() -> Self {
        ClientConfig {
            max_frag: DEFAULT_MAX_FRAG,
            max_message: DEFAULT_MAX_MESSAGE,
            transfer_syntaxes: vec![TransferSyntax::Ndr64, TransferSyntax::Ndr],
            bind_time_features: true,
            header_signing: true,
            verification_trailer: true,
            auth_level: AuthLevel::PktPrivacy,
        }
    }
}

/// What to do after feeding bytes to a state machine.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Step<T> {
    /// Read more bytes from the peer and call `receive` again.
    NeedMore,
    /// Send these bytes, then read the answer.
    Send(Vec<u8>),
    /// The association is established: send these bytes (may be empty, e.g. an auth3 that
    /// gets no answer), after which calls can be made.
    Ready(Vec<u8>),
    /// The call finished with this result.
    Done(T),
}

#[derive(Debug)]
enum State {
    Start,
    AwaitBindAck,
    AwaitAlterResp,
    Ready,
    AwaitResponse(Reassembly),
    Failed,
}

/// One client association over one connection: bind (with authentication), then calls.
///
/// ```
/// use laps_rpc::client::{ClientConfig, ClientConnection, Step};
/// use laps_rpc::epm::EPM_INTERFACE;
///
/// let mut conn = ClientConnection::new(EPM_INTERFACE, ClientConfig::default(), None);
/// let bind = conn.start()?; // send these bytes on the TCP connection
/// assert_eq!(bind[2], 11); // a bind PDU
/// // feed bytes read from the socket to conn.receive(&buf[..n]) until Step::Ready(bytes),
/// // then conn.call(opnum, &stub) and receive() until Step::Done(response_stub).
/// # Ok::<(), laps_rpc::Error>(())
/// ```
pub struct ClientConnection {
    interface: SyntaxId,
    config: ClientConfig,
    sec: Option<Security>,
    state: State,
    framer: Framer,
    next_call_id: u32,
    offered: Vec<(u16, TransferSyntax)>,
    accepted: Option<(u16, TransferSyntax)>,
    max_xmit: usize,
    features: Option<u16>,
    /// A call of this association was answered (a response or a fault).
    answered: bool,
}

impl core::fmt::Debug for ClientConnection {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ClientConnection")
            .field("interface", &self.interface)
            .field("state", &self.state)
            .field("accepted", &self.accepted)
            .finish_non_exhaustive()
    }
}

impl ClientConnection {
    /// A connection to `interface`; `auth`: the security context (None: unauthenticated, as
    /// for the endpoint mapper).
    pub fn new(
        interface: SyntaxId,
        config: ClientConfig,
        auth: Option<Box<dyn SecurityContext>>,
    ) -> Self {
        let level = config.auth_level;
        let max = config.max_frag as usize;
        ClientConnection {
            interface,
            sec: auth.map(|ctx| Security {
                ctx,
                level,
                header_signing: false,
                context_id: 0,
                complete: false,
            }),
            framer: Framer::new(max),
            max_xmit: max,
            config,
            state: State::Start,
            next_call_id: 1,
            offered: Vec::new(),
            accepted: None,
            features: None,
            answered: false,
        }
    }

    /// The error a fault PDU with `status` stands for: a refusal of the credentials when the
    /// association is authenticated and no call was answered yet (see
    /// [`Error::CredentialsRefused`]), otherwise the fault itself.
    fn fault(&self, status: u32) -> Error {
        let refusal = status == status::NCA_S_FAULT_ACCESS_DENIED
            || status == status::NCA_S_FAULT_SEC_PKG_ERROR;
        if refusal && self.sec.is_some() && !self.answered {
            Error::CredentialsRefused { status }
        } else {
            Error::Fault { status }
        }
    }

    /// The transfer syntax the server accepted (after the bind).
    pub fn transfer_syntax(&self) -> Option<TransferSyntax> {
        self.accepted.map(|a| a.1)
    }

    /// True when calls can be made.
    pub fn is_ready(&self) -> bool {
        matches!(self.state, State::Ready)
    }

    /// True when both sides agreed on header signing.
    pub fn header_signing(&self) -> bool {
        self.sec.as_ref().is_some_and(|s| s.header_signing)
    }

    /// Bind-time features the server acknowledged, if it answered the negotiation.
    pub fn bind_time_features(&self) -> Option<u16> {
        self.features
    }

    fn call_id(&mut self) -> u32 {
        let id = self.next_call_id;
        self.next_call_id = self.next_call_id.wrapping_add(1).max(1);
        id
    }

    fn contexts(&self) -> Vec<ContextElement> {
        let mut v: Vec<ContextElement> = self
            .offered
            .iter()
            .map(|(id, ts)| ContextElement {
                context_id: *id,
                abstract_syntax: self.interface,
                transfer_syntaxes: vec![ts.syntax_id()],
            })
            .collect();
        if self.config.bind_time_features {
            v.push(ContextElement {
                context_id: self.offered.len() as u16,
                abstract_syntax: self.interface,
                transfer_syntaxes: vec![bind_time_feature_syntax(
                    pdu::FEATURE_SECURITY_CONTEXT_MULTIPLEXING
                        | pdu::FEATURE_KEEP_CONNECTION_ON_ORPHAN,
                )],
            });
        }
        v
    }

    fn bind_pdu(&mut self, alter: bool, token: Option<Vec<u8>>) -> Vec<u8> {
        let mut pfc = flags::FIRST_FRAG | flags::LAST_FRAG;
        if self.sec.is_some() && self.config.header_signing {
            pfc |= flags::SUPPORT_HEADER_SIGN;
        }
        let contexts = if alter {
            match self.accepted {
                Some((id, ts)) => vec![ContextElement {
                    context_id: id,
                    abstract_syntax: self.interface,
                    transfer_syntaxes: vec![ts.syntax_id()],
                }],
                None => self.contexts(),
            }
        } else {
            self.contexts()
        };
        let body = Bind {
            max_xmit_frag: self.config.max_frag,
            max_recv_frag: self.config.max_frag,
            assoc_group: 0,
            contexts,
        };
        let auth = match (&self.sec, token) {
            (Some(s), Some(t)) => Some(s.token_trailer(t)),
            _ => None,
        };
        let call_id = self.call_id();
        Pdu {
            header: Header {
                packet_type: if alter {
                    PacketType::AlterContext
                } else {
                    PacketType::Bind
                },
                flags: pfc,
                frag_len: 0,
                auth_len: 0,
                call_id,
            },
            body: if alter {
                Body::AlterContext(body)
            } else {
                Body::Bind(body)
            },
            auth,
        }
        .to_bytes()
    }

    /// The bind PDU to send first (it carries the first authentication token).
    pub fn start(&mut self) -> Result<Vec<u8>> {
        if !matches!(self.state, State::Start) {
            return Err(Error::InvalidState("start called twice"));
        }
        if self.config.transfer_syntaxes.is_empty() {
            return Err(Error::InvalidArgument("no transfer syntax configured"));
        }
        self.offered = self
            .config
            .transfer_syntaxes
            .iter()
            .enumerate()
            .map(|(i, t)| (i as u16, *t))
            .collect();
        let token = match &mut self.sec {
            Some(s) => {
                let step = s
                    .ctx
                    .step(&[])
                    .inspect_err(|_| self.state = State::Failed)?;
                s.complete = step.complete;
                Some(step.token)
            }
            None => None,
        };
        let out = self.bind_pdu(false, token);
        self.state = State::AwaitBindAck;
        Ok(out)
    }

    /// Feeds bytes received from the server. On `Err` the connection is unusable unless
    /// [`is_ready`](Self::is_ready) still says so (a fault or a failed GetKey leaves it usable).
    pub fn receive(&mut self, bytes: &[u8]) -> Result<Step<Vec<u8>>> {
        if matches!(self.state, State::Failed) {
            return Err(Error::InvalidState("the connection already failed"));
        }
        self.framer.push(bytes);
        loop {
            let frag = match self.framer.next_fragment() {
                Ok(Some(f)) => f,
                Ok(None) => return Ok(Step::NeedMore),
                Err(e) => {
                    self.state = State::Failed;
                    return Err(e);
                }
            };
            match self.handle(frag) {
                Ok(Some(step)) => return Ok(step),
                Ok(None) => continue,
                Err(e) => {
                    if !matches!(e, Error::Fault { .. }) || !matches!(self.state, State::Ready) {
                        self.state = State::Failed;
                    }
                    return Err(e);
                }
            }
        }
    }

    fn handle(&mut self, mut frag: Vec<u8>) -> Result<Option<Step<Vec<u8>>>> {
        let header = Header::parse(&frag)?;
        let state = core::mem::replace(&mut self.state, State::Failed);
        let expected = match &state {
            State::AwaitBindAck => "bind_ack",
            State::AwaitAlterResp => "alter_context_resp",
            State::AwaitResponse(_) => "response",
            _ => "nothing",
        };
        let unexpected = Error::UnexpectedPdu {
            expected,
            got: header.packet_type.name(),
        };
        match (state, header.packet_type) {
            (_, PacketType::BindNak) => {
                let p = Pdu::parse(&frag)?;
                let reason = match p.body {
                    Body::BindNak { reason, .. } => reason,
                    _ => 0,
                };
                Err(Error::BindNak { reason })
            }
            (state, PacketType::Fault) => {
                let status = match Pdu::parse(&frag)?.body {
                    Body::Fault(f) => f.status,
                    _ => 0,
                };
                let e = self.fault(status);
                // A fault answering a call ends that call only; any other leaves the
                // association unusable.
                if matches!(state, State::AwaitResponse(_)) && matches!(e, Error::Fault { .. }) {
                    self.answered = true;
                    self.state = State::Ready;
                }
                Err(e)
            }
            (State::AwaitBindAck, PacketType::BindAck) => {
                let p = Pdu::parse(&frag)?;
                let Body::BindAck(ack) = p.body else {
                    return Err(unexpected);
                };
                self.take_results(&ack)?;
                self.max_xmit = (ack.max_recv_frag as usize)
                    .clamp(pdu::HEADER_LEN + 64, self.config.max_frag as usize);
                if let Some(s) = &mut self.sec {
                    s.header_signing = self.config.header_signing
                        && p.header.flags & flags::SUPPORT_HEADER_SIGN != 0;
                }
                self.after_auth_leg(p.auth.map(|a| a.auth_value))
            }
            (State::AwaitAlterResp, PacketType::AlterContextResp) => {
                let p = Pdu::parse(&frag)?;
                let Body::AlterContextResp(ack) = p.body else {
                    return Err(unexpected);
                };
                if self.accepted.is_none() {
                    self.take_results(&ack)?;
                }
                self.after_auth_leg(p.auth.map(|a| a.auth_value))
            }
            (State::AwaitResponse(mut re), PacketType::Response) => {
                if header.call_id != re.call_id {
                    return Err(Error::Malformed {
                        structure: "response",
                        offset: 12,
                        reason: "call_id of another call",
                    });
                }
                if re.stub.is_empty() && header.flags & flags::FIRST_FRAG == 0 {
                    return Err(Error::Malformed {
                        structure: "response",
                        offset: 3,
                        reason: "first fragment without PFC_FIRST_FRAG",
                    });
                }
                let part = open_fragment(
                    &mut frag,
                    &header,
                    pdu::RESPONSE_HEADER_LEN,
                    self.sec.as_mut(),
                )?;
                re.add(&part)?;
                if header.flags & flags::LAST_FRAG != 0 {
                    self.answered = true;
                    self.state = State::Ready;
                    Ok(Some(Step::Done(re.stub)))
                } else {
                    self.state = State::AwaitResponse(re);
                    Ok(None)
                }
            }
            _ => Err(unexpected),
        }
    }

    fn take_results(&mut self, ack: &BindAck) -> Result<()> {
        let mut first_rejection = None;
        for (i, r) in ack.results.iter().enumerate() {
            if r.result == pdu::result::NEGOTIATE_ACK {
                self.features = Some(r.reason);
                continue;
            }
            if r.result == pdu::result::ACCEPTANCE && self.accepted.is_none() {
                if let Some((id, ts)) = self.offered.get(i) {
                    if ts.syntax_id() == r.transfer_syntax {
                        self.accepted = Some((*id, *ts));
                    }
                }
            } else if first_rejection.is_none() {
                first_rejection = Some((r.result, r.reason));
            }
        }
        match (self.accepted, first_rejection) {
            (Some(_), _) => Ok(()),
            (None, Some((result, reason))) => Err(Error::ContextRejected { result, reason }),
            (None, None) => Err(Error::ContextRejected {
                result: pdu::result::PROVIDER_REJECTION,
                reason: 0,
            }),
        }
    }

    /// After a bind_ack or alter_context_resp: continue authentication or become ready.
    fn after_auth_leg(&mut self, token: Option<Vec<u8>>) -> Result<Option<Step<Vec<u8>>>> {
        let Some(s) = &mut self.sec else {
            self.state = State::Ready;
            return Ok(Some(Step::Ready(Vec::new())));
        };
        if s.complete {
            self.state = State::Ready;
            return Ok(Some(Step::Ready(Vec::new())));
        }
        let input = token.unwrap_or_default();
        let step = s.ctx.step(&input)?;
        s.complete = step.complete;
        if step.token.is_empty() {
            if !step.complete {
                return Err(Error::Auth(crate::auth::AuthError::Other(
                    "security context produced no token but is not complete".into(),
                )));
            }
            self.state = State::Ready;
            return Ok(Some(Step::Ready(Vec::new())));
        }
        if step.complete && s.ctx.auth_type() == AuthType::Ntlm {
            // NTLM's third leg goes in auth3, which the server does not answer.
            let trailer = s.token_trailer(step.token);
            let mut pfc = flags::FIRST_FRAG | flags::LAST_FRAG;
            if self.config.header_signing {
                pfc |= flags::SUPPORT_HEADER_SIGN;
            }
            let call_id = self.call_id();
            let out = Pdu {
                header: Header {
                    packet_type: PacketType::Auth3,
                    flags: pfc,
                    frag_len: 0,
                    auth_len: 0,
                    call_id,
                },
                body: Body::Auth3,
                auth: Some(trailer),
            }
            .to_bytes();
            self.state = State::Ready;
            return Ok(Some(Step::Ready(out)));
        }
        // SPNEGO / Kerberos continue in alter_context.
        let out = self.bind_pdu(true, Some(step.token));
        self.state = State::AwaitAlterResp;
        Ok(Some(Step::Send(out)))
    }

    /// The request PDU(s) for a call of `opnum` with `stub` (NDR in [`transfer_syntax`]),
    /// protected and fragmented as negotiated. Read the answer with `receive` until
    /// `Step::Done(response_stub)`.
    ///
    /// [`transfer_syntax`]: Self::transfer_syntax
    pub fn call(&mut self, opnum: u16, stub: &[u8]) -> Result<Vec<u8>> {
        if !matches!(self.state, State::Ready) {
            return Err(Error::InvalidState("call before the bind completed"));
        }
        let (context_id, ts) = self
            .accepted
            .ok_or(Error::InvalidState("no presentation context"))?;
        let mut stub = stub.to_vec();
        if self.config.verification_trailer && self.sec.as_ref().is_some_and(|s| s.protects()) {
            while stub.len() % 4 != 0 {
                stub.push(0);
            }
            stub.extend(
                VerificationTrailer {
                    commands: vec![Command::PContext {
                        interface: self.interface,
                        transfer_syntax: ts.syntax_id(),
                    }],
                }
                .to_bytes(),
            );
        }
        let call_id = self.call_id();
        let out = build_call(
            PacketType::Request,
            call_id,
            self.max_xmit,
            &stub,
            |hint| {
                let mut p = hint.to_le_bytes().to_vec();
                p.extend_from_slice(&context_id.to_le_bytes());
                p.extend_from_slice(&opnum.to_le_bytes());
                p
            },
            self.sec.as_mut(),
        )?;
        self.state = State::AwaitResponse(Reassembly::new(call_id, self.config.max_message));
        Ok(out)
    }
}

/// Looks up the TCP port of an interface (by default `ISD_KEY`) at the endpoint mapper
/// (port 135), unauthenticated.
///
/// ```
/// use laps_rpc::client::{EpmLookup, Step};
/// let mut lookup = EpmLookup::new(laps_rpc::gkdi::GKDI_INTERFACE, Default::default());
/// let bind = lookup.start()?;
/// // send `bind`; then loop: n = read(); match lookup.receive(&buf[..n])? {
/// //   Step::Send(b) => send(b), Step::NeedMore => {}, Step::Done(port) => break, _ => {} }
/// # Ok::<(), laps_rpc::Error>(())
/// ```
#[derive(Debug)]
pub struct EpmLookup {
    conn: ClientConnection,
    target: SyntaxId,
}

impl EpmLookup {
    /// A lookup for `target`'s `ncacn_ip_tcp` endpoint.
    pub fn new(target: SyntaxId, config: ClientConfig) -> Self {
        EpmLookup {
            conn: ClientConnection::new(EPM_INTERFACE, config, None),
            target,
        }
    }

    /// The bind PDU to send first.
    pub fn start(&mut self) -> Result<Vec<u8>> {
        self.conn.start()
    }

    /// Feeds received bytes; ends with `Step::Done(port)` or an error
    /// ([`Error::EndpointNotFound`] when the interface is not registered, as on Samba).
    pub fn receive(&mut self, bytes: &[u8]) -> Result<Step<u16>> {
        match self.conn.receive(bytes)? {
            Step::NeedMore => Ok(Step::NeedMore),
            Step::Send(b) => Ok(Step::Send(b)),
            Step::Ready(mut b) => {
                let ts = self
                    .conn
                    .transfer_syntax()
                    .ok_or(Error::InvalidState("no transfer syntax"))?;
                let stub = EptMapRequest::for_interface(&self.target).encode(ts);
                b.extend(self.conn.call(OPNUM_EPT_MAP, &stub)?);
                Ok(Step::Send(b))
            }
            Step::Done(stub) => {
                let ts = self
                    .conn
                    .transfer_syntax()
                    .ok_or(Error::InvalidState("no transfer syntax"))?;
                let resp = EptMapResponse::decode(ts, &stub)?;
                Ok(Step::Done(resp.port_for(&self.target)?))
            }
        }
    }
}

/// An authenticated `ISD_KEY` connection making any number of GetKey calls, one at a time.
///
/// Drive the bind like [`ClientConnection`]: `start()`, then `receive()` until
/// `Step::Ready(bytes)` (send `bytes` if not empty). Then for each key: send
/// `get_key(&request)?`, and `receive()` until `Step::Done(outcome)`; the outcome is the
/// envelope bytes or a typed error for that call only ([`Error::AccessDenied`], ...), after
/// which the connection is still usable.
pub struct GkdiClient {
    conn: ClientConnection,
    target: Option<String>,
}

impl core::fmt::Debug for GkdiClient {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("GkdiClient")
            .field("conn", &self.conn)
            .finish()
    }
}

impl GkdiClient {
    /// A client authenticating with `auth` (at `config.auth_level`, PKT_PRIVACY by default).
    pub fn new(auth: Box<dyn SecurityContext>, config: ClientConfig) -> Self {
        GkdiClient {
            conn: ClientConnection::new(GKDI_INTERFACE, config, Some(auth)),
            target: None,
        }
    }

    /// The bind PDU to send first.
    pub fn start(&mut self) -> Result<Vec<u8>> {
        self.conn.start()
    }

    /// True when a GetKey call can be made.
    pub fn is_ready(&self) -> bool {
        self.conn.is_ready()
    }

    /// The underlying connection (negotiated syntax, header signing, features).
    pub fn connection(&self) -> &ClientConnection {
        &self.conn
    }

    /// The request PDU(s) for one GetKey call.
    pub fn get_key(&mut self, request: &GetKeyRequest) -> Result<Vec<u8>> {
        let ts = self
            .conn
            .transfer_syntax()
            .ok_or(Error::InvalidState("call before the bind completed"))?;
        let stub = request.encode(ts);
        let out = self.conn.call(OPNUM_GET_KEY, &stub)?;
        self.target = Some(
            crate::access::SecurityDescriptor::parse(&request.target_sd)
                .ok()
                .map(|sd| {
                    sd.principals(crate::access::GKDI_ACCESS_DECRYPT)
                        .iter()
                        .map(|s| s.to_string())
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "the target security descriptor".into()),
        );
        Ok(out)
    }

    /// Feeds received bytes. `Step::Done(Ok(envelope))` / `Step::Done(Err(e))` end a call;
    /// an outer `Err` ends the connection.
    pub fn receive(&mut self, bytes: &[u8]) -> Result<Step<Result<Vec<u8>>>> {
        match self.conn.receive(bytes)? {
            Step::NeedMore => Ok(Step::NeedMore),
            Step::Send(b) => Ok(Step::Send(b)),
            Step::Ready(b) => Ok(Step::Ready(b)),
            Step::Done(stub) => {
                let ts = self
                    .conn
                    .transfer_syntax()
                    .ok_or(Error::InvalidState("no transfer syntax"))?;
                let mut stub = stub;
                let target = self.target.take().unwrap_or_default();
                let outcome =
                    GetKeyResponse::decode(ts, &stub).and_then(|r| r.into_result(&target));
                // The stub held the seed keys in clear; the caller gets its own copy.
                zeroize::Zeroize::zeroize(&mut stub);
                Ok(Step::Done(outcome))
            }
        }
    }
}
