//! The lab key distribution server: laps-rpc's responder on two TCP listeners (the endpoint
//! mapper and `ISD_KEY`), a thread per connection with timeouts and a connection cap, NTLM
//! authentication (bare, `auth_type` 10, or inside SPNEGO, 9) from an [`AccountTable`], and
//! Kerberos (16, or inside SPNEGO) with a service keytab when [`KdsConfig::kerberos`] is set.
//!
//! A **lab tool**: it lets portals, scripts and tests fetch keys without a domain controller.
//! It holds root keys in memory and knows only the accounts and the keytab it is given. It is
//! not a production KDS.

use std::io::{ErrorKind as IoKind, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use laps_core::FileTime;
use laps_crypto::RootKey;
use laps_rpc::keys::KeyService;
use laps_rpc::server::{Endpoint, Responder, ResponderConfig};

use crate::acceptors::LabAcceptorFactory;
use crate::accounts::AccountTable;
use crate::error::{Error, Result, Step};
use crate::kerberos_server::KerberosService;

/// Settings of the lab server.
#[derive(Debug, Clone)]
pub struct KdsConfig {
    /// The address both listeners bind to.
    pub listen: IpAddr,
    /// The endpoint mapper's port (135; 0: any free port).
    pub epm_port: u16,
    /// The `ISD_KEY` port (0: any free port).
    pub port: u16,
    /// Domain DNS name written into envelopes.
    pub domain: String,
    /// Forest DNS name written into envelopes.
    pub forest: String,
    /// Connections served at once; more are closed on accept.
    pub max_connections: usize,
    /// A connection with no complete read or write for this long is closed.
    pub idle_timeout: Duration,
    /// DCE/RPC settings (syntaxes, header signing, fragment sizes, minimum auth level);
    /// `gkdi_port` and `gkdi_addr` are filled in from the bound listener.
    pub rpc: ResponderConfig,
    /// Kerberos: the service keytab and SPN. `None`: NTLM only.
    pub kerberos: Option<KerberosService>,
}

impl Default for KdsConfig {
    fn default() -> Self {
        Self {
            listen: IpAddr::from([127, 0, 0, 1]),
            epm_port: laps_rpc::epm::EPM_PORT,
            port: 49700,
            domain: "contoso.com".into(),
            forest: "contoso.com".into(),
            max_connections: 64,
            idle_timeout: Duration::from_secs(30),
            rpc: ResponderConfig::default(),
            kerberos: None,
        }
    }
}

struct Shared {
    responder: Responder,
    active: AtomicUsize,
    stop: AtomicBool,
    max_connections: usize,
    idle_timeout: Duration,
}

/// A bound, not yet serving, lab server.
pub struct KdsServer {
    shared: Arc<Shared>,
    epm: TcpListener,
    gkdi: TcpListener,
}

impl std::fmt::Debug for KdsServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KdsServer")
            .field("epm", &self.epm.local_addr().ok())
            .field("gkdi", &self.gkdi.local_addr().ok())
            .finish_non_exhaustive()
    }
}

fn bind(addr: SocketAddr) -> Result<TcpListener> {
    TcpListener::bind(addr).map_err(|e| Error::Io {
        step: Step::Connect,
        addr: addr.to_string(),
        reason: format!("cannot listen: {e}"),
    })
}

fn now() -> FileTime {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as i128)
        .unwrap_or(0);
    FileTime::from_unix_nanos(nanos).unwrap_or_default()
}

impl KdsServer {
    /// Binds both listeners. `root_keys`: the last one is the current key (used for "the
    /// current key" requests).
    pub fn bind(
        mut config: KdsConfig,
        root_keys: Vec<RootKey>,
        accounts: AccountTable,
    ) -> Result<Self> {
        if root_keys.is_empty() {
            return Err(Error::InvalidArgument(
                "the lab KDS needs at least one root key".into(),
            ));
        }
        let gkdi = bind(SocketAddr::new(config.listen, config.port))?;
        let epm = bind(SocketAddr::new(config.listen, config.epm_port))?;
        let gkdi_addr = gkdi
            .local_addr()
            .map_err(|e| Error::InvalidArgument(e.to_string()))?;
        config.rpc.gkdi_port = gkdi_addr.port();
        config.rpc.gkdi_addr = match config.listen {
            IpAddr::V4(v4) => v4.octets(),
            IpAddr::V6(_) => [127, 0, 0, 1],
        };
        let accounts = Arc::new(accounts);
        let responder = Responder::new(
            config.rpc,
            KeyService::new(root_keys, &config.domain, &config.forest),
            Arc::new(LabAcceptorFactory::new(
                accounts.clone(),
                config.kerberos.map(Arc::new),
            )),
            accounts,
        );
        Ok(Self {
            shared: Arc::new(Shared {
                responder,
                active: AtomicUsize::new(0),
                stop: AtomicBool::new(false),
                max_connections: config.max_connections.max(1),
                idle_timeout: config.idle_timeout,
            }),
            epm,
            gkdi,
        })
    }

    /// The endpoint mapper's address.
    pub fn epm_addr(&self) -> SocketAddr {
        self.epm
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    /// The `ISD_KEY` address.
    pub fn gkdi_addr(&self) -> SocketAddr {
        self.gkdi
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    /// The responder (its GetKey and ept_map counters).
    pub fn responder(&self) -> &Responder {
        &self.shared.responder
    }

    /// Serves on background threads until [`KdsHandle::stop`].
    pub fn spawn(self) -> KdsHandle {
        let epm_addr = self.epm_addr();
        let gkdi_addr = self.gkdi_addr();
        let threads = vec![
            accept_loop(self.shared.clone(), self.epm, Endpoint::Epm),
            accept_loop(self.shared.clone(), self.gkdi, Endpoint::Gkdi),
        ];
        KdsHandle {
            shared: self.shared,
            threads,
            epm_addr,
            gkdi_addr,
        }
    }

    /// Serves until the process ends.
    pub fn serve(self) {
        let handle = self.spawn();
        for t in handle.threads {
            let _ = t.join();
        }
    }
}

/// A running lab server.
#[derive(Debug)]
pub struct KdsHandle {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
    epm_addr: SocketAddr,
    gkdi_addr: SocketAddr,
}

impl KdsHandle {
    /// The endpoint mapper's address.
    pub fn epm_addr(&self) -> SocketAddr {
        self.epm_addr
    }

    /// The `ISD_KEY` address.
    pub fn gkdi_addr(&self) -> SocketAddr {
        self.gkdi_addr
    }

    /// GetKey calls answered so far (successful or not).
    pub fn get_key_calls(&self) -> u64 {
        self.shared.responder.get_key_calls()
    }

    /// Connections being served now.
    pub fn active_connections(&self) -> usize {
        self.shared.active.load(Ordering::SeqCst)
    }

    /// Stops accepting and waits for the accept threads (open connections end by their idle
    /// timeout).
    pub fn stop(self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        for addr in [self.epm_addr, self.gkdi_addr] {
            // Wake the blocking accept.
            let _ = TcpStream::connect_timeout(&addr, Duration::from_secs(1));
        }
        for t in self.threads {
            let _ = t.join();
        }
    }
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("active", &self.active)
            .field("max_connections", &self.max_connections)
            .finish_non_exhaustive()
    }
}

fn accept_loop(shared: Arc<Shared>, listener: TcpListener, endpoint: Endpoint) -> JoinHandle<()> {
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            if shared.stop.load(Ordering::SeqCst) {
                break;
            }
            let Ok(stream) = stream else { continue };
            if shared.active.fetch_add(1, Ordering::SeqCst) >= shared.max_connections {
                shared.active.fetch_sub(1, Ordering::SeqCst);
                let _ = stream.shutdown(Shutdown::Both);
                continue;
            }
            let shared = shared.clone();
            let spawned = std::thread::Builder::new()
                .name("winlaps-kds-conn".into())
                .spawn({
                    let shared = shared.clone();
                    move || {
                        serve_connection(&shared, stream, endpoint);
                        shared.active.fetch_sub(1, Ordering::SeqCst);
                    }
                });
            if spawned.is_err() {
                shared.active.fetch_sub(1, Ordering::SeqCst);
            }
        }
    })
}

/// Serves one connection: reads with the idle timeout, feeds the responder, writes its
/// answers; closes on a timeout, an error, the peer closing, or the responder's request.
fn serve_connection(shared: &Shared, mut stream: TcpStream, endpoint: Endpoint) {
    let timeout = Some(shared.idle_timeout);
    if stream.set_read_timeout(timeout).is_err() || stream.set_write_timeout(timeout).is_err() {
        return;
    }
    let _ = stream.set_nodelay(true);
    let mut conn = shared.responder.connection(endpoint);
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == IoKind::Interrupted => continue,
            Err(_) => break,
        };
        let Ok(out) = conn.receive(&buf[..n], now()) else {
            break;
        };
        if !out.is_empty() && stream.write_all(&out).is_err() {
            break;
        }
        if conn.is_closed() {
            break;
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
}
