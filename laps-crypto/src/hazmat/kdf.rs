//! The two KDFs of GKDI: SP 800-108 counter mode over HMAC, and the one-block SP 800-56A
//! concatenation KDF used after the key agreement.

use crate::prf::{self, HmacKey, Sha};
use crate::wire::utf16z;
use crate::{Error, Result};
use zeroize::Zeroizing;

/// The hash of the SP 800-108 PRF (HMAC-H), named by the root key's `msKds-KDFParam`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum KdfHash {
    /// HMAC-SHA1.
    #[serde(rename = "SHA1")]
    Sha1,
    /// HMAC-SHA256.
    #[serde(rename = "SHA256")]
    Sha256,
    /// HMAC-SHA384.
    #[serde(rename = "SHA384")]
    Sha384,
    /// HMAC-SHA512 (the Windows default).
    #[serde(rename = "SHA512")]
    Sha512,
}

impl KdfHash {
    /// The CNG name (`"SHA512"`, ...), as written in the KDF parameters blob.
    pub const fn name(self) -> &'static str {
        match self {
            KdfHash::Sha1 => "SHA1",
            KdfHash::Sha256 => "SHA256",
            KdfHash::Sha384 => "SHA384",
            KdfHash::Sha512 => "SHA512",
        }
    }

    /// Parses a CNG hash name (case-insensitive).
    pub fn from_name(name: &str) -> Result<Self> {
        match name.to_ascii_uppercase().as_str() {
            "SHA1" => Ok(KdfHash::Sha1),
            "SHA256" => Ok(KdfHash::Sha256),
            "SHA384" => Ok(KdfHash::Sha384),
            "SHA512" => Ok(KdfHash::Sha512),
            _ => Err(Error::UnsupportedAlgorithm(format!("KDF hash {name:?}"))),
        }
    }
}

/// UTF-16LE of `"KDS service\0"`: the label of every GKDI KDF call (the KDF then adds its own 0x00).
pub const KDS_SERVICE_LABEL: &[u8] = &[
    0x4b, 0, 0x44, 0, 0x53, 0, 0x20, 0, 0x73, 0, 0x65, 0, 0x72, 0, 0x76, 0, 0x69, 0, 0x63, 0, 0x65,
    0, 0, 0,
];

/// UTF-16LE of `"KDS public key\0"`.
pub(crate) const KDS_PUBLIC_KEY: &[u8] = &[
    0x4b, 0, 0x44, 0, 0x53, 0, 0x20, 0, 0x70, 0, 0x75, 0, 0x62, 0, 0x6c, 0, 0x69, 0, 0x63, 0, 0x20,
    0, 0x6b, 0, 0x65, 0, 0x79, 0, 0, 0,
];

/// The counter-mode loop for one hash. The keyed HMAC state and every block are zeroized
/// ([`crate::prf`]); the output buffer is reserved for all blocks up front.
fn counter_mode<H: Sha>(
    key: &[u8],
    label: &[u8],
    context: &[u8],
    len: usize,
) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(len + H::OUT));
    let bits = ((len as u64) * 8) as u32;
    // One keyed state, reused per block: the key schedule is paid once.
    let keyed = HmacKey::<H>::new(key);
    let mut block = Zeroizing::new([0u8; 64]);
    let mut counter: u32 = 1;
    while out.len() < len {
        keyed.mac(
            &[
                &counter.to_be_bytes(),
                label,
                &[0],
                context,
                &bits.to_be_bytes(),
            ],
            &mut block[..H::OUT],
        );
        out.extend_from_slice(&block[..H::OUT]);
        counter = counter.wrapping_add(1);
    }
    out.truncate(len);
    out
}

/// NIST SP 800-108 KDF in counter mode with PRF HMAC-`hash`:
/// `HMAC(key, [i]₃₂ ‖ label ‖ 0x00 ‖ context ‖ [8·len]₃₂)` for i = 1, 2, …, truncated to `len` bytes.
///
/// `label` is passed as is (GKDI's label already carries its UTF-16 NUL; this function adds the
/// separator byte).
///
/// ```
/// use laps_crypto::hazmat::kdf::{sp800_108, KdfHash, KDS_SERVICE_LABEL};
/// let out = sp800_108(KdfHash::Sha512, &[0u8; 64], KDS_SERVICE_LABEL, b"context", 32);
/// assert_eq!(out.len(), 32);
/// ```
pub fn sp800_108(
    hash: KdfHash,
    key: &[u8],
    label: &[u8],
    context: &[u8],
    len: usize,
) -> Zeroizing<Vec<u8>> {
    match hash {
        KdfHash::Sha1 => counter_mode::<prf::Sha1>(key, label, context, len),
        KdfHash::Sha256 => counter_mode::<prf::Sha256>(key, label, context, len),
        KdfHash::Sha384 => counter_mode::<prf::Sha384>(key, label, context, len),
        KdfHash::Sha512 => counter_mode::<prf::Sha512>(key, label, context, len),
    }
}

/// The hash of the SP 800-56A concatenation KDF after a key agreement: SHA-256 for DH and P-256,
/// SHA-384 for P-384 (it follows the agreement, not the root key's KDF hash).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum ConcatHash {
    Sha256,
    Sha384,
}

/// `OtherInfo` of the concatenation KDF: UTF-16LE `"SHA512\0"` (literally, whatever the hashes
/// are), `"KDS public key\0"`, `"KDS service\0"`.
pub fn concat_kdf_other_info() -> Vec<u8> {
    let mut v = utf16z("SHA512");
    v.extend_from_slice(KDS_PUBLIC_KEY);
    v.extend_from_slice(KDS_SERVICE_LABEL);
    v
}

/// One block of the SP 800-56A concatenation KDF: `H(00000001 ‖ Z ‖ OtherInfo)`.
pub(crate) fn concat_kdf(hash: ConcatHash, shared_secret: &[u8]) -> Zeroizing<Vec<u8>> {
    let other = concat_kdf_other_info();
    let parts: [&[u8]; 3] = [&1u32.to_be_bytes(), shared_secret, &other];
    // Through `prf::hash`: the partial block holding the end of `Z` is zeroized.
    match hash {
        ConcatHash::Sha256 => prf::hash::<prf::Sha256>(&parts),
        ConcatHash::Sha384 => prf::hash::<prf::Sha384>(&parts),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_utf16_with_nul() {
        assert_eq!(KDS_SERVICE_LABEL, utf16z("KDS service").as_slice());
        assert_eq!(KDS_PUBLIC_KEY, utf16z("KDS public key").as_slice());
        assert_eq!(concat_kdf_other_info().len(), 14 + 30 + 24);
    }

    #[test]
    fn output_length_is_exact_for_multi_block_hashes() {
        for h in [
            KdfHash::Sha1,
            KdfHash::Sha256,
            KdfHash::Sha384,
            KdfHash::Sha512,
        ] {
            for len in [1, 20, 32, 63, 64, 65, 100] {
                assert_eq!(sp800_108(h, b"k", b"l", b"c", len).len(), len);
            }
        }
    }
}
