//! Node.js bindings of winlaps, built with napi-rs.
//!
//! Every exported function is a thin shell over the Rust crates: it converts
//! JS values in, calls laps-core / laps-policy / laps-crypto, and converts the
//! result (or an error with an [`error::ErrorCode`] code) back out. No logic lives here that
//! the Rust crates do not own.
//!
//! The hand-written code contains no `unsafe`: the crate denies it. (It cannot
//! `forbid` it, because the `#[napi]` macros `allow` it on the FFI glue they expand to.)
#![deny(unsafe_code)]

mod args;
mod batch;
pub mod cleartext;
pub mod credential;
pub mod directory;
pub mod encrypt;
pub mod error;
pub mod generate;
mod guard;
pub mod inspect;
pub mod keystore;
pub mod live;
pub mod parsers;
mod plain;
pub mod policy;
pub mod regvalue;
pub mod rotation;
mod time;
pub mod writers;
