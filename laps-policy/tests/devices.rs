//! The device matrix: the same inputs on Entra-joined, AD-joined, hybrid,
//! workplace-joined, domain-controller, old-build and legacy-CSE devices.

mod common;
use common::*;
use laps_policy::*;

fn devices() -> Vec<(&'static str, Device)> {
    let d = Device::default();
    vec![
        (
            "entra",
            Device {
                join: JoinState::Entra,
                ..d.clone()
            },
        ),
        (
            "ad",
            Device {
                join: JoinState::Ad,
                ..d.clone()
            },
        ),
        ("hybrid", d.clone()),
        (
            "none",
            Device {
                join: JoinState::None,
                ..d.clone()
            },
        ),
        (
            "dc",
            Device {
                join: JoinState::Ad,
                domain_controller: true,
                ..d.clone()
            },
        ),
        (
            "legacy-cse",
            Device {
                join: JoinState::Ad,
                legacy_cse_installed: true,
                // The last Windows 11 build on which the legacy MSI can be installed.
                os_build: 22621,
                ..d.clone()
            },
        ),
        (
            "win10-22h2",
            Device {
                os_build: 19045,
                ..d.clone()
            },
        ),
        (
            "ws2016",
            Device {
                os_build: 14393,
                join: JoinState::Ad,
                ..d
            },
        ),
    ]
}

use Mode::{
    ActiveDirectory as Ad, ActiveDirectoryDsrm as Dsrm, Disabled as Off, Entra,
    LegacyEmulation as Legacy, Unmanaged as Un,
};

#[test]
fn device_matrix_modes() {
    let inputs: Vec<(&str, Snapshot)> = vec![
        (
            "gpo-ad",
            snapshot_from_pols(&["tests/data/gpo-ad-encrypted.pol"]),
        ),
        (
            "gpo-entra",
            snapshot_from_pols(&["tests/data/gpo-entra-passphrase.pol"]),
        ),
        ("gpo-dsrm", snapshot_from_pols(&["tests/data/gpo-dsrm.pol"])),
        (
            "legacy",
            snapshot_from_pols(&["tests/data/legacy-admpwd.pol"]),
        ),
        ("nothing", Snapshot::new()),
    ];
    //                  entra   ad    hybrid none  dc    cse   19045 14393
    let expected: [(&str, [Mode; 8]); 5] = [
        ("gpo-ad", [Un, Ad, Ad, Un, Un, Ad, Ad, Un]),
        ("gpo-entra", [Entra, Un, Entra, Un, Un, Un, Entra, Un]),
        ("gpo-dsrm", [Un, Ad, Ad, Un, Dsrm, Ad, Ad, Un]),
        ("legacy", [Un, Legacy, Legacy, Un, Un, Un, Legacy, Un]),
        ("nothing", [Off, Off, Off, Off, Off, Off, Off, Un]),
    ];
    for ((name, snap), (ename, modes)) in inputs.iter().zip(expected) {
        assert_eq!(*name, ename);
        for ((dname, device), want) in devices().iter().zip(modes) {
            let p = resolve(snap, device);
            assert_eq!(p.mode, want, "{name} on {dname}:\n{}", p.explain());
            assert_eq!(
                p.mode == Un,
                p.blocker.is_some() && !p.mode.is_managed(),
                "{name} on {dname}"
            );
        }
    }
}

#[test]
fn device_matrix_complexity_depends_on_the_build() {
    let s = snapshot_from_pols(&["tests/data/gpo-entra-passphrase.pol"]);
    for (name, device) in devices() {
        let p = resolve(&s, &device);
        let want = if device.os_build >= 26100 { 6 } else { 4 };
        assert_eq!(p.password_complexity().get(), want, "{name}");
    }
}

#[test]
fn device_json_and_toml_forms() {
    let d = Device::from_json(
        r#"{"join": "ad", "domain_controller": true, "os_build": 20348, "dfl_2016": false}"#,
    )
    .unwrap();
    assert_eq!(d.effective_join(), JoinState::Ad);
    assert_eq!(
        d,
        Device::from_toml(
            "join = \"ad\"\ndomain_controller = true\nos_build = 20348\ndfl_2016 = false\n"
        )
        .unwrap()
    );
    let p = resolve(&snapshot_from_pols(&["tests/data/gpo-dsrm.pol"]), &d);
    assert_eq!(
        (p.mode, p.blocker),
        (
            Mode::ActiveDirectoryDsrm,
            Some(DiagnosticCode::EncryptionNeedsDfl2016)
        )
    );
}
