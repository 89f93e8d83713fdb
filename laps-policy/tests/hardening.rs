//! Hardening: hostile policy files never panic, overflow the stack or over-allocate;
//! every parse error carries its kind and a byte offset (Registry.pol) or a line (text formats);
//! resolution is deterministic and independent of the order values were written in.
//! (Round trips are in `round_trips.rs`, precedence in `properties.rs`.)

use laps_policy::{
    parse_reg, parse_registry_pol, parse_syncml, resolve, Device, Error, RegValue, RegistryPol,
    Root, Snapshot, SyncMl,
};
mod common;
use common::gen::{device, policy_value, setting_names};
use proptest::prelude::*;
use std::path::Path;

/// Runs `f` on a thread with a 512 KiB stack (a quarter of a test thread's): parsers must bound
/// their recursion whatever the input's nesting.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(512 * 1024)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("no panic")
}

fn sample(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn samples(ext: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let bytes = sample(&name);
            (name, bytes)
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no .{ext} samples");
    out
}

/// Number of lines of a text input (1-based lines in errors may point one past the last).
fn line_count(bytes: &[u8]) -> usize {
    let utf16 = bytes.starts_with(&[0xff, 0xfe]);
    if utf16 {
        bytes.chunks_exact(2).filter(|c| c == &[b'\n', 0]).count() + 1
    } else {
        bytes.iter().filter(|&&b| b == b'\n').count() + 1
    }
}

// ---------------------------------------------------------------------------------------------
// Deep nesting: refused with a position, never a stack overflow

fn nested_syncml(depth: usize, inner: &str) -> String {
    let open: String = (0..depth)
        .map(|i| if i % 2 == 0 { "<Atomic>" } else { "<Sequence>" })
        .collect();
    let close: String = (0..depth)
        .rev()
        .map(|i| {
            if i % 2 == 0 {
                "</Atomic>"
            } else {
                "</Sequence>"
            }
        })
        .collect();
    format!("<SyncML>\n<SyncBody>\n{open}{inner}{close}</SyncBody></SyncML>")
}

/// Found while hardening: roxmltree 0.20 recurses once per element level while parsing
/// (RazrFalcon/roxmltree#154), and so does the `<Atomic>`/`<Sequence>` walk, so a deeply nested
/// message overflowed the stack and aborted the process. The parser now refuses nesting deeper
/// than 64 elements, with the position of the element that exceeds it.
#[test]
fn regression_deeply_nested_syncml_is_refused_not_a_stack_overflow() {
    let deep = nested_syncml(100_000, "");
    match on_small_stack(move || SyncMl::parse_str(&deep)) {
        Err(Error::SyncMl { line, column, .. }) => {
            assert!(line == 3 && column > 1, "{line}:{column}")
        }
        other => panic!("expected a SyncML error, got {other:?}"),
    }
    // Real messages nest Atomic and Sequence a level or two: still read.
    let replace = "<Replace><CmdID>2</CmdID><Item><Target><LocURI>./Device/Vendor/MSFT/LAPS/Policies/PasswordLength</LocURI></Target>\
                   <Meta><Format xmlns=\"syncml:metinf\">int</Format></Meta><Data>20</Data></Item></Replace>";
    let shallow = nested_syncml(4, replace);
    let msg = on_small_stack(move || SyncMl::parse_str(&shallow)).unwrap();
    assert_eq!(msg.commands.len(), 1);
}

#[test]
fn deeply_nested_json_and_toml_snapshots_are_refused_not_a_stack_overflow() {
    let d = 100_000;
    let json = format!(
        "{{\"gpo\": {{\"PasswordLength\": {}{}}}}}",
        "[".repeat(d),
        "]".repeat(d)
    );
    match on_small_stack(move || Snapshot::from_json(&json)) {
        Err(Error::Json { line, column, .. } | Error::JsonValue { line, column, .. }) => {
            assert!(line == 1 && column > 0)
        }
        other => panic!("expected a JSON error, got {other:?}"),
    }
    let device = format!("{{\"join\": {}{}}}", "[".repeat(d), "]".repeat(d));
    assert!(on_small_stack(move || Device::from_json(&device)).is_err());
    for toml in [
        format!(
            "[gpo]\nPasswordLength = {}{}\n",
            "[".repeat(d),
            "]".repeat(d)
        ),
        format!(
            "[gpo]\nPasswordLength = {}1{}\n",
            "{a=".repeat(d),
            "}".repeat(d)
        ),
        format!(
            "{}\nx = 1\n",
            ["[gpo"]
                .into_iter()
                .chain(std::iter::repeat_n(".a", d))
                .collect::<String>()
                + "]"
        ),
    ] {
        match on_small_stack(move || Snapshot::from_toml(&toml)) {
            Err(Error::Toml { offset, .. }) => assert!(offset < 2 * d + 40),
            other => panic!("expected a TOML error, got {other:?}"),
        }
    }
}

/// `fuzz/` `reg_file`: keys spelled with a hive alias the snapshot understands (`MACHINE\…`,
/// `HKLM\…`, `HKLM:\…`, `Registry\Machine\…`) were written by the `.reg` writer as
/// `HKEY_LOCAL_MACHINE\MACHINE\…`, so the rewritten file no longer set the policy.
#[test]
fn regression_reg_writer_keeps_the_meaning_of_hive_aliases() {
    let found = sample("regressions/reg-machine-hive-alias.reg");
    let reg = parse_reg(&found).unwrap();
    let again = laps_policy::RegFile::parse_str(&reg.to_text()).unwrap();
    let (mut a, mut b) = (Snapshot::new(), Snapshot::new());
    reg.apply_to(&mut a);
    again.apply_to(&mut b);
    assert!(!a.gpo.is_empty());
    assert_eq!(a, b);
    for alias in [
        "MACHINE",
        "HKLM",
        "HKLM:",
        "Registry\\Machine",
        "hkey_local_machine",
        "\\HKLM",
    ] {
        let mut reg = laps_policy::RegFile::default();
        reg.push(laps_policy::RegOp::Set {
            key: format!("{alias}\\{}", Root::Gpo.key_path()),
            name: "PasswordLength".into(),
            value: RegValue::Dword(20),
        });
        let text = reg.to_text();
        let mut s = Snapshot::new();
        laps_policy::RegFile::parse_str(&text)
            .unwrap()
            .apply_to(&mut s);
        assert_eq!(
            s.gpo.get("PasswordLength"),
            Some(&RegValue::Dword(20)),
            "{alias}: {text}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Truncation, hostile lengths, error positions

#[test]
fn every_prefix_of_every_registry_pol_sample_fails_at_an_offset_inside_it() {
    for (name, bytes) in samples("pol") {
        assert!(parse_registry_pol(&bytes).is_ok(), "{name}");
        for len in 0..bytes.len() {
            let offset = match parse_registry_pol(&bytes[..len]) {
                Ok(pol) => {
                    // A prefix that ends exactly between records is a valid, shorter file.
                    assert!(pol.entries.iter().all(|e| e.offset < len));
                    continue;
                }
                Err(
                    Error::PolTruncated { offset, .. }
                    | Error::PolHeader { offset, .. }
                    | Error::PolDelimiter { offset, .. },
                ) => offset,
                Err(other) => panic!("{name}[..{len}]: not a Registry.pol error: {other:?}"),
            };
            assert!(offset <= len, "{name}[..{len}]: offset {offset}");
        }
    }
}

#[test]
fn registry_pol_size_fields_are_checked_before_allocation() {
    let key = r"Software\Microsoft\Windows\CurrentVersion\Policies\LAPS";
    let mut pol = RegistryPol::new();
    pol.set(key, "PasswordLength", RegValue::Dword(20));
    let good = pol.to_bytes();
    // The size field is the u32 after `type ;`: find it as the 4 bytes before the last `;` + data + `]`.
    let size_at = good.len() - 2 - 4 - 2 - 4;
    assert_eq!(&good[size_at..size_at + 4], &4u32.to_le_bytes());
    for size in [7u32, 0x7fff_ffff, u32::MAX] {
        let mut bad = good.clone();
        bad[size_at..size_at + 4].copy_from_slice(&size.to_le_bytes());
        match parse_registry_pol(&bad) {
            // The data would start after `size ;`; it is not there.
            Err(Error::PolTruncated { offset, .. }) => assert_eq!(offset, size_at + 6),
            other => panic!("size {size:#x}: {other:?}"),
        }
    }
}

#[test]
fn every_prefix_of_every_text_sample_fails_with_a_line_inside_it() {
    for (name, bytes) in samples("syncml") {
        let lines = line_count(&bytes);
        for len in (0..bytes.len()).step_by(7) {
            match parse_syncml(&bytes[..len]) {
                Ok(_) => {}
                Err(Error::SyncMl { line, column, .. }) => {
                    assert!(
                        line >= 1 && line as usize <= lines && column >= 1,
                        "{name}[..{len}]: {line}:{column}"
                    );
                }
                Err(Error::Encoding { offset, .. }) => assert!(offset <= len),
                Err(other) => panic!("{name}[..{len}]: {other:?}"),
            }
        }
    }
    for (name, bytes) in samples("reg") {
        let lines = line_count(&bytes);
        for len in 0..bytes.len() {
            match parse_reg(&bytes[..len]) {
                Ok(_) => {}
                Err(Error::Reg { line, .. }) => {
                    assert!(line <= lines, "{name}[..{len}]: line {line}")
                }
                Err(Error::Encoding { offset, .. }) => assert!(offset <= len),
                Err(other) => panic!("{name}[..{len}]: {other:?}"),
            }
        }
    }
}

#[test]
fn the_library_forbids_unsafe_code() {
    assert!(include_str!("../src/lib.rs").contains("#![forbid(unsafe_code)]"));
}

// ---------------------------------------------------------------------------------------------
// Resolution: deterministic, independent of write order

fn writes() -> impl Strategy<Value = Vec<(usize, &'static str, RegValue)>> {
    proptest::collection::vec(
        (
            0usize..4,
            prop::sample::select(setting_names()),
            policy_value(),
        ),
        0..24,
    )
}

fn build<'a>(writes: impl Iterator<Item = &'a (usize, &'static str, RegValue)>) -> Snapshot {
    let mut s = Snapshot::new();
    for (root, name, v) in writes {
        s.root_mut(Root::ALL[*root]).set(*name, v.clone());
    }
    s
}

proptest! {
    #[test]
    fn resolution_is_deterministic_and_independent_of_write_order(w in writes(), d in device()) {
        let snapshot = build(w.iter());
        let policy = resolve(&snapshot, &d);
        prop_assert_eq!(&resolve(&snapshot, &d), &policy);
        prop_assert_eq!(resolve(&snapshot.clone(), &d.clone()).explain(), policy.explain());
        // The last write of each (root, name) wins whatever the order of the others.
        let mut last: Vec<&(usize, &'static str, RegValue)> = Vec::new();
        for x in w.iter().rev() {
            if !last.iter().any(|y| y.0 == x.0 && y.1.eq_ignore_ascii_case(x.1)) {
                last.push(x);
            }
        }
        let reordered = build(last.into_iter());
        prop_assert_eq!(&reordered, &snapshot);
        let p2 = resolve(&reordered, &d);
        prop_assert_eq!((p2.source, p2.mode, p2.blocker), (policy.source, policy.mode, policy.blocker));
        for (a, b) in p2.settings.iter().zip(&policy.settings) {
            prop_assert_eq!((a.setting, &a.value, &a.provenance), (b.setting, &b.value, &b.provenance));
        }
    }

    #[test]
    fn snapshot_json_round_trips(w in writes()) {
        let s = build(w.iter());
        prop_assert_eq!(Snapshot::from_json(&s.to_json()).unwrap(), s);
    }
}

/// decode ∘ encode = identity on canonical input: the Registry.pol and `.reg` samples (written
/// the way Windows writes them) re-encode byte for byte.
#[test]
fn canonical_samples_re_encode_byte_for_byte() {
    for (name, bytes) in samples("pol") {
        assert_eq!(
            parse_registry_pol(&bytes).unwrap().to_bytes(),
            bytes,
            "{name}"
        );
    }
    for (name, bytes) in samples("reg") {
        assert_eq!(parse_reg(&bytes).unwrap().to_bytes(), bytes, "{name}");
    }
}

proptest! {
    /// decode ∘ encode = identity for every file the writer produces.
    #[test]
    fn registry_pol_bytes_are_a_fixed_point(w in writes()) {
        let mut pol = RegistryPol::new();
        for (root, name, v) in &w {
            pol.set(Root::ALL[*root].key_path(), name, v.clone());
        }
        let bytes = pol.to_bytes();
        prop_assert_eq!(parse_registry_pol(&bytes).unwrap().to_bytes(), bytes);
    }
}

/// Found by the `reg_file` fuzzer (round 4 of the campaign in fuzz/README.md): two keys spelled differently but written the
/// same (`MACHINE\…` and `HKEY_LOCAL_MACHINE\…`) got two sections on the first write and one on
/// the second, so write ∘ parse was not a fixed point. The writer now compares keys as written.
#[test]
fn regression_reg_writer_merges_sections_of_one_key_spelled_two_ways() {
    let mut reg = laps_policy::RegFile::default();
    for (alias, name) in [
        ("HKEY_LOCAL_MACHINE", "PasswordLength"),
        ("MACHINE", "PasswordAgeDays"),
    ] {
        reg.push(laps_policy::RegOp::Set {
            key: format!("{alias}\\{}", Root::Gpo.key_path()),
            name: name.into(),
            value: RegValue::Dword(20),
        });
    }
    let text = reg.to_text();
    assert_eq!(text.matches("\r\n[").count(), 1, "one section: {text}");
    let again = laps_policy::RegFile::parse_str(&text).unwrap();
    assert_eq!(again.to_text(), text);

    let found = sample("regressions/reg-alias-section-fixed-point.reg");
    let reg = parse_reg(&found).unwrap();
    let text = reg.to_text();
    let again = laps_policy::RegFile::parse_str(&text).unwrap();
    assert_eq!(again.to_text(), text, "write ∘ parse is a fixed point");
}
