//! A deterministic xorshift64 byte source for the arithmetic tests (not for keys: tests only).

/// Marsaglia's xorshift64: reproducible pseudo-random operands from a fixed seed.
pub(crate) struct TestRng(u64);

impl TestRng {
    /// A generator started at `seed` (non-zero).
    pub(crate) fn new(seed: u64) -> Self {
        TestRng(seed)
    }

    /// The next 64-bit output.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// `n` bytes, the low byte of each output.
    pub(crate) fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }
}
