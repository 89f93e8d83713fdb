//! [`RecordedRandomness`]: replays recorded random bytes, so an encryption can be reproduced
//! byte for byte (the vectors' `encrypt_inputs.randomness`). Shared by the tests and the
//! bindings' test-only `randomness` options.

// Public with the `test-util` feature; otherwise only `with_randomness` uses it.
#![cfg_attr(not(feature = "test-util"), allow(unreachable_pub, dead_code))]

use zeroize::Zeroizing;

/// An RNG that hands out recorded bytes in order (for the encryptor: CEK, GCM nonce, then the
/// ephemeral key or the private-path context nonce).
///
/// **Not random.** It implements `CryptoRng` only so the encryptor accepts it; use it to
/// reproduce recorded values, never to protect a real password.
///
/// Running out is reported by `try_fill_bytes` (what the encryptor calls, surfacing as
/// [`crate::Error::Rng`]) and remembered in [`RecordedRandomness::ran_out`]; the infallible
/// `fill_bytes` zero-fills instead of panicking.
///
/// ```
/// use laps_crypto::rand_core::RngCore;
/// use laps_crypto::RecordedRandomness;
/// let mut rng = RecordedRandomness::new(vec![1, 2, 3]);
/// let mut b = [0u8; 2];
/// rng.fill_bytes(&mut b);
/// assert_eq!(b, [1, 2]);
/// assert!(rng.try_fill_bytes(&mut b).is_err());
/// assert!(rng.ran_out() && !rng.is_exhausted());
/// ```
pub struct RecordedRandomness {
    bytes: Zeroizing<Vec<u8>>,
    pos: usize,
    ran_out: bool,
}

impl RecordedRandomness {
    /// Replays `bytes` from the start.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        RecordedRandomness {
            bytes: Zeroizing::new(bytes.into()),
            pos: 0,
            ran_out: false,
        }
    }

    /// True when every recorded byte has been handed out.
    pub fn is_exhausted(&self) -> bool {
        self.pos == self.bytes.len()
    }

    /// True when a request asked for more bytes than were left.
    pub fn ran_out(&self) -> bool {
        self.ran_out
    }
}

impl core::fmt::Debug for RecordedRandomness {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "RecordedRandomness({} of {} bytes used)",
            self.pos,
            self.bytes.len()
        )
    }
}

impl rand_core::RngCore for RecordedRandomness {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0; 4];
        self.fill_bytes(&mut b);
        u32::from_le_bytes(b)
    }

    fn next_u64(&mut self) -> u64 {
        let mut b = [0; 8];
        self.fill_bytes(&mut b);
        u64::from_le_bytes(b)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        if self.try_fill_bytes(dest).is_err() {
            dest.fill(0);
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        let src = self
            .pos
            .checked_add(dest.len())
            .and_then(|end| self.bytes.get(self.pos..end));
        match src {
            Some(src) => {
                dest.copy_from_slice(src);
                self.pos += dest.len();
                Ok(())
            }
            None => {
                self.ran_out = true;
                Err(rand_core::Error::from(
                    core::num::NonZeroU32::new(rand_core::Error::CUSTOM_START)
                        .unwrap_or(core::num::NonZeroU32::MIN),
                ))
            }
        }
    }
}

impl rand_core::CryptoRng for RecordedRandomness {}
