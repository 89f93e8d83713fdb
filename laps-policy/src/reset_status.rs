//! `./Device/Vendor/MSFT/LAPS/Actions/ResetPasswordStatus`: the HRESULT of
//! the last `ResetPassword`.

use serde::Serialize;

/// `S_OK`: the last ResetPassword succeeded.
pub const S_OK: u32 = 0;
/// `E_PENDING` (0x8000000A): the last ResetPassword is still running.
pub const E_PENDING: u32 = 0x8000_000A;
/// The value the CSP documentation prints for E_PENDING (`0x8000000`, a
/// typo). Accepted as "pending" too, since which one devices return is UNCERTAIN.
pub const E_PENDING_AS_DOCUMENTED: u32 = 0x0800_0000;

/// A decoded ResetPasswordStatus.
///
/// ```
/// use laps_policy::ResetPasswordStatus;
/// assert_eq!(ResetPasswordStatus::from_hresult(0), ResetPasswordStatus::Succeeded);
/// assert_eq!(ResetPasswordStatus::parse("-2147483638"), Some(ResetPasswordStatus::Pending));
/// assert_eq!(ResetPasswordStatus::parse("0x80070005"), Some(ResetPasswordStatus::Failed(0x8007_0005)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "status", content = "hresult", rename_all = "snake_case")]
pub enum ResetPasswordStatus {
    /// `S_OK`.
    Succeeded,
    /// `E_PENDING` (either spelling).
    Pending,
    /// Any other HRESULT: the error the reset hit.
    Failed(u32),
}

impl ResetPasswordStatus {
    /// Decodes an HRESULT.
    pub const fn from_hresult(hr: u32) -> Self {
        match hr {
            S_OK => ResetPasswordStatus::Succeeded,
            E_PENDING | E_PENDING_AS_DOCUMENTED => ResetPasswordStatus::Pending,
            other => ResetPasswordStatus::Failed(other),
        }
    }

    /// Decodes an HRESULT given as a number: unsigned, or signed as SyncML and PowerShell show a
    /// failing one.
    ///
    /// # Errors
    /// [`Error::HresultRange`](crate::Error::HresultRange) (kind `InvalidArgument`) outside
    /// `-2^31 ..= 2^32 - 1`.
    ///
    /// ```
    /// use laps_policy::ResetPasswordStatus;
    /// assert_eq!(ResetPasswordStatus::from_number(-2147483638), Ok(ResetPasswordStatus::Pending));
    /// assert_eq!(ResetPasswordStatus::from_number(0x8000_000A), Ok(ResetPasswordStatus::Pending));
    /// assert!(ResetPasswordStatus::from_number(1 << 32).is_err());
    /// ```
    pub fn from_number(value: i128) -> Result<Self, crate::Error> {
        let hr = u32::try_from(value)
            .or_else(|_| i32::try_from(value).map(|signed| signed as u32))
            .map_err(|_| crate::Error::HresultRange {
                value: value.to_string(),
            })?;
        Ok(Self::from_hresult(hr))
    }

    /// Parses the CSP `int` text: decimal (signed, as SyncML shows a negative
    /// HRESULT, or unsigned) or `0x` hex.
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim();
        let hr = if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
            u32::from_str_radix(hex, 16).ok()?
        } else if let Ok(signed) = t.parse::<i32>() {
            signed as u32
        } else {
            t.parse::<u32>().ok()?
        };
        Some(Self::from_hresult(hr))
    }

    /// `succeeded`, `pending` or `failed` (the `status` of the JSON form).
    pub const fn as_str(self) -> &'static str {
        match self {
            ResetPasswordStatus::Succeeded => "succeeded",
            ResetPasswordStatus::Pending => "pending",
            ResetPasswordStatus::Failed(_) => "failed",
        }
    }

    /// The HRESULT (E_PENDING in its real spelling).
    pub const fn hresult(self) -> u32 {
        match self {
            ResetPasswordStatus::Succeeded => S_OK,
            ResetPasswordStatus::Pending => E_PENDING,
            ResetPasswordStatus::Failed(hr) => hr,
        }
    }
}

impl std::str::FromStr for ResetPasswordStatus {
    type Err = crate::Error;

    /// Parses the CSP text (see [`parse`](ResetPasswordStatus::parse)). A decimal integer of
    /// any width outside `-2^31 ..= 2^32 - 1` is
    /// [`Error::HresultRange`](crate::Error::HresultRange) (kind `InvalidArgument`), as
    /// [`from_number`](ResetPasswordStatus::from_number) gives for the same number; anything
    /// else is [`Error::Hresult`](crate::Error::Hresult), kind `Format`.
    ///
    /// A binding hands any integer over as its decimal text, so no width is lost on the way:
    ///
    /// ```
    /// use laps_policy::{Error, ResetPasswordStatus};
    /// assert_eq!("-2147483638".parse(), Ok(ResetPasswordStatus::Pending));
    /// let wide = (1u128 << 100).to_string();
    /// assert!(matches!(wide.parse::<ResetPasswordStatus>(), Err(Error::HresultRange { value }) if value == wide));
    /// assert!(matches!("1.5".parse::<ResetPasswordStatus>(), Err(Error::Hresult { .. })));
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(status) = ResetPasswordStatus::parse(s) {
            return Ok(status);
        }
        let t = s.trim();
        let digits = t.strip_prefix(['-', '+']).unwrap_or(t);
        let text = t.chars().take(64).collect();
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            Err(crate::Error::HresultRange { value: text })
        } else {
            Err(crate::Error::Hresult { text })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_password_status_names_match_the_json() {
        for s in [
            ResetPasswordStatus::Succeeded,
            ResetPasswordStatus::Pending,
            ResetPasswordStatus::Failed(5),
        ] {
            assert_eq!(serde_json::to_value(s).unwrap()["status"], s.as_str());
        }
        assert_eq!("0".parse(), Ok(ResetPasswordStatus::Succeeded));
        let e = "soon".parse::<ResetPasswordStatus>().unwrap_err();
        assert_eq!(e.kind(), laps_core::ErrorKind::Format);
    }

    #[test]
    fn reset_password_status_text_out_of_range_is_the_numbers_range_error() {
        for text in [
            "4294967296",
            "-2147483649",
            "+99999999999999999999999999999999999999999",
        ] {
            let by_text = text.parse::<ResetPasswordStatus>().unwrap_err();
            assert_eq!(
                by_text.kind(),
                laps_core::ErrorKind::InvalidArgument,
                "{text}"
            );
            if let Ok(n) = text.parse::<i128>() {
                assert_eq!(ResetPasswordStatus::from_number(n).unwrap_err(), by_text);
            }
        }
        for text in ["0x100000000", "-", "", "12a"] {
            let e = text.parse::<ResetPasswordStatus>().unwrap_err();
            assert_eq!(e.kind(), laps_core::ErrorKind::Format, "{text:?}");
        }
    }

    #[test]
    fn reset_password_status_accepts_both_e_pending_spellings() {
        assert_eq!(
            ResetPasswordStatus::from_hresult(E_PENDING),
            ResetPasswordStatus::Pending
        );
        assert_eq!(
            ResetPasswordStatus::from_hresult(E_PENDING_AS_DOCUMENTED),
            ResetPasswordStatus::Pending
        );
        assert_eq!(
            ResetPasswordStatus::parse("2147483658"),
            Some(ResetPasswordStatus::Pending)
        );
        assert_eq!(
            ResetPasswordStatus::parse("0"),
            Some(ResetPasswordStatus::Succeeded)
        );
        assert_eq!(ResetPasswordStatus::parse("nope"), None);
        assert_eq!(ResetPasswordStatus::Failed(5).hresult(), 5);
    }
}
