//! The generic DPAPI-NG blob (`NCryptProtectSecret` output, or the blob part of a LAPS value):
//! `parse_blob` and the lower-level `DpapiNgBlob::parse`.
#![no_main]

use laps_crypto::hazmat::cms::{DpapiNgBlob, GCM_TAG_LEN};
use laps_crypto::parse_blob;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|blob: &[u8]| {
    let parsed = DpapiNgBlob::parse(blob, 0);
    let info = parse_blob(blob);
    let Ok(parsed) = parsed else {
        assert!(
            info.is_err(),
            "parse_blob accepted what DpapiNgBlob::parse rejected"
        );
        return;
    };
    assert!(parsed.cms_len <= blob.len());
    assert!(parsed.ciphertext.len() >= GCM_TAG_LEN && parsed.ciphertext.len() <= blob.len());
    assert!(!parsed.recipients.is_empty());
    let _ = parsed.protection_descriptor();
    for (recipient, sid) in parsed.sid_recipients() {
        assert!(recipient.key_identifier_offset + recipient.key_identifier.len() <= blob.len());
        let _ = sid.to_string();
    }
    if let Ok(info) = info {
        assert_eq!(info.ciphertext_len, parsed.ciphertext.len());
        assert_eq!(info.content_detached, parsed.content_detached);
    }
});
