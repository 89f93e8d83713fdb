//! The GetKey client: endpoint-mapper lookup on port 135, then an authenticated, sealed
//! `ISD_KEY` connection on the mapped port.

use laps_crypto::{GroupKeyEnvelope, Guid, Sid};
use laps_rpc::auth::SecurityContext;
use laps_rpc::client::{ClientConfig, ClientConnection, EpmLookup, GkdiClient as RpcGkdiClient};
use laps_rpc::gkdi::{GetKeyRequest, GKDI_INTERFACE};
use laps_rpc::ndr::TransferSyntax;
use laps_rpc::pdu::SyntaxId;

use crate::client_context::{ClientAuthOptions, ClientContext};
use crate::credentials::{AuthProtocol, Credentials};
use crate::error::{Error, Result};
use crate::transport::{Driven, Timeouts, Wire};
use std::time::Duration;

/// How [`GkdiClient::connect`] reaches and authenticates to the server.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// Authentication mechanism (Negotiate by default).
    pub protocol: AuthProtocol,
    /// KDC, SPN service class and workstation name for the security context.
    pub auth: ClientAuthOptions,
    /// The endpoint mapper's port (135).
    pub epm_port: u16,
    /// Skip the endpoint mapper and use this `ISD_KEY` port.
    pub port: Option<u16>,
    /// Connect, read/write and exchange timeouts.
    pub timeouts: Timeouts,
    /// DCE/RPC settings (transfer syntaxes, header signing, fragment sizes); PKT_PRIVACY.
    pub rpc: ClientConfig,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self {
            protocol: AuthProtocol::Negotiate,
            auth: ClientAuthOptions::default(),
            epm_port: laps_rpc::epm::EPM_PORT,
            port: None,
            timeouts: Timeouts::default(),
            rpc: ClientConfig::default(),
        }
    }
}

impl ConnectOptions {
    /// These options with `io` as the wait for each read or write and for each KDC step, and
    /// the connect and exchange timeouts that follow from it ([`Timeouts::checked`]): what a
    /// caller's one "timeout" setting means.
    ///
    /// # Errors
    /// An error of kind `InvalidArgument` unless `io` is from 1 ms to [`Timeouts::MAX_IO`].
    ///
    /// ```
    /// use laps_client::ConnectOptions;
    /// use std::time::Duration;
    /// let opts = ConnectOptions::default().with_io_timeout(Duration::from_secs(2))?;
    /// assert_eq!((opts.timeouts.io, opts.timeouts.exchange), (Duration::from_secs(2), Duration::from_secs(6)));
    /// assert_eq!(opts.auth.kdc_timeout, Duration::from_secs(2));
    /// assert!(ConnectOptions::default().with_io_timeout(Duration::ZERO).is_err());
    /// # Ok::<(), laps_client::Error>(())
    /// ```
    pub fn with_io_timeout(mut self, io: Duration) -> Result<Self> {
        self.timeouts = Timeouts::checked(io)?;
        self.auth.kdc_timeout = io;
        Ok(self)
    }
}

/// Asks the endpoint mapper of `host` (unauthenticated, on `epm_port`) for the
/// `ncacn_ip_tcp` port of `interface`.
///
/// A server without the interface gives an error of detail
/// [`ErrorDetail::NoGkdiEndpoint`](crate::ErrorDetail::NoGkdiEndpoint).
pub fn lookup_port(
    host: &str,
    epm_port: u16,
    interface: SyntaxId,
    rpc: &ClientConfig,
    timeouts: Timeouts,
) -> Result<u16> {
    let mut wire = Wire::connect(host, epm_port, timeouts)?;
    let mut lookup = EpmLookup::new(interface, rpc.clone());
    let bind = lookup.start()?;
    // The bind answer turns into the ept_map request inside the state machine; `drive`
    // sends it and keeps reading until the lookup is done.
    match wire.drive(&bind, |b| lookup.receive(b))? {
        Driven::Done(port) => Ok(port),
        Driven::Ready => Err(Error::InvalidArgument(
            "the endpoint mapper lookup ended without an answer".into(),
        )),
    }
}

/// One DCE/RPC association (bind, then calls) over TCP, for any interface: what the GetKey
/// client uses underneath, and what the Samba tests use to make a sealed call to an interface
/// Samba serves.
#[derive(Debug)]
pub struct RpcConnection {
    wire: Wire,
    conn: ClientConnection,
}

impl RpcConnection {
    /// Connects to `host:port` and binds to `interface`, authenticated with `auth` (or not).
    pub fn connect(
        host: &str,
        port: u16,
        interface: SyntaxId,
        auth: Option<Box<dyn SecurityContext>>,
        rpc: &ClientConfig,
        timeouts: Timeouts,
    ) -> Result<Self> {
        let mut wire = Wire::connect(host, port, timeouts)?;
        let mut conn = ClientConnection::new(interface, rpc.clone(), auth);
        let bind = conn.start()?;
        match wire.drive(&bind, |b| conn.receive(b))? {
            Driven::Ready => Ok(Self { wire, conn }),
            Driven::Done(_) => Err(Error::InvalidArgument(
                "the server answered the bind with a call result".into(),
            )),
        }
    }

    /// Calls `opnum` with `stub` (NDR in [`transfer_syntax`](Self::transfer_syntax)) and
    /// returns the response stub.
    pub fn call(&mut self, opnum: u16, stub: &[u8]) -> Result<Vec<u8>> {
        let request = self.conn.call(opnum, stub)?;
        let conn = &mut self.conn;
        match self.wire.drive(&request, |b| conn.receive(b))? {
            Driven::Done(stub) => Ok(stub),
            Driven::Ready => Err(Error::InvalidArgument(
                "the server answered a call with a bind result".into(),
            )),
        }
    }

    /// The negotiated transfer syntax.
    pub fn transfer_syntax(&self) -> Option<TransferSyntax> {
        self.conn.transfer_syntax()
    }

    /// Whether header signing was negotiated.
    pub fn header_signing(&self) -> bool {
        self.conn.header_signing()
    }

    /// `host:port` of the server.
    pub fn addr(&self) -> &str {
        self.wire.addr()
    }
}

/// An authenticated, sealed `ISD_KEY` connection to a domain controller (or the lab KDS)
/// that makes GetKey calls.
///
/// ```no_run
/// use laps_client::{ConnectOptions, Credentials, GkdiClient};
/// let creds = Credentials::new("CONTOSO\\helpdesk", std::env::var("WINLAPS_PASSWORD")?)?;
/// let mut dc = GkdiClient::connect("dc1.contoso.com", &creds, &ConnectOptions::default())?;
/// let sid = "S-1-5-21-1-2-3-512".parse()?;
/// let envelope = dc.current_key(&sid)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct GkdiClient {
    wire: Wire,
    rpc: RpcGkdiClient,
    calls: usize,
}

impl GkdiClient {
    /// Looks the `ISD_KEY` port up at `host`'s endpoint mapper (unless `opts.port` is set),
    /// connects and authenticates as `creds` with `opts.protocol`.
    pub fn connect(host: &str, creds: &Credentials, opts: &ConnectOptions) -> Result<Self> {
        let port = match opts.port {
            Some(p) => p,
            None => lookup_port(
                host,
                opts.epm_port,
                GKDI_INTERFACE,
                &opts.rpc,
                opts.timeouts,
            )?,
        };
        let ctx = ClientContext::new(opts.protocol, creds, host, &opts.auth)?;
        Self::connect_with(host, port, Box::new(ctx), opts)
    }

    /// Connects to `host:port` (no endpoint-mapper lookup) with a caller-made security
    /// context.
    pub fn connect_with(
        host: &str,
        port: u16,
        auth: Box<dyn SecurityContext>,
        opts: &ConnectOptions,
    ) -> Result<Self> {
        let mut wire = Wire::connect(host, port, opts.timeouts)?;
        let mut rpc = RpcGkdiClient::new(auth, opts.rpc.clone());
        let bind = rpc.start()?;
        match wire.drive(&bind, |b| rpc.receive(b))? {
            Driven::Ready => Ok(Self {
                wire,
                rpc,
                calls: 0,
            }),
            Driven::Done(_) => Err(Error::InvalidArgument(
                "the server answered the bind with a call result".into(),
            )),
        }
    }

    /// One GetKey call: the raw Group Key Envelope, or the call's error (access denied,
    /// another HRESULT, a fault). After a call error the connection stays usable.
    pub fn get_key_raw(&mut self, request: &GetKeyRequest) -> Result<Vec<u8>> {
        let pdu = self.rpc.get_key(request)?;
        self.calls += 1;
        let rpc = &mut self.rpc;
        match self.wire.drive(&pdu, |b| rpc.receive(b))? {
            Driven::Done(outcome) => Ok(outcome?),
            Driven::Ready => Err(Error::InvalidArgument(
                "the server answered GetKey with a bind result".into(),
            )),
        }
    }

    /// GetKey for a value protected to `sid` with key (`root_key_id`, `l0`, `l1`, `l2`);
    /// `None` and `-1`: the current key (what an encryptor asks for).
    pub fn get_key(
        &mut self,
        sid: &Sid,
        root_key_id: Option<Guid>,
        l0: i32,
        l1: i32,
        l2: i32,
    ) -> Result<GroupKeyEnvelope> {
        self.get_key_for(&GetKeyRequest::for_sid(sid, root_key_id, l0, l1, l2))
    }

    /// GetKey for the current key of `sid`: the envelope an encryptor derives a new value's
    /// key from (a public-key envelope unless the caller may read `sid`'s keys).
    pub fn current_key(&mut self, sid: &Sid) -> Result<GroupKeyEnvelope> {
        self.get_key_for(&GetKeyRequest::current(sid))
    }

    /// GetKey for a request built elsewhere (a batch's
    /// [`PlannedCall::request`](laps_rpc::batch::PlannedCall::request)), its answer parsed as a
    /// group key envelope.
    pub fn get_key_for(&mut self, request: &GetKeyRequest) -> Result<GroupKeyEnvelope> {
        let raw = self.get_key_raw(request)?;
        Ok(GroupKeyEnvelope::parse(&raw)?)
    }

    /// True when the connection can make another call: after a call's own failure (access
    /// denied, a GetKey HRESULT, a fault) it can; after a broken or timed-out exchange it
    /// cannot.
    pub fn is_ready(&self) -> bool {
        self.rpc.is_ready()
    }

    /// GetKey calls made on this connection.
    pub fn calls(&self) -> usize {
        self.calls
    }

    /// The negotiated transfer syntax.
    pub fn transfer_syntax(&self) -> Option<TransferSyntax> {
        self.rpc.connection().transfer_syntax()
    }

    /// Whether header signing was negotiated.
    pub fn header_signing(&self) -> bool {
        self.rpc.connection().header_signing()
    }
}
