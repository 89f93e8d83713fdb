//! JS `Date` ↔ Windows FILETIME.
//!
//! A `Date` has millisecond precision and a FILETIME 100 ns: going out, the
//! sub-millisecond part is truncated (the exact ticks are offered separately
//! as a `bigint` where they matter).

use crate::error::{invalid_arg, Result};
use chrono::{DateTime, Utc};
use laps_core::FileTime;

/// A FILETIME as a JS `Date` (UTC, truncated to the millisecond).
pub(crate) fn to_date(t: FileTime) -> DateTime<Utc> {
    let millis = i64::try_from(t.unix_nanos().div_euclid(1_000_000)).unwrap_or(i64::MAX);
    DateTime::from_timestamp_millis(millis).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// A JS `Date` as a FILETIME; dates before 1601 are rejected.
pub(crate) fn from_date(name: impl std::fmt::Display, d: &DateTime<Utc>) -> Result<FileTime> {
    FileTime::from_unix_nanos(i128::from(d.timestamp_millis()) * 1_000_000)
        .ok_or_else(|| invalid_arg(format!("{name} is before 1601, outside the FILETIME range")))
}
