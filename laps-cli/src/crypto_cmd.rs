//! `winlaps inspect | decrypt | encrypt`, and the encrypted-attribute section of `winlaps demo`.
//!
//! Values are given as hex, base64, or `@FILE` (a file holding raw bytes, hex or base64).

use crate::errors::{crypto_code, Code, CodedError, EXIT_PARTIAL};
use crate::CliResult;
use base64::Engine as _;
use laps_core::{FileTime, Password};
use laps_crypto::rand_core::OsRng;
use laps_crypto::{
    encrypt, parse_blob, parse_encrypted_attribute, sample, GroupKeyEnvelope, KeyIndex, KeyStore,
    LapsCredential, RootKey, Sid,
};
use serde_json::{json, Value};
use std::path::PathBuf;

/// The crypto subcommands, flattened into the top level.
#[derive(clap::Subcommand)]
pub(crate) enum CryptoCommand {
    /// Show the structure of an encrypted LAPS attribute value or DPAPI-NG blob as JSON (no keys needed):
    /// update time, root key id, L0/L1/L2, path, target SID, domain and forest.
    Inspect {
        /// The value: hex, base64 or @FILE.
        value: String,
        /// Treat the value as a bare DPAPI-NG blob (no 16-byte LAPS header).
        #[arg(long)]
        blob: bool,
        /// Errors as JSON too (`{"error": {"code", "message"}}` on stderr); the output always is.
        #[arg(long)]
        json: bool,
    },
    /// Decrypt encrypted LAPS attribute values (or DPAPI-NG blobs) with a KDS root key or a group
    /// key envelope; prints one JSON result per value and exits 3 when any value failed.
    Decrypt {
        #[command(flatten)]
        keys: KeyArgs,
        /// The values (e.g. every value of msLAPS-EncryptedPasswordHistory): hex, base64 or @FILE.
        #[arg(required = true)]
        values: Vec<String>,
        /// Treat the values as bare DPAPI-NG blobs (NCryptProtectSecret output).
        #[arg(long)]
        blob: bool,
        /// Errors as JSON too (`{"error": {"code", "message"}}` on stderr); the output always is.
        /// Exit code 3 when any value failed, after every result is printed.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        dc_args: crate::live_keys::DcArgs,
    },
    /// Encrypt a password into an msLAPS-EncryptedPassword value, exactly as Windows LAPS does.
    Encrypt {
        /// KDS root key as JSON (see laps-crypto's README): derive the key for --time.
        #[arg(
            long,
            value_name = "FILE.json",
            conflicts_with = "gke",
            required_unless_present_any = ["gke", "dc"]
        )]
        root_key: Option<PathBuf>,
        /// A group key envelope (GetKey answer) as raw bytes, hex or base64.
        #[arg(long, value_name = "FILE")]
        gke: Option<PathBuf>,
        /// The protecting principal (ADPasswordEncryptionPrincipal), e.g. S-1-5-21-…-512.
        #[arg(long)]
        sid: String,
        /// Managed account name.
        #[arg(long, default_value = "Administrator")]
        account: String,
        /// The password to encrypt. Omit it (or give `-`) to read one line from stdin, which
        /// keeps the password out of the process list and shell history.
        #[arg(long)]
        password: Option<String>,
        /// Update time (RFC 3339 UTC); default: now.
        #[arg(long)]
        time: Option<String>,
        /// Domain DNS name written into the key identifier (with --root-key; required unless
        /// the root key JSON has "domain_name"). --gke and --dc take it from the envelope.
        #[arg(long)]
        domain: Option<String>,
        /// Forest DNS name (with --root-key); default: the JSON's "forest_name", else the domain.
        #[arg(long)]
        forest: Option<String>,
        /// Use the private-key (seed) path instead of the public-key path LAPS clients use
        /// (with --root-key).
        #[arg(long)]
        private_key_path: bool,
        /// Print base64 instead of hex.
        #[arg(long)]
        base64: bool,
        /// Get the current key's envelope for --sid from this domain controller (MS-GKDI
        /// GetKey; the public key unless --user may decrypt), as Windows LAPS clients do.
        #[arg(long, value_name = "HOST", conflicts_with_all = ["root_key", "gke"])]
        dc: Option<String>,
        #[command(flatten)]
        dc_args: crate::live_keys::DcArgs,
    },
}

/// Key material for `decrypt`.
#[derive(clap::Args)]
#[group(required = true, multiple = true)]
pub(crate) struct KeyArgs {
    /// KDS root key as JSON ({"root_key_id", "root_key_data_hex", ...}; omitted fields: Windows defaults).
    /// May be given several times.
    #[arg(long, value_name = "FILE.json")]
    root_key: Vec<PathBuf>,
    /// Group key envelope (GetKey answer) as raw bytes, hex or base64. May be given several times.
    #[arg(long, value_name = "FILE")]
    gke: Vec<PathBuf>,
    /// Fetch the keys from this domain controller (MS-GKDI GetKey over sealed DCE/RPC; one call
    /// per SID, root key and L0 of the values: older keys of an L0 derive from its newest).
    #[arg(long, value_name = "HOST")]
    dc: Option<String>,
}

pub(crate) fn run(command: CryptoCommand) -> CliResult {
    match command {
        CryptoCommand::Inspect { value, blob, .. } => {
            let bytes = read_value(&value)?;
            outln!(
                "{}",
                serde_json::to_string_pretty(&inspect_json(&bytes, blob)?)?
            )?;
            Ok(())
        }
        CryptoCommand::Decrypt {
            keys,
            values,
            blob,
            dc_args,
            ..
        } => decrypt(&keys, &dc_args, &values, blob),
        CryptoCommand::Encrypt {
            root_key,
            gke,
            sid,
            account,
            password,
            time,
            domain,
            forest,
            private_key_path,
            base64,
            dc,
            dc_args,
        } => {
            let sid = Sid::from_protection_descriptor(&sid)?;
            let now = match time {
                Some(t) => FileTime::parse_rfc3339(&t)
                    .ok_or_else(|| format!("bad --time {t:?} (RFC 3339 UTC expected)"))?,
                None => now()?,
            };
            let envelope = match (root_key, gke) {
                _ if dc.is_some() => {
                    crate::live_keys::current_envelope(dc.as_deref().unwrap_or(""), &dc_args, &sid)?
                }
                (Some(path), _) => {
                    let text = read_text(&path)?;
                    let root = RootKey::from_json(&text)?;
                    let (domain, forest) = key_domain(&text, domain, forest)?;
                    GroupKeyEnvelope::from_root_key(
                        &root,
                        &sid,
                        KeyIndex::from_filetime(now),
                        &domain,
                        &forest,
                        !private_key_path,
                    )?
                }
                (None, Some(path)) => GroupKeyEnvelope::parse(&read_file_value(&path)?)?,
                (None, None) => return Err("give --root-key or --gke".into()),
            };
            let password = match password {
                Some(p) if p != "-" => Password::new(p),
                _ => password_from_stdin()?,
            };
            let credential = LapsCredential::new(account, password, now);
            let value = encrypt::encrypt_credential(&envelope, &sid, &credential, &mut OsRng)?;
            if base64 {
                outln!(
                    "{}",
                    base64::engine::general_purpose::STANDARD.encode(&value)
                )?;
            } else {
                outln!("{}", hex::encode(&value))?;
            }
            Ok(())
        }
    }
}

/// The domain and forest written into a value encrypted with a root key: the flags, else the
/// root key JSON's `domain_name` / `forest_name` (as a key exported from a domain carries
/// them). Never a default: a sample domain in a real value would mislead every reader.
fn key_domain(
    root_key_json: &str,
    domain: Option<String>,
    forest: Option<String>,
) -> CliResult<(String, String)> {
    let json: Value = serde_json::from_str(root_key_json)?;
    let field = |name: &str| json.get(name).and_then(Value::as_str).map(str::to_owned);
    let domain = domain.or_else(|| field("domain_name")).ok_or(
        "give --domain (the DNS name of the root key's domain): the root key JSON has no \
         \"domain_name\"",
    )?;
    let forest = forest
        .or_else(|| field("forest_name"))
        .unwrap_or_else(|| domain.clone());
    Ok((domain, forest))
}

fn now() -> CliResult<FileTime> {
    let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?;
    FileTime::from_unix_nanos(d.as_nanos() as i128).ok_or_else(|| "clock out of range".into())
}

/// `inspect` output: the parsed attribute (or blob) plus what it is.
fn inspect_json(bytes: &[u8], force_blob: bool) -> CliResult<Value> {
    // A bare blob starts with a DER SEQUENCE; an attribute starts with a FILETIME high dword.
    let as_attribute = if force_blob {
        None
    } else {
        Some(parse_encrypted_attribute(bytes))
    };
    let (kind, mut v) = match as_attribute {
        Some(Ok(info)) => ("laps_attribute", serde_json::to_value(info)?),
        None => ("dpapi_ng_blob", serde_json::to_value(parse_blob(bytes)?)?),
        Some(Err(attr_err)) => match parse_blob(bytes) {
            Ok(info) => ("dpapi_ng_blob", serde_json::to_value(info)?),
            Err(blob_err) => {
                return Err(CodedError::new(
                    Code::FORMAT,
                    format!(
                        "not an encrypted attribute ({attr_err}) nor a DPAPI-NG blob ({blob_err})"
                    ),
                )
                .into())
            }
        },
    };
    if let Value::Object(map) = &mut v {
        map.insert("kind".into(), json!(kind));
        map.insert("length".into(), json!(bytes.len()));
    }
    Ok(v)
}

fn decrypt(
    keys: &KeyArgs,
    dc_args: &crate::live_keys::DcArgs,
    values: &[String],
    blob: bool,
) -> CliResult {
    let store = KeyStore::new();
    for path in &keys.root_key {
        let text = read_text(path)?;
        store.add_root_key(RootKey::from_json(&text)?);
    }
    for path in &keys.gke {
        store.add_group_key_envelope_bytes(&read_file_value(path)?)?;
    }
    let inputs = values
        .iter()
        .map(|v| read_value(v))
        .collect::<CliResult<Vec<_>>>()?;
    let plaintext = |pt: &laps_crypto::Plaintext| json!({"ok": true, "plaintext_hex": hex::encode(pt.as_bytes())});
    let credential = |c: &laps_crypto::LapsCredential| {
        json!({
            "ok": true,
            "account": c.account,
            "password": c.password.expose(),
            "update_time": c.update_time.to_rfc3339(),
        })
    };
    let results: Vec<Value> = match (&keys.dc, blob) {
        (None, true) => (inputs.iter())
            .map(|b| {
                store
                    .decrypt_blob(b)
                    .map_or_else(|e| error_json(&e), |p| plaintext(&p))
            })
            .collect(),
        (None, false) => (store.decrypt_many(&inputs).iter())
            .map(|r| r.as_ref().map_or_else(error_json, credential))
            .collect(),
        (Some(dc), true) => crate::live_keys::decrypt(dc, dc_args, |c| {
            laps_client::decrypt_blobs(&store, &inputs, c)
        })?
        .iter()
        .map(|r| r.as_ref().map_or_else(|e| live_error_json(e), plaintext))
        .collect(),
        (Some(dc), false) => crate::live_keys::decrypt(dc, dc_args, |c| {
            laps_client::decrypt_many(&store, &inputs, c)
        })?
        .iter()
        .map(|r| r.as_ref().map_or_else(|e| live_error_json(e), credential))
        .collect(),
    };
    outln!("{}", serde_json::to_string_pretty(&results)?)?;
    partial_failure(&results)
}

/// `decrypt`'s verdict once every result is printed: exit 3 when any value failed, with the
/// failing values' code when they share one (else `LAPS_DECRYPT_FAILED`).
fn partial_failure(results: &[Value]) -> CliResult {
    let failed: Vec<&Value> = results.iter().filter(|r| r["ok"] != true).collect();
    let Some(first) = failed.first() else {
        return Ok(());
    };
    let code = match first["code"].as_str() {
        Some(c) if failed.iter().all(|r| r["code"] == c) => {
            Code::named(c).unwrap_or(Code::DECRYPT_FAILED)
        }
        _ => Code::DECRYPT_FAILED,
    };
    Err(CodedError {
        code,
        exit: EXIT_PARTIAL,
        message: format!(
            "{} of {} values failed to decrypt",
            failed.len(),
            results.len()
        ),
    }
    .into())
}

/// One failed value: `{"ok": false, "error": "…", "code": "LAPS_…"}`.
fn error_json(e: &laps_crypto::Error) -> Value {
    json!({"ok": false, "error": e.to_string(), "code": crypto_code(e).as_str()})
}

/// A value that could not be decrypted with live keys: why its key could not be fetched
/// (access denied for its SID, ...) or the decryption error.
fn live_error_json(e: &laps_client::Error) -> Value {
    json!({"ok": false, "error": e.to_string(), "code": Code::Kind(e.kind()).as_str()})
}

/// A value given on the command line: `@FILE`, hex or base64.
fn read_value(arg: &str) -> CliResult<Vec<u8>> {
    match arg.strip_prefix('@') {
        Some(path) => read_file_value(path.as_ref()),
        None => decode_text(arg)
            .ok_or_else(|| format!("value is neither hex nor base64: {}", preview(arg)).into()),
    }
}

/// A file's I/O error, naming the file.
fn io_error(path: &std::path::Path, e: &std::io::Error) -> CodedError {
    CodedError::new(Code::Io, format!("{}: {e}", path.display()))
}

/// A text file (a root key JSON).
fn read_text(path: &std::path::Path) -> CliResult<String> {
    Ok(std::fs::read_to_string(path).map_err(|e| io_error(path, &e))?)
}

/// A file holding raw bytes, or hex / base64 text.
fn read_file_value(path: &std::path::Path) -> CliResult<Vec<u8>> {
    let bytes = std::fs::read(path).map_err(|e| io_error(path, &e))?;
    Ok(std::str::from_utf8(&bytes)
        .ok()
        .and_then(decode_text)
        .unwrap_or(bytes))
}

fn decode_text(text: &str) -> Option<Vec<u8>> {
    let t: String = text.split_whitespace().collect();
    if t.is_empty() {
        return None;
    }
    if t.len().is_multiple_of(2) && t.bytes().all(|b| b.is_ascii_hexdigit()) {
        return hex::decode(&t).ok();
    }
    base64::engine::general_purpose::STANDARD.decode(&t).ok()
}

fn preview(s: &str) -> String {
    let p: String = s.chars().take(24).collect();
    if p.len() < s.len() {
        format!("{p}…")
    } else {
        p
    }
}

/// Reads the password from the first line of stdin (without its line ending).
fn password_from_stdin() -> CliResult<Password> {
    let mut buf = String::new();
    std::io::stdin().read_line(&mut buf)?;
    let len = buf.trim_end_matches(['\r', '\n']).len();
    buf.truncate(len); // only the line ending is cut off; the password is wiped with `Password`
    let password = Password::new(buf);
    if password.is_empty() {
        return Err("no password on stdin (give --password or pipe one line)".into());
    }
    Ok(password)
}

/// Demo section: encrypt `password` for `account` at `now` into an msLAPS-EncryptedPassword value
/// with the embedded sample root key (public test key), show it, and decrypt it back.
pub(crate) fn demo(password: &Password, account: &str, now: FileTime) -> CliResult {
    let root = sample::root_key();
    let sid: Sid = sample::SID.parse()?;
    let index = KeyIndex::from_filetime(now);
    outln!(
        "Sample KDS root key {} ({}, {}; a published test key)",
        root.id(),
        root.kdf_hash().name(),
        root.secret_agreement().name()
    )?;
    outln!("Protected for SID={sid} (Domain Admins)")?;
    // What the LAPS client does: ask a DC for the group public key, then encrypt.
    let gke =
        GroupKeyEnvelope::from_root_key(&root, &sid, index, sample::DOMAIN, sample::DOMAIN, true)?;
    let credential = LapsCredential::new(account, password.clone(), now);
    let value = encrypt::encrypt_credential(&gke, &sid, &credential, &mut OsRng)?;
    let hex_value = hex::encode(&value);
    outln!(
        "msLAPS-EncryptedPassword ({} bytes): {}…{}",
        value.len(),
        &hex_value[..48],
        &hex_value[hex_value.len() - 16..]
    )?;

    let info = parse_encrypted_attribute(&value)?;
    let key = info.blob.key.as_ref().ok_or("no key identifier")?;
    outln!(
        "  header: updated {} (FILETIME {:#x}, high dword first), {} encrypted bytes",
        info.update_time,
        info.update_time.ticks(),
        info.encrypted_size
    )?;
    outln!(
        "  key identifier: root key {}, L0/L1/L2 = {}/{}/{}, {} path ({} ephemeral key), {}",
        key.root_key_id,
        key.l0,
        key.l1,
        key.l2,
        key.path,
        key.key_info_kind,
        key.domain_name
    )?;
    outln!(
        "  protection descriptor: {}",
        info.blob.protection_descriptor
    )?;

    let store = KeyStore::new();
    store.add_root_key(root);
    let decrypted = store.decrypt_attribute(&value)?;
    let same = decrypted == credential;
    outln!(
        "Decrypted with the root key: account {:?}, updated {}, password {}",
        decrypted.account,
        decrypted.update_time,
        if same { "matches" } else { "DOES NOT MATCH" }
    )?;
    if !same {
        return Err("the decrypted credential differs".into());
    }
    Ok(())
}
