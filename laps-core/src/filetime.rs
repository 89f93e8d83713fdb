//! Windows `FILETIME` (100-nanosecond intervals since 1601-01-01 UTC) and its
//! conversions, shared by every winlaps crate.
//!
//! LAPS stores times as FILETIMEs in several shapes: the msLAPS-Password JSON
//! `t` field (lower-case hex), `msLAPS-PasswordExpirationTime` (a decimal
//! string), and the 16-byte header of the encrypted attributes (high dword
//! first). [`FileTime`] is the one type all of them convert through.

use core::fmt;

/// Number of 100 ns ticks between 1601-01-01 and 1970-01-01.
pub const UNIX_EPOCH_TICKS: u64 = 116_444_736_000_000_000;
/// 100 ns ticks per second.
pub const TICKS_PER_SECOND: u64 = 10_000_000;

/// A Windows FILETIME: 100 ns ticks since 1601-01-01T00:00:00Z.
///
/// ```
/// use laps_core::FileTime;
/// let t = FileTime::from_unix_seconds(0).unwrap();
/// assert_eq!(t.ticks(), 116_444_736_000_000_000);
/// assert_eq!(t.to_rfc3339(), "1970-01-01T00:00:00Z");
/// assert_eq!(FileTime::from_hex("1d9e2b5c5a1e5c0").unwrap().to_hex(), "1d9e2b5c5a1e5c0");
/// ```
///
/// Its serde form is the tick count: a newtype struct named [`FileTime::SERDE_NAME`] around
/// the `u64` (JSON and other formats that write newtypes transparently see a plain number; a
/// converter into a language with a date type can recognise the name). Going in, a
/// non-negative integer; anything else is refused as "expected a FILETIME (...)".
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FileTime(u64);

impl FileTime {
    /// The FILETIME with the given raw tick count.
    pub const fn from_ticks(ticks: u64) -> Self {
        FileTime(ticks)
    }

    /// Raw 100 ns ticks since 1601.
    pub const fn ticks(self) -> u64 {
        self.0
    }

    /// From the two dwords as stored in Windows structures (`dwHighDateTime`, `dwLowDateTime`).
    pub const fn from_parts(high: u32, low: u32) -> Self {
        FileTime(((high as u64) << 32) | low as u64)
    }

    /// High dword.
    pub const fn high(self) -> u32 {
        (self.0 >> 32) as u32
    }

    /// Low dword.
    pub const fn low(self) -> u32 {
        self.0 as u32
    }

    /// From seconds since the Unix epoch; `None` before 1601 or past the FILETIME range.
    pub fn from_unix_seconds(secs: i64) -> Option<Self> {
        Self::from_unix_nanos(i128::from(secs) * 1_000_000_000)
    }

    /// From nanoseconds since the Unix epoch (truncated to 100 ns); `None` when out of range.
    pub fn from_unix_nanos(nanos: i128) -> Option<Self> {
        let ticks = nanos.div_euclid(100) + i128::from(UNIX_EPOCH_TICKS);
        u64::try_from(ticks).ok().map(FileTime)
    }

    /// Seconds since the Unix epoch (floor), may be negative for times before 1970.
    pub fn unix_seconds(self) -> i64 {
        let rel = i128::from(self.0) - i128::from(UNIX_EPOCH_TICKS);
        rel.div_euclid(i128::from(TICKS_PER_SECOND)) as i64
    }

    /// Nanoseconds since the Unix epoch.
    pub fn unix_nanos(self) -> i128 {
        (i128::from(self.0) - i128::from(UNIX_EPOCH_TICKS)) * 100
    }

    /// `self + days`, saturating at the end of the FILETIME range.
    pub fn add_days(self, days: u32) -> Self {
        FileTime(
            self.0
                .saturating_add(u64::from(days).saturating_mul(86_400 * TICKS_PER_SECOND)),
        )
    }

    /// `self + seconds`, saturating.
    pub fn add_seconds(self, secs: u64) -> Self {
        FileTime(self.0.saturating_add(secs.saturating_mul(TICKS_PER_SECOND)))
    }

    /// Lower-case hex without leading zeros, as in the msLAPS-Password `t` field.
    pub fn to_hex(self) -> String {
        format!("{:x}", self.0)
    }

    /// Parses hex (either case, no prefix, 1–16 digits), as in the msLAPS-Password `t` field.
    pub fn from_hex(s: &str) -> Option<Self> {
        if s.is_empty() || s.len() > 16 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u64::from_str_radix(s, 16).ok().map(FileTime)
    }

    /// Decimal string, as in `msLAPS-PasswordExpirationTime` / `ms-Mcs-AdmPwdExpirationTime`.
    pub fn to_decimal(self) -> String {
        self.0.to_string()
    }

    /// Parses a decimal FILETIME string (ASCII digits only, 1–20 digits).
    pub fn from_decimal(s: &str) -> Option<Self> {
        if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok().map(FileTime)
    }

    /// Civil UTC date and time: (year, month, day, hour, minute, second, 100 ns fraction).
    pub fn to_civil(self) -> (i64, u32, u32, u32, u32, u32, u32) {
        let secs = self.0 / TICKS_PER_SECOND;
        let frac = (self.0 % TICKS_PER_SECOND) as u32;
        // Days since 1601-01-01, then shift to the Unix epoch for the civil algorithm.
        let days = (secs / 86_400) as i64 - 134_774;
        let sod = secs % 86_400;
        let (y, m, d) = civil_from_days(days);
        (
            y,
            m,
            d,
            (sod / 3600) as u32,
            (sod % 3600 / 60) as u32,
            (sod % 60) as u32,
            frac,
        )
    }

    /// From a civil UTC date and time; `None` when invalid or out of range.
    pub fn from_civil(
        year: i64,
        month: u32,
        day: u32,
        hour: u32,
        minute: u32,
        second: u32,
    ) -> Option<Self> {
        // Years outside 1601..=60056 are out of range anyway; checking first also keeps the
        // day arithmetic below from overflowing on extreme years.
        if !(1601..=60_056).contains(&year)
            || !(1..=12).contains(&month)
            || day == 0
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 59
        {
            return None;
        }
        let days = days_from_civil(year, month, day);
        let secs = days.checked_mul(86_400)? + i64::from(hour * 3600 + minute * 60 + second);
        Self::from_unix_seconds(secs)
    }

    /// RFC 3339 UTC, e.g. `2024-01-02T03:04:05Z` (fraction shown only when non-zero).
    pub fn to_rfc3339(self) -> String {
        let (y, mo, d, h, mi, s, frac) = self.to_civil();
        if frac == 0 {
            format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
        } else {
            format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{frac:07}Z")
        }
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.fffffff](Z|+00:00)` (UTC only).
    pub fn parse_rfc3339(s: &str) -> Option<Self> {
        let s = s.strip_suffix('Z').or_else(|| s.strip_suffix("+00:00"))?;
        let (date, time) = s.split_once(['T', ' '])?;
        let mut dp = date.splitn(3, '-');
        let y: i64 = dp.next()?.parse().ok()?;
        let mo: u32 = dp.next()?.parse().ok()?;
        let d: u32 = dp.next()?.parse().ok()?;
        let (hms, frac) = match time.split_once('.') {
            Some((a, f)) => (a, Some(f)),
            None => (time, None),
        };
        let mut tp = hms.splitn(3, ':');
        let h: u32 = tp.next()?.parse().ok()?;
        let mi: u32 = tp.next()?.parse().ok()?;
        let sec: u32 = tp.next()?.parse().ok()?;
        let base = Self::from_civil(y, mo, d, h, mi, sec)?;
        let ticks = match frac {
            None => 0,
            Some(f) if !f.is_empty() && f.len() <= 7 && f.bytes().all(|b| b.is_ascii_digit()) => {
                f.parse::<u64>().ok()? * 10u64.pow(7 - f.len() as u32)
            }
            Some(_) => return None,
        };
        Some(FileTime(base.0.checked_add(ticks)?))
    }
}

impl TryFrom<std::time::SystemTime> for FileTime {
    type Error = crate::Error;

    /// The FILETIME of a system time; [`Error::TimeOutOfRange`](crate::Error::TimeOutOfRange)
    /// before 1601 or after 30828.
    ///
    /// ```
    /// use laps_core::FileTime;
    /// use std::time::{Duration, UNIX_EPOCH};
    /// let t = FileTime::try_from(UNIX_EPOCH + Duration::from_secs(1))?;
    /// assert_eq!(t.to_rfc3339(), "1970-01-01T00:00:01Z");
    /// # Ok::<(), laps_core::Error>(())
    /// ```
    fn try_from(t: std::time::SystemTime) -> Result<Self, crate::Error> {
        let nanos = match t.duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => i128::try_from(d.as_nanos()).ok(),
            Err(e) => i128::try_from(e.duration().as_nanos()).ok().map(|n| -n),
        };
        nanos
            .and_then(FileTime::from_unix_nanos)
            .ok_or(crate::Error::TimeOutOfRange)
    }
}

#[cfg(feature = "serde")]
impl FileTime {
    /// The name of the newtype struct a [`FileTime`] serializes as.
    pub const SERDE_NAME: &'static str = "FileTime";
    /// What a refused serde input was expected to be, as its error message says.
    pub const SERDE_EXPECTING: &'static str = "a FILETIME (100 ns ticks since 1601)";
}

#[cfg(feature = "serde")]
impl serde::Serialize for FileTime {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_newtype_struct(Self::SERDE_NAME, &self.0)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for FileTime {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        /// Reads the tick count, naming a FILETIME in its refusals.
        struct Ticks;
        impl serde::de::Visitor<'_> for Ticks {
            type Value = FileTime;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(FileTime::SERDE_EXPECTING)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<FileTime, E> {
                Ok(FileTime(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<FileTime, E> {
                u64::try_from(v)
                    .map(FileTime)
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(v), &self))
            }
        }
        d.deserialize_u64(Ticks)
    }
}

impl fmt::Debug for FileTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FileTime({} = {})", self.0, self.to_rfc3339())
    }
}

impl fmt::Display for FileTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's civil-date algorithms (days relative to 1970-01-01).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_constants() {
        assert_eq!(
            FileTime::from_civil(1970, 1, 1, 0, 0, 0).unwrap().ticks(),
            UNIX_EPOCH_TICKS
        );
        assert_eq!(FileTime::from_ticks(0).to_rfc3339(), "1601-01-01T00:00:00Z");
    }

    #[test]
    fn rfc3339_round_trip() {
        for s in [
            "2023-04-05T06:07:08Z",
            "2024-02-29T23:59:59Z",
            "1601-01-01T00:00:00Z",
            "2024-02-29T23:59:59.1234567Z",
        ] {
            assert_eq!(FileTime::parse_rfc3339(s).unwrap().to_rfc3339(), s);
        }
        assert!(FileTime::parse_rfc3339("2023-02-29T00:00:00Z").is_none());
        assert!(FileTime::parse_rfc3339("2023-01-01T00:00:00").is_none());
    }

    #[test]
    fn parts_and_text_forms() {
        let t = FileTime::from_parts(0x01d9_e2b5, 0xc5a1_e5c0);
        assert_eq!(t.high(), 0x01d9_e2b5);
        assert_eq!(t.low(), 0xc5a1_e5c0);
        assert_eq!(FileTime::from_decimal(&t.to_decimal()), Some(t));
        assert_eq!(FileTime::from_hex(&t.to_hex()), Some(t));
        assert_eq!(FileTime::from_hex("1D9E2B5C5A1E5C0"), Some(t));
        assert!(FileTime::from_hex("").is_none());
        assert!(FileTime::from_hex("0x12").is_none());
        assert!(FileTime::from_hex("11111111111111111").is_none());
        assert!(FileTime::from_decimal("-1").is_none());
        assert!(FileTime::from_decimal("99999999999999999999").is_none());
    }

    #[test]
    fn unix_conversions() {
        let t = FileTime::from_unix_seconds(1_700_000_000).unwrap();
        assert_eq!(t.unix_seconds(), 1_700_000_000);
        assert_eq!(t.to_rfc3339(), "2023-11-14T22:13:20Z");
        assert!(FileTime::from_unix_seconds(-11_644_473_601).is_none());
        assert_eq!(t.add_days(1).unix_seconds(), 1_700_086_400);
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serde_form_is_the_tick_count_and_refusals_name_a_filetime() {
        let t = FileTime::from_ticks(0x01d9_e2b5_c5a1_e5c0);
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, "133386934316819904");
        assert_eq!(serde_json::from_str::<FileTime>(&json).unwrap(), t);
        let value: FileTime = serde_json::from_value(serde_json::json!(0)).unwrap();
        assert_eq!(value, FileTime::from_ticks(0));
        for bad in ["\"yesterday\"", "-1", "1.5", "true"] {
            let e = serde_json::from_str::<FileTime>(bad)
                .unwrap_err()
                .to_string();
            assert!(e.contains(FileTime::SERDE_EXPECTING), "{bad}: {e}");
        }
    }
}
