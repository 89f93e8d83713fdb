//! A blocking TCP connection that drives laps-rpc's state machines, with a timeout on every
//! step: connect, each write, each read, and a budget for a whole exchange (a bind or a call),
//! so a peer that trickles bytes cannot hold the client forever.

use std::io::{ErrorKind as IoKind, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use laps_rpc::client::Step as RpcStep;
pub use laps_rpc::timeouts::Timeouts;

use crate::error::{Error, Result, Step};

/// How a driven exchange ended.
pub(crate) enum Driven<T> {
    /// The association is established (`Step::Ready`).
    Ready,
    /// The call finished.
    Done(T),
}

/// One TCP connection to an RPC server.
#[derive(Debug)]
pub(crate) struct Wire {
    stream: TcpStream,
    addr: String,
    timeouts: Timeouts,
    buf: Vec<u8>,
}

fn is_timeout(e: &std::io::Error) -> bool {
    matches!(e.kind(), IoKind::TimedOut | IoKind::WouldBlock)
}

impl Wire {
    /// Connects to `host:port`, trying each address the name resolves to.
    pub(crate) fn connect(host: &str, port: u16, timeouts: Timeouts) -> Result<Self> {
        let addr = format!("{host}:{port}");
        let addrs: Vec<SocketAddr> = (host, port)
            .to_socket_addrs()
            .map_err(|e| Error::Unreachable {
                addr: addr.clone(),
                reason: format!("cannot resolve: {e}"),
            })?
            .collect();
        let mut last = Error::Unreachable {
            addr: addr.clone(),
            reason: "the name has no address".into(),
        };
        for a in addrs {
            match TcpStream::connect_timeout(&a, timeouts.connect) {
                Ok(stream) => {
                    stream.set_nodelay(true).map_err(|e| Error::Io {
                        step: Step::Connect,
                        addr: addr.clone(),
                        reason: e.to_string(),
                    })?;
                    return Ok(Self {
                        stream,
                        addr,
                        timeouts,
                        buf: vec![0; 16 * 1024],
                    });
                }
                Err(e) if is_timeout(&e) => {
                    last = Error::Timeout {
                        step: Step::Connect,
                        addr: addr.clone(),
                        millis: timeouts.connect.as_millis(),
                    }
                }
                Err(e) => {
                    last = Error::Unreachable {
                        addr: addr.clone(),
                        reason: e.to_string(),
                    }
                }
            }
        }
        Err(last)
    }

    /// `host:port` of the peer.
    pub(crate) fn addr(&self) -> &str {
        &self.addr
    }

    /// The time left before `deadline`, capped at the per-step timeout; an error once it is
    /// spent.
    fn budget(&self, step: Step, deadline: Instant) -> Result<Duration> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Error::Timeout {
                step,
                addr: self.addr.clone(),
                millis: self.timeouts.exchange.as_millis(),
            });
        }
        Ok(left.min(self.timeouts.io))
    }

    fn io_error(&self, step: Step, e: &std::io::Error, limit: Duration) -> Error {
        if is_timeout(e) {
            Error::Timeout {
                step,
                addr: self.addr.clone(),
                millis: limit.as_millis(),
            }
        } else if matches!(
            e.kind(),
            IoKind::ConnectionReset
                | IoKind::BrokenPipe
                | IoKind::ConnectionAborted
                | IoKind::UnexpectedEof
        ) {
            Error::ConnectionClosed {
                step,
                addr: self.addr.clone(),
            }
        } else {
            Error::Io {
                step,
                addr: self.addr.clone(),
                reason: e.to_string(),
            }
        }
    }

    fn send(&mut self, bytes: &[u8], deadline: Instant) -> Result<()> {
        let limit = self.budget(Step::Write, deadline)?;
        let _ = self.stream.set_write_timeout(Some(limit));
        self.stream
            .write_all(bytes)
            .map_err(|e| self.io_error(Step::Write, &e, limit))
    }

    fn recv(&mut self, deadline: Instant) -> Result<usize> {
        let limit = self.budget(Step::Read, deadline)?;
        let _ = self.stream.set_read_timeout(Some(limit));
        match self.stream.read(&mut self.buf) {
            Ok(0) => Err(Error::ConnectionClosed {
                step: Step::Read,
                addr: self.addr.clone(),
            }),
            Ok(n) => Ok(n),
            Err(e) => Err(self.io_error(Step::Read, &e, limit)),
        }
    }

    /// Sends `first`, then feeds everything received to `receive` and sends what it asks
    /// for, until it reports the association ready or the call done. The whole exchange
    /// must finish within the exchange timeout.
    pub(crate) fn drive<T>(
        &mut self,
        first: &[u8],
        mut receive: impl FnMut(&[u8]) -> laps_rpc::Result<RpcStep<T>>,
    ) -> Result<Driven<T>> {
        let deadline = Instant::now() + self.timeouts.exchange;
        if !first.is_empty() {
            self.send(first, deadline)?;
        }
        loop {
            let n = self.recv(deadline)?;
            let step = receive(&self.buf[..n])?;
            match step {
                RpcStep::NeedMore => {}
                RpcStep::Send(bytes) => self.send(&bytes, deadline)?,
                RpcStep::Ready(bytes) => {
                    if !bytes.is_empty() {
                        self.send(&bytes, deadline)?;
                    }
                    return Ok(Driven::Ready);
                }
                RpcStep::Done(value) => return Ok(Driven::Done(value)),
                _ => {
                    return Err(Error::InvalidArgument(
                        "laps-rpc returned a step this client does not know".into(),
                    ))
                }
            }
        }
    }
}
