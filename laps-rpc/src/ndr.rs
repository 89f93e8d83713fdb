//! NDR (transfer syntax `8a885d04-1ceb-11c9-9fe8-08002b104860` v2.0, C706 chapter 14) and
//! NDR64 (`71710533-beba-4937-8319-b5dbef9ccc36` v1.0, [MS-RPCE] 2.2.5), little-endian only,
//! with just the constructs `ept_map` and `GetKey` use: integers, GUIDs, unique pointers,
//! conformant (and conformant-varying) arrays, context handles.
//!
//! The two differ in what this crate needs only in sizes: NDR64 conformance counts, array
//! offsets and pointer referent ids are 8 bytes aligned to 8, NDR's are 4 bytes aligned to 4.
//! Alignment is relative to the start of the stub data.

use crate::error::{Error, Result};
use crate::pdu::SyntaxId;
use laps_crypto::Guid;

/// A transfer syntax this crate encodes and decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransferSyntax {
    /// NDR 2.0 (what impacket and Samba propose).
    Ndr,
    /// NDR64 1.0 (what dpapi-ng and Windows propose first).
    Ndr64,
}

/// `8a885d04-1ceb-11c9-9fe8-08002b104860` v2.0.
pub const NDR_SYNTAX: SyntaxId = SyntaxId::new(
    Guid::from_bytes_le([
        0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11, 0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48,
        0x60,
    ]),
    2,
    0,
);

/// `71710533-beba-4937-8319-b5dbef9ccc36` v1.0.
pub const NDR64_SYNTAX: SyntaxId = SyntaxId::new(
    Guid::from_bytes_le([
        0x33, 0x05, 0x71, 0x71, 0xba, 0xbe, 0x37, 0x49, 0x83, 0x19, 0xb5, 0xdb, 0xef, 0x9c, 0xcc,
        0x36,
    ]),
    1,
    0,
);

impl TransferSyntax {
    /// The syntax identifier proposed in a bind.
    pub const fn syntax_id(self) -> SyntaxId {
        match self {
            TransferSyntax::Ndr => NDR_SYNTAX,
            TransferSyntax::Ndr64 => NDR64_SYNTAX,
        }
    }

    /// The transfer syntax with this identifier, if supported.
    pub fn from_syntax_id(id: &SyntaxId) -> Option<Self> {
        if *id == NDR_SYNTAX {
            Some(TransferSyntax::Ndr)
        } else if *id == NDR64_SYNTAX {
            Some(TransferSyntax::Ndr64)
        } else {
            None
        }
    }

    /// Size and alignment of a conformance count, array offset or pointer referent id.
    const fn wide(self) -> usize {
        match self {
            TransferSyntax::Ndr => 4,
            TransferSyntax::Ndr64 => 8,
        }
    }
}

/// Appends NDR / NDR64 data to a stub.
#[derive(Debug)]
pub struct NdrWriter {
    syntax: TransferSyntax,
    buf: Vec<u8>,
    next_referent: u32,
    referent_step: u32,
}

impl NdrWriter {
    /// An empty stub in `syntax`.
    pub fn new(syntax: TransferSyntax) -> Self {
        NdrWriter {
            syntax,
            buf: Vec::new(),
            next_referent: 0x0002_0000,
            referent_step: 4,
        }
    }

    /// Numbers pointer referent ids `first`, `first + step`, ... (any non-zero values are
    /// valid; Windows uses 0x20000 step 4, dpapi-ng 1 step 1).
    pub fn referent_ids(mut self, first: u32, step: u32) -> Self {
        self.next_referent = first;
        self.referent_step = step;
        self
    }

    /// Pads with zeros to a multiple of `n` bytes.
    pub fn align(&mut self, n: usize) {
        while self.buf.len() % n != 0 {
            self.buf.push(0);
        }
    }

    /// An aligned `u16`.
    pub fn u16(&mut self, v: u16) {
        self.align(2);
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    /// An aligned `u32`.
    pub fn u32(&mut self, v: u32) {
        self.align(4);
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    /// An aligned `i32`.
    pub fn i32(&mut self, v: i32) {
        self.u32(v as u32);
    }

    /// A conformance count, array offset or actual count (4 or 8 bytes).
    pub fn size(&mut self, n: usize) {
        match self.syntax {
            TransferSyntax::Ndr => self.u32(n as u32),
            TransferSyntax::Ndr64 => {
                self.align(8);
                self.buf.extend_from_slice(&(n as u64).to_le_bytes());
            }
        }
    }

    /// A unique/full pointer's referent id: a fresh non-zero id, or 0 for NULL.
    pub fn pointer(&mut self, present: bool) {
        let id = if present {
            let id = self.next_referent;
            self.next_referent = self.next_referent.wrapping_add(self.referent_step).max(1);
            id
        } else {
            0
        };
        self.size(id as usize);
    }

    /// A GUID (aligned to 4).
    pub fn guid(&mut self, g: &Guid) {
        self.align(4);
        self.buf.extend_from_slice(g.as_bytes_le());
    }

    /// Raw bytes, no alignment.
    pub fn bytes(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }

    /// The stub.
    pub fn finish(self) -> Vec<u8> {
        self.buf
    }
}

/// Reads NDR / NDR64 data from a stub; every read is bounds-checked.
#[derive(Debug)]
pub struct NdrReader<'a> {
    syntax: TransferSyntax,
    buf: &'a [u8],
    pos: usize,
}

impl<'a> NdrReader<'a> {
    /// A reader over `stub` in `syntax`.
    pub fn new(syntax: TransferSyntax, stub: &'a [u8]) -> Self {
        NdrReader {
            syntax,
            buf: stub,
            pos: 0,
        }
    }

    /// Current offset from the start of the stub.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The bytes not read yet.
    pub fn rest(&self) -> &'a [u8] {
        &self.buf[self.pos..]
    }

    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        match end {
            Some(end) => {
                let s = &self.buf[self.pos..end];
                self.pos = end;
                Ok(s)
            }
            None => Err(Error::Truncated {
                structure: what,
                offset: self.pos,
                needed: n - (self.buf.len() - self.pos.min(self.buf.len())),
            }),
        }
    }

    /// Skips padding to a multiple of `n` bytes.
    pub fn align(&mut self, n: usize) -> Result<()> {
        let pad = (n - self.pos % n) % n;
        self.take(pad, "NDR alignment padding").map(|_| ())
    }

    /// An aligned `u16`.
    pub fn u16(&mut self) -> Result<u16> {
        self.align(2)?;
        let b = self.take(2, "NDR u16")?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    /// An aligned `u32`.
    pub fn u32(&mut self) -> Result<u32> {
        self.align(4)?;
        let b = self.take(4, "NDR u32")?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// An aligned `i32`.
    pub fn i32(&mut self) -> Result<i32> {
        Ok(self.u32()? as i32)
    }

    /// A conformance count, array offset or actual count (4 or 8 bytes). Values that do not
    /// fit in `usize` or exceed the remaining input are the caller's to reject; this returns
    /// them as `u64`.
    pub fn size(&mut self) -> Result<u64> {
        let w = self.syntax.wide();
        self.align(w)?;
        let b = self.take(w, "NDR conformance")?;
        let mut v = [0u8; 8];
        v[..w].copy_from_slice(b);
        Ok(u64::from_le_bytes(v))
    }

    /// A count that must not exceed the bytes left (so that no allocation follows a lie).
    pub fn bounded_size(&mut self, element: usize, what: &'static str) -> Result<usize> {
        let at = self.pos;
        let n = self.size()?;
        let left = (self.buf.len() - self.pos) as u64;
        if n.saturating_mul(element.max(1) as u64) > left {
            return Err(Error::Malformed {
                structure: what,
                offset: at,
                reason: "count larger than the remaining data",
            });
        }
        Ok(n as usize)
    }

    /// A unique pointer's referent id: `true` when non-NULL.
    pub fn pointer(&mut self) -> Result<bool> {
        Ok(self.size()? != 0)
    }

    /// A GUID (aligned to 4).
    pub fn guid(&mut self) -> Result<Guid> {
        self.align(4)?;
        let b = self.take(16, "NDR GUID")?;
        let mut g = [0u8; 16];
        g.copy_from_slice(b);
        Ok(Guid::from_bytes_le(g))
    }

    /// `n` raw bytes.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        self.take(n, "NDR byte array")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ndr64_sizes_and_pointers_are_eight_bytes_aligned() {
        let mut w = NdrWriter::new(TransferSyntax::Ndr64);
        w.u32(4);
        w.size(4);
        w.pointer(true);
        assert_eq!(
            hex::encode(w.finish()),
            "04000000000000000400000000000000\
             0000020000000000"
        );
    }

    #[test]
    fn ndr_sizes_and_pointers_are_four_bytes() {
        let mut w = NdrWriter::new(TransferSyntax::Ndr);
        w.u32(4);
        w.size(4);
        w.pointer(true);
        w.pointer(false);
        assert_eq!(hex::encode(w.finish()), "04000000040000000000020000000000");
    }

    #[test]
    fn reader_rejects_counts_beyond_the_input() {
        let stub = [0xff; 8];
        let mut r = NdrReader::new(TransferSyntax::Ndr64, &stub);
        assert!(matches!(
            r.bounded_size(1, "x"),
            Err(Error::Malformed { offset: 0, .. })
        ));
        let mut r = NdrReader::new(TransferSyntax::Ndr, &stub[..3]);
        assert!(matches!(r.u32(), Err(Error::Truncated { needed: 1, .. })));
    }
}
