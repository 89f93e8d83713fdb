//! A public sample root key for demos, docs and binding tests (generated vector key
//! `rk-sha512-dh`: SHA-512, DH on the RFC 5114 group — the Windows default configuration).
//! Its secret is published: never use it for anything real.

/// The sample root key in the JSON form of [`crate::RootKey::from_json`].
pub const ROOT_KEY_JSON: &str = include_str!("../data/sample_root_key.json");
/// A Domain Admins SID to protect sample values for.
pub const SID: &str = "S-1-5-21-3112951519-3615558888-3888674396-512";
/// The sample domain (and forest) name.
pub const DOMAIN: &str = "contoso.com";

/// The sample root key, parsed.
pub fn root_key() -> crate::RootKey {
    crate::RootKey::from_json(ROOT_KEY_JSON)
        .unwrap_or_else(|_| unreachable!("the embedded sample root key is valid"))
}
