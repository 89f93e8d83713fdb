//! laps-policy goals: parse a 1 MB Registry.pol at >= 200 MB/s;
//! resolve one device's snapshot in <= 5 us.
#![allow(missing_docs)]

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use laps_core::FileTime;
use laps_policy::{
    decide_rotation, resolve, Device, DirectoryState, JoinState, LocalState, RegValue, RegistryPol,
    Snapshot, SyncMl,
};

const GPO_KEY: &str = r"Software\Microsoft\Windows\CurrentVersion\Policies\LAPS";

/// A realistic merged-GPO Registry.pol of at least 1 MiB: mostly other
/// policies' keys (as in a real domain GPO), with the LAPS policy inside.
fn big_pol() -> Vec<u8> {
    let mut pol = RegistryPol::new();
    let mut i = 0u32;
    while pol.to_bytes().len() < 1 << 20 {
        for _ in 0..500 {
            let key = format!(
                r"Software\Policies\Microsoft\Windows\Component{}\Settings",
                i % 97
            );
            match i % 4 {
                0 => pol.set(&key, &format!("Value{i}"), RegValue::Dword(i)),
                1 => pol.set(
                    &key,
                    &format!("Path{i}"),
                    RegValue::Sz(format!(r"C:\Program Files\App{i}\bin")),
                ),
                2 => pol.delete_value(&key, &format!("Old{i}")),
                _ => pol.set(GPO_KEY, "PasswordLength", RegValue::Dword(8 + i % 50)),
            };
            i += 1;
        }
    }
    pol.to_bytes()
}

fn typical_gpo() -> Snapshot {
    let mut s = Snapshot::new();
    for (n, v) in [
        ("BackupDirectory", RegValue::Dword(2)),
        ("PasswordComplexity", RegValue::Dword(5)),
        ("PasswordLength", RegValue::Dword(20)),
        ("PasswordAgeDays", RegValue::Dword(30)),
        ("PassphraseLength", RegValue::Dword(6)),
        ("AdministratorAccountName", RegValue::Sz("LapsAdmin".into())),
        ("PasswordExpirationProtectionEnabled", RegValue::Dword(1)),
        ("ADPasswordEncryptionEnabled", RegValue::Dword(1)),
        (
            "ADPasswordEncryptionPrincipal",
            RegValue::Sz(r"CONTOSO\LAPS Admins".into()),
        ),
        ("ADEncryptedPasswordHistorySize", RegValue::Dword(6)),
        ("PostAuthenticationResetDelay", RegValue::Dword(8)),
        ("PostAuthenticationActions", RegValue::Dword(3)),
    ] {
        s.gpo.set(n, v);
    }
    s
}

fn parse(c: &mut Criterion) {
    let bytes = big_pol();
    let mut g = c.benchmark_group("registry_pol");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("parse_1MiB", |b| {
        b.iter(|| RegistryPol::parse(black_box(&bytes)).unwrap())
    });
    g.bench_function("parse_and_apply_1MiB", |b| {
        b.iter(|| {
            let mut s = Snapshot::new();
            RegistryPol::parse(black_box(&bytes))
                .unwrap()
                .apply_to(&mut s);
            s
        })
    });
    g.finish();

    let syncml = {
        let mut doc = SyncMl::new();
        for (n, v) in typical_gpo().gpo.iter() {
            doc.replace(n, v.clone())
                .expect("a GPO of DWORDs and strings");
        }
        doc.to_xml()
    };
    let mut g = c.benchmark_group("syncml");
    g.throughput(Throughput::Bytes(syncml.len() as u64));
    g.bench_function("parse_12_settings", |b| {
        b.iter(|| SyncMl::parse_str(black_box(&syncml)).unwrap())
    });
    g.finish();
}

fn resolution(c: &mut Criterion) {
    let device = Device::default();
    let gpo = typical_gpo();
    let mut stray = typical_gpo();
    stray.csp.set("PasswordAgeDays", RegValue::Dword(30));
    stray.legacy.set("AdmPwdEnabled", RegValue::Dword(1));
    let entra = Device {
        join: JoinState::Entra,
        os_build: 22631,
        ..Device::default()
    };
    let mut g = c.benchmark_group("resolve");
    g.throughput(Throughput::Elements(1));
    g.bench_function("typical_gpo_device", |b| {
        b.iter(|| resolve(black_box(&gpo), black_box(&device)))
    });
    g.bench_function("stray_csp_value_three_roots", |b| {
        b.iter(|| resolve(black_box(&stray), black_box(&device)))
    });
    g.bench_function("gpo_on_old_entra_device", |b| {
        b.iter(|| resolve(black_box(&gpo), black_box(&entra)))
    });
    let policy = resolve(&gpo, &device);
    let now = FileTime::from_ticks(134_000_000_000_000_000);
    let local = LocalState::after_rotation(&policy, now, None);
    let dir = DirectoryState {
        password_expiration_time: Some(now.add_days(30)),
        encrypted_password_present: true,
        current_password_version: None,
    };
    g.bench_function("decide_rotation", |b| {
        b.iter(|| decide_rotation(black_box(&policy), &local, &dir, black_box(now.add_days(3))))
    });
    g.bench_function("explain", |b| b.iter(|| black_box(&policy).explain()));
    g.finish();
}

criterion_group!(benches, parse, resolution);
criterion_main!(benches);
