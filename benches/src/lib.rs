//! Shared fixtures for the winlaps criterion benches.
#![forbid(unsafe_code)]
