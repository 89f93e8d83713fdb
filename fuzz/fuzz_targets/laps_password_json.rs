//! The clear-text LAPS formats. Byte 0 selects the parser, the rest is the input:
//! 0 = `msLAPS-Password` JSON, 1 = decrypted UTF-16LE plaintext, 2 = Graph `passwordBase64`,
//! 3 = `msLAPS-PasswordExpirationTime`, 4 = legacy `ms-Mcs-AdmPwd`.
//! Accepted credentials survive the Windows writer: `from_json(to_json(c)) == c`.
#![no_main]

use laps_core::Password;
use laps_crypto::{cleartext, LapsCredential};
use libfuzzer_sys::fuzz_target;

fn check(c: &LapsCredential) {
    assert_eq!(LapsCredential::from_json(&c.to_json()).as_ref(), Ok(c));
    assert_eq!(
        LapsCredential::from_plaintext(&c.to_plaintext()).as_ref(),
        Ok(c)
    );
    // Debug depends on the password's length only.
    let same_length = "x".repeat(c.password.len());
    let dummy = LapsCredential::new(
        c.account.clone(),
        Password::from(same_length.as_str()),
        c.update_time,
    );
    assert_eq!(
        format!("{c:?}"),
        format!("{dummy:?}"),
        "Debug depends on the password"
    );
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, b)) = data.split_first() else {
        return;
    };
    let text = core::str::from_utf8(b);
    match which % 5 {
        0 => {
            if let Ok(c) = text
                .map_err(|_| ())
                .and_then(|t| LapsCredential::from_json(t).map_err(|_| ()))
            {
                check(&c);
            }
        }
        1 => {
            if let Ok(c) = LapsCredential::from_plaintext(b) {
                check(&c);
            }
        }
        2 => {
            if let Ok(t) = text {
                let _ = cleartext::decode_graph_password(t);
            }
        }
        3 => {
            if let Ok(Some(t)) = text
                .map_err(|_| ())
                .and_then(|t| cleartext::parse_expiration_time(t).map_err(|_| ()))
            {
                assert_ne!(t.ticks(), 0);
            }
        }
        _ => {
            if let Ok(p) = cleartext::parse_legacy_password(b) {
                assert_eq!(p.as_bytes(), b);
            }
        }
    }
});
