//! The proptest generators the policy tests share: setting names from the catalogue, registry
//! values and devices.
#![allow(dead_code, unreachable_pub)]

use laps_policy::catalog::CATALOG;
use laps_policy::{Device, JoinState, RegValue};
use proptest::prelude::*;

/// Every setting name of the catalogue (Windows LAPS and legacy), one lower-cased name, an
/// unknown name and the empty name.
pub fn setting_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = CATALOG.iter().map(|s| s.name).collect();
    names.extend(["passwordlength", "Unknown", ""]);
    names
}

/// Values every writer can carry and every reader reads back: DWORD, QWORD, strings,
/// expandable strings, multi-strings and binary.
pub fn value() -> impl Strategy<Value = RegValue> {
    prop_oneof![
        any::<u32>().prop_map(RegValue::Dword),
        any::<u64>().prop_map(RegValue::Qword),
        "[ -~é€\r\n\t]{0,20}".prop_map(RegValue::Sz),
        "[ -~]{0,20}".prop_map(RegValue::ExpandSz),
        proptest::collection::vec("[a-zA-Z0-9 ]{1,8}", 0..4).prop_map(RegValue::MultiSz),
        proptest::collection::vec(any::<u8>(), 0..16).prop_map(RegValue::Binary),
    ]
}

/// Values a resolver may meet: mostly small DWORDs (in and around the settings' ranges),
/// principal-like strings, any Unicode, and unknown registry types.
pub fn policy_value() -> impl Strategy<Value = RegValue> {
    prop_oneof![
        4 => (0u32..40).prop_map(RegValue::Dword),
        2 => value(),
        2 => "(|[A-Za-z]{1,25}|[A-Z]{2,8}\\\\[a-z]{1,8}|[a-z]{1,8}@[a-z]{1,8}\\.com|S-1-5-21-[0-9]{1,4}-512|\\PC{0,10})".prop_map(RegValue::Sz),
        1 => (any::<u32>(), proptest::collection::vec(any::<u8>(), 0..9)).prop_map(|(kind, data)| RegValue::Other { kind, data }),
    ]
}

/// Devices of every join state, DC or not, across the builds and facts that change resolution.
pub fn device() -> impl Strategy<Value = Device> {
    (
        prop::sample::select(vec![
            JoinState::Entra,
            JoinState::Ad,
            JoinState::Hybrid,
            JoinState::None,
        ]),
        any::<bool>(),
        prop::sample::select(vec![0, 14393, 17763, 18363, 19045, 22631, 26100, 27000]),
        prop::option::of(prop::sample::select(vec![0u32, 100, 4244, 2784, 9999])),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop::option::of((0u32..=130, any::<bool>())),
        any::<(bool, bool)>(),
    )
        .prop_map(
            |(
                join,
                domain_controller,
                os_build,
                os_ubr,
                legacy_cse_installed,
                dfl_2016,
                legacy_schema_present,
                safe_mode,
                password_policy,
                (entra_tenant_laps_enabled, entra_device_enabled),
            )| Device {
                join,
                domain_controller,
                os_build,
                os_ubr,
                legacy_cse_installed,
                dfl_2016,
                legacy_schema_present,
                safe_mode,
                password_policy: password_policy.map(|(minimum_length, complexity_required)| {
                    laps_core::LocalPasswordPolicy {
                        minimum_length,
                        complexity_required,
                    }
                }),
                entra_tenant_laps_enabled,
                entra_device_enabled,
            },
        )
}
