//! What every `winlaps` CLI test shares: running the built binary and finding test data.
//!
//! The data under `tests/data` are copies of laps-crypto's and laps-policy's vectors, so the
//! tests also pass from the packaged `.crate`; `data_copies_match_their_sources` (in
//! `crypto_cli.rs`) keeps them identical while the workspace is around.
#![allow(dead_code)] // each test binary uses a different subset

use std::ffi::OsStr;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// Runs `winlaps args` with no stdin.
pub(crate) fn winlaps<S: AsRef<OsStr>>(args: &[S]) -> Output {
    winlaps_with(args, &[], None)
}

/// Runs `winlaps args` with extra environment variables and, when given, `stdin` piped in.
pub(crate) fn winlaps_with<S: AsRef<OsStr>>(
    args: &[S],
    env: &[(&str, &str)],
    stdin: Option<&str>,
) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_winlaps"));
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("run winlaps");
    if let Some(s) = stdin {
        child
            .stdin
            .take()
            .expect("piped stdin")
            .write_all(s.as_bytes())
            .expect("write stdin");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("wait for winlaps")
}

/// Runs `winlaps args` with `password` in `WINLAPS_PASSWORD` (the CLI never takes it as a flag)
/// and, when given, `stdin` piped in.
pub(crate) fn winlaps_as<S: AsRef<OsStr>>(
    args: &[S],
    password: &str,
    stdin: Option<&str>,
) -> Output {
    winlaps_with(args, &[("WINLAPS_PASSWORD", password)], stdin)
}

/// Writes `contents` to `name` in this test process's temporary directory; returns its path.
pub(crate) fn temp_file(name: &str, contents: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("winlaps-cli-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create the temporary directory");
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write a temporary file");
    path
}

/// A file under this crate's `tests/data`.
pub(crate) fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// The source of each copy in `tests/data`, relative to the workspace root.
pub(crate) const DATA_SOURCES: &[(&str, &str)] = &[
    (
        "decrypt_real.json",
        "laps-crypto/tests/data/decrypt_real.json",
    ),
    (
        "gke_decrypt.json",
        "laps-crypto/tests/data/gke_decrypt.json",
    ),
    (
        "laps_attribute.json",
        "laps-crypto/tests/data/laps_attribute.json",
    ),
    (
        "laps_history.json",
        "laps-crypto/tests/data/laps_history.json",
    ),
    (
        "ncrypt_blob.json",
        "laps-crypto/tests/data/ncrypt_blob.json",
    ),
    ("negative.json", "laps-crypto/tests/data/negative.json"),
    (
        "sample_root_key.json",
        "laps-crypto/data/sample_root_key.json",
    ),
    ("regressions", "laps-crypto/tests/data/regressions"),
    (
        "ms-csp-hybrid-ad.syncml",
        "laps-policy/tests/data/ms-csp-hybrid-ad.syncml",
    ),
];
