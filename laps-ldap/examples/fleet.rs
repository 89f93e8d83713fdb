//! Reading a fleet of computers from a directory: LDAP time and decryption time, measured
//! separately (the BENCHMARKS.md "Directory" section).
//!
//! ```sh
//! . /tmp/sdc/env   # scripts/samba-dc start /tmp/sdc
//! export WINLAPS_PASSWORD="$SAMBA_ADMIN_PASSWORD"
//! cargo run --release -p laps-ldap --example fleet -- populate 1000   # once: OU=Fleet, 1000 computers
//! cargo run --release -p laps-ldap --example fleet -- read
//! ```
//!
//! `populate N` adds N computers under `OU=Fleet` with an `msLAPS-EncryptedPassword` each,
//! encrypted to Domain Admins as Windows LAPS clients do (public-key envelope of the directory's
//! root key; update times spread over the last 60 days). `read` prints one JSON line: paged
//! search time, root-key read time, decryption time (all values, rayon) and the counts.

use laps_core::{FileTime, Password};
use laps_crypto::{encrypt, GroupKeyEnvelope, KeyIndex, KeyStore, LapsCredential, RootKey, Sid};
use laps_directory::{read_computers, ComputerEntry, ReadOptions};
use laps_ldap::{Auth, ConnectOptions, Directory};
use std::collections::BTreeMap;
use std::time::Instant;

type Res<T = ()> = Result<T, Box<dyn std::error::Error>>;

fn env() -> Res<BTreeMap<String, String>> {
    let path = std::env::var("WINLAPS_SAMBA_ENV").unwrap_or_else(|_| "/tmp/sdc/env".into());
    Ok(std::fs::read_to_string(path)?
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.trim_matches('\'').to_owned()))
        .collect())
}

fn connect(env: &BTreeMap<String, String>) -> Res<Directory> {
    let mut o = ConnectOptions::new(&env["SAMBA_DC_HOST"]);
    o.ldaps = true;
    o.ca_file = Some(env["SAMBA_CA_FILE"].clone().into());
    o.auth = Auth::Simple;
    o.user = Some(format!("Administrator@{}", env["SAMBA_REALM"]));
    o.password = Some(Password::new(std::env::var("WINLAPS_PASSWORD")?));
    Ok(Directory::connect(&o)?)
}

fn now() -> Res<FileTime> {
    let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?;
    FileTime::from_unix_nanos(d.as_nanos() as i128).ok_or_else(|| "clock".into())
}

/// A fleet: the root key, each value with its update time, the number of distinct L2 keys.
type Fleet = (RootKey, Vec<(FileTime, Vec<u8>)>, usize);

/// `n` encrypted values as a fleet's Windows LAPS clients write them (update times spread
/// over 60 days), with the root key and the number of distinct L2 keys.
fn fleet_values(env: &BTreeMap<String, String>, n: usize) -> Res<Fleet> {
    let mut dir = connect(env)?;
    let root = dir.read_root_keys()?.pop().ok_or("no root key")?.key;
    let sid: Sid = format!("{}-512", env["SAMBA_DOMAIN_SID"]).parse()?;
    let domain = dir.naming_contexts().domain_dns_name();
    dir.close();
    let now = now()?;
    let mut envelopes: BTreeMap<KeyIndex, GroupKeyEnvelope> = BTreeMap::new();
    let mut values = Vec::with_capacity(n);
    for i in 0..n {
        // Spread over 60 days, as a fleet's last rotations are.
        let t =
            FileTime::from_ticks(now.ticks() - (i as u64 * 60 * 86_400 / n as u64) * 10_000_000);
        let index = KeyIndex::from_filetime(t);
        let gke = match envelopes.get(&index) {
            Some(g) => g.clone(),
            None => {
                let g =
                    GroupKeyEnvelope::from_root_key(&root, &sid, index, &domain, &domain, true)?;
                envelopes.insert(index, g.clone());
                g
            }
        };
        let cred = LapsCredential::new(
            "Administrator",
            Password::new(format!("Fleet-{i:04}-Pa55!")),
            t,
        );
        let value =
            encrypt::encrypt_credential(&gke, &sid, &cred, &mut laps_crypto::rand_core::OsRng)?;
        values.push((t, value));
    }
    let distinct = envelopes.len();
    Ok((root, values, distinct))
}

/// Writes `ldapadd` input for `n` computers to stdout (the values encrypted here).
fn populate(env: &BTreeMap<String, String>, n: usize) -> Res {
    use base64::Engine as _;
    let (_, values, distinct) = fleet_values(env, n)?;
    let base = &env["SAMBA_BASE_DN"];
    let mut out = format!("dn: OU=Fleet,{base}\nobjectClass: organizationalUnit\n\n");
    for (i, (t, value)) in values.into_iter().enumerate() {
        let b64 = base64::engine::general_purpose::STANDARD.encode(value);
        out.push_str(&format!(
            "dn: CN=FLEET{i:04},OU=Fleet,{base}\nobjectClass: computer\nsAMAccountName: FLEET{i:04}$\n\
             userAccountControl: 4096\nmsLAPS-EncryptedPassword:: {b64}\n\
             msLAPS-PasswordExpirationTime: {}\n\n",
            t.add_days(30).to_decimal()
        ));
    }
    print!("{out}");
    eprintln!("{n} computers, {distinct} distinct keys");
    Ok(())
}

/// The decryption part alone, `rounds` times over the same `n` values made in memory (fresh key
/// store each round, as a new `winlaps get` has): for profiling (`perf record`).
fn offline(env: &BTreeMap<String, String>, n: usize, rounds: usize) -> Res {
    let (root, values, distinct) = fleet_values(env, n)?;
    let entries: Vec<ComputerEntry> = values
        .into_iter()
        .enumerate()
        .map(|(i, (_, v))| {
            let mut e = ComputerEntry::new(format!("FLEET{i:04}"), format!("CN=FLEET{i:04}"));
            e.encrypted_password = Some(v);
            e
        })
        .collect();
    for _ in 0..rounds {
        let keys = KeyStore::new();
        keys.add_root_key(root.clone());
        let t = Instant::now();
        let results = read_computers(&entries, &keys, &ReadOptions::default());
        let decrypt_s = t.elapsed().as_secs_f64();
        let ok = results.iter().flatten().flatten().count();
        println!("{{\"tool\":\"winlaps-offline\",\"values\":{ok},\"distinct_l2\":{distinct},\"decrypt_s\":{decrypt_s:.4}}}");
    }
    Ok(())
}

/// CPU time of this process (all threads, user + system) from `/proc/self/stat`, in seconds
/// (clock ticks of 10 ms); 0 where there is no procfs.
fn cpu_s() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (ticks(11) + ticks(12)) as f64 / 100.0
}

fn read(env: &BTreeMap<String, String>) -> Res {
    let base = format!("OU=Fleet,{}", env["SAMBA_BASE_DN"]);
    let started = Instant::now();
    let mut dir = connect(env)?;
    let connect_s = started.elapsed().as_secs_f64();
    let t = Instant::now();
    let entries = dir.search_computers(Some(&base), None)?;
    let search_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let keys = KeyStore::new();
    for k in dir.read_root_keys()? {
        keys.add_root_key(k.key);
    }
    let root_keys_s = t.elapsed().as_secs_f64();
    dir.close();
    let t = Instant::now();
    let cpu = cpu_s();
    let results = read_computers(&entries, &keys, &ReadOptions::default());
    let decrypt_s = t.elapsed().as_secs_f64();
    let decrypt_cpu_s = cpu_s() - cpu;
    let ok = results
        .iter()
        .flatten()
        .flatten()
        .filter(|r| r.decryption_status == laps_directory::DecryptionStatus::Success)
        .count();
    println!(
        "{{\"tool\":\"winlaps\",\"computers\":{},\"decrypted\":{ok},\"connect_s\":{connect_s:.4},\"ldap_search_s\":{search_s:.4},\"root_keys_s\":{root_keys_s:.4},\"decrypt_s\":{decrypt_s:.4},\"decrypt_cpu_s\":{decrypt_cpu_s:.2},\"threads\":{}}}",
        entries.len(),
        std::env::var("RAYON_NUM_THREADS")
            .ok()
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
    );
    Ok(())
}

fn main() -> Res {
    let env = env()?;
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("populate") => populate(&env, args.get(2).map_or(Ok(1000), |n| n.parse())?),
        Some("read") => read(&env),
        Some("offline") => offline(
            &env,
            args.get(2).map_or(Ok(1000), |n| n.parse())?,
            args.get(3).map_or(Ok(5), |n| n.parse())?,
        ),
        _ => Err("usage: fleet populate N | fleet read | fleet offline N ROUNDS".into()),
    }
}
