//! The panic fence every export runs inside.

use crate::error::{internal, Result};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Runs `f`, turning a Rust panic into a `LAPS_INTERNAL` error so no panic
/// ever unwinds into Node.
///
/// The panic payload is deliberately not copied into the message: it could
/// quote a value that was being processed.
pub(crate) fn guarded<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(internal(
            "internal error: the native code panicked (this is a winlaps bug)",
        ))
    })
}
