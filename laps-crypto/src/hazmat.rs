//! The internal layers, for tests, fuzzing, benchmarks and callers that assemble their own
//! protocol: raw KDFs, the seed-key tree, DH / ECDH, key wrap and GCM, the CMS and CNG byte
//! formats. Misused, they give keys without the checks the rest of the crate makes (the DH
//! range check, the recipient budget, constant-time comparisons); prefer [`KeyStore`](crate::KeyStore),
//! [`Encryptor`](crate::Encryptor) and the parsers at the crate root.

pub mod agreement;
pub mod cms;
pub mod cng;
pub mod content;
pub mod kdf;
pub mod seed;
