//! Live keys: a fleet of 1000 values over 3 root keys and 40 L1 periods,
//! decrypted with keys fetched from the lab KDS (laps-client's server, in process, on
//! loopback, NTLM, sealed) by laps-client's `fetch_keys`: connect, one GetKey per (root key,
//! L0) group, then `decrypt_many`, with a fresh store every run (a one-shot domain dump).
//!
//! Each run asserts that the server answered exactly as many GetKey calls as the fleet has
//! groups. The side-by-side with dpapi-ng, the CLI and the bindings is `compare_live.py`.
#![allow(missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use laps_client::{
    fetch_keys, Account, AccountTable, AuthProtocol, ConnectOptions, Credentials, GkdiClient,
    KdsConfig, KdsServer,
};
use laps_crypto::KeyStore;
use std::net::IpAddr;
use std::time::Duration;
use winlaps_benches::{scaled, KeyPath, LiveFleet, LIVE_SID};

const USER: &str = "LAB\\helpdesk";
const PASSWORD: &str = "Helpd3sk-Bench!";

fn live(c: &mut Criterion) {
    let n = scaled(1000, 150);
    let mut g = c.benchmark_group("live_fetch_decrypt");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    g.throughput(Throughput::Elements(n as u64));
    for path in [KeyPath::Dh, KeyPath::Private] {
        let fleet = LiveFleet::generate(path, n);
        let accounts = AccountTable::new(vec![Account::parse(&format!(
            "{USER}:{PASSWORD}:{LIVE_SID}"
        ))
        .expect("a valid account line")])
        .expect("one account");
        let config = KdsConfig {
            listen: IpAddr::from([127, 0, 0, 1]),
            epm_port: 0,
            port: 0,
            ..KdsConfig::default()
        };
        let server = KdsServer::bind(config, fleet.root_keys.clone(), accounts)
            .expect("the lab KDS binds on loopback")
            .spawn();
        let host = server.epm_addr().ip().to_string();
        let opts = ConnectOptions {
            protocol: AuthProtocol::Ntlm,
            epm_port: server.epm_addr().port(),
            ..ConnectOptions::default()
        };
        let creds = Credentials::new(USER, PASSWORD.to_owned()).expect("credentials");
        g.bench_function(format!("{}_{n}", path.label()), |b| {
            b.iter(|| {
                let before = server.get_key_calls();
                let store = KeyStore::new();
                let mut client = GkdiClient::connect(&host, &creds, &opts).expect("connect");
                let report =
                    fetch_keys(|| Ok(&mut client), &store, &fleet.values, false).expect("fetch");
                let results = store.decrypt_many(&fleet.values);
                assert!(report.errors.iter().all(Option::is_none));
                assert!(results.iter().all(Result::is_ok));
                assert_eq!(report.calls, fleet.groups);
                assert_eq!(
                    server.get_key_calls() - before,
                    fleet.groups as u64,
                    "GetKey calls counted by the server"
                );
                results
            })
        });
        server.stop();
    }
    g.finish();
}

criterion_group!(benches, live);
criterion_main!(benches);
