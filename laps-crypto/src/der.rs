//! A small, strict DER reader and writer: exactly the subset the DPAPI-NG CMS needs.
//!
//! Why hand-written instead of the `der`/`cms` crates: LAPS appends the raw ciphertext *after* the
//! DER object (so the input is "one TLV plus trailing bytes"), the protection descriptor and the
//! Microsoft `[4]` AND-combiner are not modelled by `cms`, and errors here carry the absolute byte
//! offset of the offending TLV. The subset is small: single-byte tags, definite minimal-length
//! encodings, no indefinite lengths, lengths checked against the bytes present before anything is
//! sliced. Every read is bounds-checked; nothing can panic or loop on hostile input.

use crate::error::{malformed, Result};

pub(crate) const SEQUENCE: u8 = 0x30;
pub(crate) const SET: u8 = 0x31;
pub(crate) const INTEGER: u8 = 0x02;
pub(crate) const OCTET_STRING: u8 = 0x04;
pub(crate) const OID: u8 = 0x06;
pub(crate) const UTF8_STRING: u8 = 0x0c;

/// One decoded TLV.
#[derive(Clone, Copy)]
pub(crate) struct Tlv<'a> {
    pub(crate) tag: u8,
    pub(crate) value: &'a [u8],
    /// Absolute offset of the tag byte.
    pub(crate) offset: usize,
    /// Absolute offset of the first value byte.
    pub(crate) value_offset: usize,
}

impl<'a> Tlv<'a> {
    /// A reader over the contents of this (constructed) TLV.
    pub(crate) fn reader(&self) -> Reader<'a> {
        Reader::new(self.value, self.value_offset)
    }
}

/// Sequential reader over DER-encoded bytes; `base` is the absolute offset of `data[0]`.
#[derive(Clone)]
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    base: usize,
}

const S: &str = "DER";

impl<'a> Reader<'a> {
    pub(crate) fn new(data: &'a [u8], base: usize) -> Self {
        Reader { data, pos: 0, base }
    }

    /// Absolute offset of the next byte.
    pub(crate) fn offset(&self) -> usize {
        self.base + self.pos
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// The bytes not read yet.
    pub(crate) fn rest(&self) -> &'a [u8] {
        self.data.get(self.pos..).unwrap_or(&[])
    }

    pub(crate) fn peek_tag(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    /// Reads any TLV.
    pub(crate) fn any(&mut self) -> Result<Tlv<'a>> {
        let start = self.offset();
        let tag = *self
            .data
            .get(self.pos)
            .ok_or(malformed(S, start, "unexpected end of data"))?;
        if tag & 0x1f == 0x1f {
            return Err(malformed(S, start, "multi-byte tags are not supported"));
        }
        let first =
            *self
                .data
                .get(self.pos + 1)
                .ok_or(malformed(S, start + 1, "missing length"))?;
        let (len, header) = if first < 0x80 {
            (first as usize, 2)
        } else {
            let n = (first & 0x7f) as usize;
            if n == 0 {
                return Err(malformed(S, start + 1, "indefinite length is not DER"));
            }
            if n > 4 {
                return Err(malformed(S, start + 1, "length too large"));
            }
            let bytes = self
                .data
                .get(self.pos + 2..self.pos + 2 + n)
                .ok_or(malformed(S, start + 1, "truncated length"))?;
            if bytes[0] == 0 {
                return Err(malformed(S, start + 1, "non-minimal length encoding"));
            }
            let len = bytes.iter().fold(0usize, |acc, &b| (acc << 8) | b as usize);
            if len < 0x80 {
                return Err(malformed(S, start + 1, "non-minimal length encoding"));
            }
            (len, 2 + n)
        };
        let value_start = self.pos + header;
        let value = value_start
            .checked_add(len)
            .and_then(|end| self.data.get(value_start..end))
            .ok_or(malformed(S, start, "length exceeds the data"))?;
        self.pos = value_start + len;
        Ok(Tlv {
            tag,
            value,
            offset: start,
            value_offset: self.base + value_start,
        })
    }

    /// Reads a TLV that must have `tag`.
    pub(crate) fn expect(
        &mut self,
        tag: u8,
        structure: &'static str,
        what: &'static str,
    ) -> Result<Tlv<'a>> {
        let at = self.offset();
        if self.peek_tag() != Some(tag) {
            return Err(malformed(structure, at, what));
        }
        self.any()
    }

    /// Reads a small non-negative INTEGER.
    pub(crate) fn small_uint(
        &mut self,
        structure: &'static str,
        what: &'static str,
    ) -> Result<u32> {
        let t = self.expect(INTEGER, structure, what)?;
        let v = t.value;
        let ok_len = !v.is_empty() && v.len() <= 5;
        let minimal = v.len() <= 1 || !(v[0] == 0 && v.get(1).is_some_and(|b| b & 0x80 == 0));
        if !ok_len || !minimal || v[0] & 0x80 != 0 {
            return Err(malformed(structure, t.offset, what));
        }
        let n = v.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        u32::try_from(n).map_err(|_| malformed(structure, t.offset, what))
    }

    /// Requires that everything was consumed.
    pub(crate) fn finish(&self, structure: &'static str) -> Result<()> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(malformed(
                structure,
                self.offset(),
                "unexpected trailing data",
            ))
        }
    }
}

/// Appends a TLV with `tag` and `value`.
pub(crate) fn write(out: &mut Vec<u8>, tag: u8, value: &[u8]) {
    out.push(tag);
    let len = value.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = (len as u32).to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (4 - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(value);
}

/// A TLV built from parts.
pub(crate) fn tlv(tag: u8, parts: &[&[u8]]) -> Vec<u8> {
    let value = parts.concat();
    let mut out = Vec::with_capacity(value.len() + 6);
    write(&mut out, tag, &value);
    out
}

/// Dotted form of an encoded OID (for messages and inspection).
pub(crate) fn oid_to_string(value: &[u8]) -> String {
    let mut arcs: Vec<u64> = Vec::new();
    let mut acc: u64 = 0;
    for &b in value {
        if acc > (u64::MAX >> 8) {
            return format!("<invalid OID {}>", hex::encode(value));
        }
        acc = (acc << 7) | u64::from(b & 0x7f);
        if b & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (acc / 40).min(2);
                arcs.push(first);
                arcs.push(acc - first * 40);
            } else {
                arcs.push(acc);
            }
            acc = 0;
        }
    }
    if value.is_empty() || value.last().is_some_and(|b| b & 0x80 != 0) {
        return format!("<invalid OID {}>", hex::encode(value));
    }
    arcs.iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_lengths_round_trip_and_reject_non_minimal() {
        for len in [0usize, 1, 127, 128, 255, 256, 70000] {
            let v = vec![7u8; len];
            let enc = tlv(OCTET_STRING, &[&v]);
            let mut r = Reader::new(&enc, 0);
            let t = r.any().unwrap();
            assert_eq!(t.value.len(), len);
            assert!(r.is_empty());
        }
        for bad in [
            &[0x04, 0x81, 0x05][..],
            &[0x04, 0x82, 0x00, 0x80],
            &[0x04, 0x80],
            &[0x04, 0x05, 1],
            &[0x1f, 0],
        ] {
            assert!(Reader::new(bad, 0).any().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn oid_strings() {
        assert_eq!(
            oid_to_string(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03]),
            "1.2.840.113549.1.7.3"
        );
        assert_eq!(
            oid_to_string(&[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2e]),
            "2.16.840.1.101.3.4.1.46"
        );
        assert!(oid_to_string(&[0x86]).starts_with("<invalid"));
    }
}
