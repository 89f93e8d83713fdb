//! Plain data (a JSON value, or what a binding builds from a dict or a JS object) as one of the
//! crates' serde forms, a refusal naming the field.

use crate::Error;
use serde::de::DeserializeOwned;

/// How deeply plain data may nest. The crates' forms need three levels; a binding refuses
/// deeper (or cyclic) data before converting it, rather than recursing until the stack
/// overflows.
pub const MAX_DEPTH: u32 = 32;

/// `value` as `T`, so the type's own validation and defaults apply. A refusal is
/// [`Error::Plain`], naming the field in the form's spelling (`password_policy.minimum_length`).
///
/// ```
/// use laps_policy::{from_plain, Device, Error};
///
/// let device: Device = from_plain(serde_json::json!({ "os_build": 22631 })).unwrap();
/// assert_eq!(device.os_build, 22631);
///
/// let refused = from_plain::<Device>(serde_json::json!({ "password_policy": { "minimum_length": "x" } }));
/// let Err(Error::Plain { field, .. }) = refused else { panic!() };
/// assert_eq!(field.as_deref(), Some("password_policy.minimum_length"));
/// ```
pub fn from_plain<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, Error> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let field = e.path().to_string();
        Error::Plain {
            field: (field != ".").then_some(field),
            reason: e.into_inner().to_string(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Device;
    use serde_json::json;

    #[test]
    fn plain_refusal_names_the_nested_field() {
        let e = from_plain::<Device>(json!({ "password_policy": { "minimum_length": -1 } }))
            .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("password_policy.minimum_length: invalid value"),
            "{e}"
        );
        assert_eq!(e.kind(), laps_core::ErrorKind::InvalidArgument);
    }

    #[test]
    fn plain_refusal_of_the_value_itself_names_no_field() {
        let e = from_plain::<Device>(json!("ad")).unwrap_err();
        assert!(
            matches!(&e, Error::Plain { field: None, reason } if reason.starts_with("invalid type")),
            "{e:?}"
        );
    }

    #[test]
    fn plain_unknown_field_is_refused() {
        let e = from_plain::<Device>(json!({ "os_biuld": 1 })).unwrap_err();
        assert!(e.to_string().contains("unknown field `os_biuld`"), "{e}");
    }
}
