//! Decoding text inputs (SyncML, `.reg`) given as bytes: UTF-8 or UTF-16 with
//! a byte-order mark, as Windows tools write them.

use crate::Error;

/// Decodes `bytes`: a UTF-16LE/BE or UTF-8 byte-order mark selects the
/// encoding; without one the input must be UTF-8, unless `latin1_fallback`
/// (REGEDIT4 files are ANSI), in which case each byte is one character.
pub(crate) fn decode(
    bytes: &[u8],
    format: &'static str,
    latin1_fallback: bool,
) -> Result<String, Error> {
    let utf16 = |body: &[u8], le: bool, bom: usize| -> Result<String, Error> {
        if body.len() % 2 != 0 {
            return Err(Error::Encoding {
                format,
                offset: bom + body.len() - 1,
            });
        }
        let units = body.chunks_exact(2).map(|c| {
            if le {
                u16::from_le_bytes([c[0], c[1]])
            } else {
                u16::from_be_bytes([c[0], c[1]])
            }
        });
        Ok(char::decode_utf16(units)
            .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect())
    };
    if let Some(body) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(body, true, 2);
    }
    if let Some(body) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(body, false, 2);
    }
    let (body, bom) = match bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        Some(b) => (b, 3),
        None => (bytes, 0),
    };
    match std::str::from_utf8(body) {
        Ok(s) => Ok(s.to_owned()),
        Err(_) if latin1_fallback && bom == 0 => Ok(body.iter().map(|&b| char::from(b)).collect()),
        Err(e) => Err(Error::Encoding {
            format,
            offset: bom + e.valid_up_to(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boms_select_the_encoding() {
        assert_eq!(decode(b"\xFF\xFEa\0b\0", "t", false).unwrap(), "ab");
        assert_eq!(decode(b"\xFE\xFF\0a\0b", "t", false).unwrap(), "ab");
        assert_eq!(decode(b"\xEF\xBB\xBFab", "t", false).unwrap(), "ab");
        assert_eq!(decode(b"ab", "t", false).unwrap(), "ab");
        assert_eq!(decode(b"a\xE9", "t", true).unwrap(), "a\u{e9}");
        assert_eq!(
            decode(b"a\xE9", "t", false),
            Err(Error::Encoding {
                format: "t",
                offset: 1
            })
        );
        assert_eq!(
            decode(b"\xFF\xFEa\0b", "t", false),
            Err(Error::Encoding {
                format: "t",
                offset: 4
            })
        );
    }
}
