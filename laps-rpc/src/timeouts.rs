//! The timeouts of one connection, as every transport of this protocol sets them from one
//! caller setting. Plain durations: the transports (laps-client, the Python binding's own)
//! run the clocks.

use std::time::Duration;

use crate::error::{Error, Result};

/// Timeouts of one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Opening the TCP connection (per address the name resolves to).
    pub connect: Duration,
    /// Each write and each read.
    pub io: Duration,
    /// A whole exchange: the bind with its authentication legs, or one call.
    pub exchange: Duration,
}

impl Timeouts {
    /// The longest wait for one read or write that [`checked`](Timeouts::checked) takes: one
    /// hour.
    pub const MAX_IO: Duration = Duration::from_secs(3600);

    /// Timeouts scaled from the time allowed for one read or write: a connect within that
    /// time but at most 5 s, a whole exchange within three reads.
    ///
    /// ```
    /// use laps_rpc::timeouts::Timeouts;
    /// use std::time::Duration;
    /// let t = Timeouts::per_io(Duration::from_secs(20));
    /// assert_eq!(t.connect, Duration::from_secs(5));
    /// assert_eq!(t.exchange, Duration::from_secs(60));
    /// assert_eq!(Timeouts::per_io(Duration::from_secs(10)), Timeouts::default());
    /// ```
    pub fn per_io(io: Duration) -> Self {
        Self {
            connect: io.min(Duration::from_secs(5)),
            io,
            exchange: io * 3,
        }
    }

    /// [`per_io`](Timeouts::per_io) of a caller's setting, which must be from 1 ms to
    /// [`MAX_IO`](Timeouts::MAX_IO).
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] outside that range.
    ///
    /// ```
    /// use laps_rpc::timeouts::Timeouts;
    /// use std::time::Duration;
    /// assert_eq!(Timeouts::checked(Duration::from_secs(10)), Ok(Timeouts::default()));
    /// assert!(Timeouts::checked(Duration::ZERO).is_err());
    /// assert!(Timeouts::checked(Timeouts::MAX_IO + Duration::from_millis(1)).is_err());
    /// ```
    pub fn checked(io: Duration) -> Result<Self> {
        if (Duration::from_millis(1)..=Self::MAX_IO).contains(&io) {
            Ok(Self::per_io(io))
        } else {
            Err(Error::InvalidArgument(
                "a network timeout must be from 1 ms to 1 hour",
            ))
        }
    }
}

impl Default for Timeouts {
    /// 5 s connect, 10 s per read or write, 30 s per exchange.
    fn default() -> Self {
        Self::per_io(Duration::from_secs(10))
    }
}
