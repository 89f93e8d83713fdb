//! Parse-only protector blobs, clear-text formats, header layout.

mod common;

use common::{load, unhex, vectors};
use laps_core::FileTime;
use laps_crypto::cleartext::{
    decode_graph_password, parse_expiration_time, parse_legacy_password, GraphPasswordEncoding,
};
use laps_crypto::{parse_blob, Error, KeyStore, LapsCredential, LapsHeader};

#[test]
fn parse_only_blobs_parse_and_show_their_descriptor() {
    let vs = vectors("parse_only.json");
    assert_eq!(vs.len(), 6);
    for v in vs {
        let id = v["id"].as_str().unwrap();
        let info = parse_blob(&unhex(&v["blob_hex"])).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(
            info.protection_descriptor,
            v["expected_descriptor"].as_str().unwrap(),
            "{id}"
        );
    }
}

#[test]
fn unsupported_protectors_give_a_clear_error_and_or_tries_each_sid() {
    let store = KeyStore::new();
    for v in vectors("parse_only.json") {
        let id = v["id"].as_str().unwrap();
        let e = store.decrypt_blob(&unhex(&v["blob_hex"])).unwrap_err();
        if id.ends_with("OrDescriptor_TwoSids") {
            // Both SID recipients are tried; neither root key is known.
            assert!(matches!(e, Error::UnknownRootKey { .. }), "{id}: {e:?}");
        } else {
            let Error::UnsupportedProtector(d) = &e else {
                panic!("{id}: {e:?}")
            };
            assert_eq!(d, v["expected_descriptor"].as_str().unwrap(), "{id}");
        }
    }
}

#[test]
fn or_descriptor_lists_both_sid_recipients() {
    let v = vectors("parse_only.json")
        .into_iter()
        .find(|v| v["id"].as_str().unwrap().ends_with("OrDescriptor_TwoSids"))
        .unwrap();
    let info = parse_blob(&unhex(&v["blob_hex"])).unwrap();
    assert_eq!(info.recipients.len(), 2);
    assert!(info
        .recipients
        .iter()
        .all(|r| r.kind == laps_crypto::RecipientKind::Kek && r.key.is_some()));
    assert_eq!(
        info.target_sid.as_deref(),
        Some("S-1-5-21-3288850392-3299536932-2614793081-1000")
    );
}

#[test]
fn cleartext_mslaps_password_json() {
    let c = load("cleartext_formats.json");
    for v in c["msLAPS-Password"].as_array().unwrap() {
        let cred = LapsCredential::from_json(v["ldap_value_utf8"].as_str().unwrap()).unwrap();
        assert_eq!(cred.account, v["n"].as_str().unwrap());
        assert_eq!(cred.password.expose(), v["p"].as_str().unwrap());
        assert_eq!(cred.update_time.ticks(), v["t_filetime"].as_u64().unwrap());
        assert_eq!(cred.update_time.to_hex(), v["t_hex"].as_str().unwrap());
        assert_eq!(&*cred.to_json(), v["ldap_value_utf8"].as_str().unwrap());
    }
}

#[test]
fn graph_password_base64_is_utf16le_in_microsofts_examples() {
    let c = load("cleartext_formats.json");
    for v in c["graph_deviceLocalCredentials_passwordBase64"]["vectors"]
        .as_array()
        .unwrap()
    {
        let p = decode_graph_password(v["passwordBase64"].as_str().unwrap()).unwrap();
        assert_eq!(p.encoding, GraphPasswordEncoding::Utf16Le);
        assert_eq!(p.password.expose(), v["decoded_utf16le"].as_str().unwrap());
        assert_eq!(p.raw.len(), 2 * p.password.expose().len());
    }
}

#[test]
fn expiration_time_is_a_decimal_filetime() {
    let t = parse_expiration_time("133928369137884253")
        .unwrap()
        .unwrap();
    assert_eq!(t, FileTime::from_ticks(133_928_369_137_884_253));
    assert_eq!(parse_expiration_time("0").unwrap(), None);
    assert_eq!(parse_legacy_password(b"P@ss").unwrap().expose(), "P@ss");
}

#[test]
fn header_is_filetime_high_dword_first() {
    // The header of a Windows value: c8ccdb01 5d5c92e4 d7040000 00000000 (FILETIME high dword
    // first, then the size, then 0).
    let mut value = hex::decode("c8ccdb015d5c92e4d704000000000000").unwrap();
    value.extend(std::iter::repeat_n(0u8, 0x4d7));
    let (h, blob) = LapsHeader::split(&value).unwrap();
    assert_eq!(h.update_time.ticks(), 0x01dbccc8e4925c5d);
    assert_eq!(h.update_time.to_rfc3339(), "2025-05-24T16:28:33.7884253Z");
    assert_eq!(h.encrypted_size, 1239);
    assert_eq!(blob.len(), 1239);
    assert_eq!(&h.to_bytes()[..], &value[..16]);
}

#[test]
fn header_size_and_reserved_rules() {
    let mut v = hex::decode("c8ccdb015d5c92e40400000000000000").unwrap();
    v.extend([1, 2, 3, 4, 5, 6]);
    // Trailing bytes after `size` are tolerated.
    assert_eq!(LapsHeader::split(&v).unwrap().1, &[1, 2, 3, 4]);
    // size > remaining is rejected.
    v[8] = 7;
    assert!(matches!(
        LapsHeader::split(&v),
        Err(Error::Malformed { offset: 8, .. })
    ));
    v[8] = 4;
    // Reserved != 0 is rejected.
    v[12] = 1;
    assert!(matches!(
        LapsHeader::split(&v),
        Err(Error::Malformed { offset: 12, .. })
    ));
    assert!(LapsHeader::split(&v[..15]).is_err());
}
