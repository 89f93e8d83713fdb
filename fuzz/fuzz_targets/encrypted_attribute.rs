//! `parse_encrypted_attribute`: an `msLAPS-EncryptedPassword` value (16-byte header, CMS,
//! detached ciphertext) as read from LDAP, without any key.
#![no_main]

use laps_crypto::{parse_encrypted_attribute, LapsHeader, HEADER_LEN};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|value: &[u8]| {
    let Ok(info) = parse_encrypted_attribute(value) else {
        return;
    };
    // What was accepted is consistent with the bytes.
    let (header, blob) = LapsHeader::split(value).expect("parse accepted the header");
    assert_eq!(header.to_bytes()[..], value[..HEADER_LEN]);
    assert_eq!(header.encrypted_size as usize, blob.len());
    assert_eq!(info.update_time, header.update_time);
    assert!(info.blob.ciphertext_len <= blob.len());
    if let Some(key) = &info.blob.key {
        assert!((0..=31).contains(&key.l1) && (0..=31).contains(&key.l2) && key.l0 >= 0);
    }
    // The inspection result serializes (the CLI prints it as JSON).
    serde_json::to_string(&info).expect("info serializes");
});
