//! The panic fences: every export runs inside [`guarded`], every worker-thread task inside
//! [`caught`], and a task's promise settles through [`settle`].

use crate::error::{internal, JsError, Result};
use napi::{Env, JsError as JsErrorValue};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Runs `f`, turning a Rust panic into a `LAPS_INTERNAL` error so no panic
/// ever unwinds into Node.
///
/// The panic payload is deliberately not copied into the message: it could
/// quote a value that was being processed.
pub(crate) fn guarded<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| Err(panicked()))
}

/// What a worker-thread task computed, or the panic it caught.
pub(crate) type Caught<T> = std::thread::Result<T>;

/// Runs a worker-thread task's `f`, catching a panic (a winlaps bug) as a value.
pub(crate) fn caught<T>(f: impl FnOnce() -> T) -> Caught<T> {
    catch_unwind(AssertUnwindSafe(f))
}

/// A task's promise: its value, or a rejection with a JS `Error` carrying the `LAPS_*` code
/// (`LAPS_INTERNAL` for a caught panic).
pub(crate) fn settle<T>(env: &Env, outcome: Caught<Result<T>>) -> napi::Result<T> {
    (outcome.unwrap_or_else(|_| Err(panicked())))
        .map_err(|e| napi::Error::from(JsErrorValue::from(e).into_unknown(*env)))
}

/// The error of a caught panic.
fn panicked() -> JsError {
    internal(laps_core::ErrorKind::PANIC_MESSAGE)
}
