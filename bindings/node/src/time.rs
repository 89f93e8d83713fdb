//! JS `Date` ↔ Windows FILETIME.
//!
//! A `Date` has millisecond precision and a FILETIME 100 ns: going out, the
//! sub-millisecond part is truncated (the exact ticks are offered separately
//! as a `bigint` where they matter).

use crate::error::{coded, invalid_arg, Result};
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

/// The current time, exact to 100 ns (a `Date` argument is only exact to the millisecond).
pub(crate) fn now() -> Result<FileTime> {
    FileTime::try_from(std::time::SystemTime::now()).map_err(coded)
}

/// Argument `name`, a `Date`, as a FILETIME; the current time when it is absent.
pub(crate) fn date_or_now(name: &str, date: Option<&DateTime<Utc>>) -> Result<FileTime> {
    date.map_or_else(now, |d| from_date(name, d))
}
