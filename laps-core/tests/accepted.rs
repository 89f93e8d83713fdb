//! Generation for a device whose own password policy rejects some of the spec's passwords.

use laps_core::{
    check_local_policy, Error, ErrorKind, Generator, LocalPasswordPolicy, PasswordSpec,
};

fn seeded() -> Generator {
    Generator::from_seed_insecure([7; 32])
}

fn lines(joined: &[u8]) -> Vec<String> {
    joined
        .split(|&b| b == b'\n')
        .map(|p| String::from_utf8(p.to_vec()).unwrap())
        .collect()
}

#[test]
fn a_policy_accepting_every_password_changes_nothing() {
    for (spec, policy) in [
        (PasswordSpec::default(), LocalPasswordPolicy::default()),
        (
            PasswordSpec::default(),
            LocalPasswordPolicy {
                minimum_length: 14,
                complexity_required: true,
            },
        ),
        (
            PasswordSpec::new(6, 14, 6).unwrap(),
            LocalPasswordPolicy::default(),
        ),
    ] {
        let plain = seeded().generate_joined(&spec, 50, b'\n');
        let accepted = seeded()
            .generate_joined_accepted(&spec, &policy, 50, b'\n')
            .unwrap();
        assert_eq!(*plain, *accepted);
        let first = seeded().generate_accepted(&spec, &policy).unwrap();
        assert_eq!(first.as_bytes(), lines(&plain)[0].as_bytes());
    }
}

#[test]
fn redrawn_passwords_all_satisfy_the_policy() {
    let complex = LocalPasswordPolicy {
        minimum_length: 20,
        complexity_required: true,
    };
    // Three-word passphrases: short of 20 characters sometimes, and without a third
    // category unless a word is hyphenated.
    let spec = PasswordSpec::new(6, 14, 3).unwrap();
    let fit = check_local_policy(&spec, &complex);
    assert!(fit.acceptance > 0.0 && fit.acceptance < 0.1, "{fit:?}");
    let joined = seeded()
        .generate_joined_accepted(&spec, &complex, 200, b'\n')
        .unwrap();
    let got = lines(&joined);
    assert_eq!(got.len(), 200);
    assert!(got.iter().all(|p| complex.accepts(p)));
    let first = seeded().generate_accepted(&spec, &complex).unwrap();
    assert_eq!(first.expose(), got[0]);
}

#[test]
fn no_passwords_asked_for_is_an_empty_buffer() {
    let complex = LocalPasswordPolicy {
        minimum_length: 0,
        complexity_required: true,
    };
    let spec = PasswordSpec::new(6, 14, 3).unwrap();
    let joined = seeded()
        .generate_joined_accepted(&spec, &complex, 0, b'\n')
        .unwrap();
    assert!(joined.is_empty());
}

#[test]
fn a_policy_no_password_satisfies_is_a_policy_error_naming_the_rule() {
    let complex = LocalPasswordPolicy {
        minimum_length: 0,
        complexity_required: true,
    };
    for complexity in [1, 2] {
        let spec = PasswordSpec::new(complexity, 30, 6).unwrap();
        let err = seeded()
            .generate_joined_accepted(&spec, &complex, 1, b'\n')
            .unwrap_err();
        assert!(matches!(err, Error::PolicyUnsatisfiable { .. }), "{err:?}");
        assert_eq!(err.kind(), ErrorKind::Policy);
        let text = err.to_string();
        assert!(
            text.contains("every password with fewer than 3 of the 5"),
            "{text}"
        );
        assert!(text.contains("event 10027"), "{text}");
        assert!(seeded().generate_accepted(&spec, &complex).is_err());
    }
    let long = LocalPasswordPolicy {
        minimum_length: 65,
        complexity_required: false,
    };
    let err = seeded()
        .generate_accepted(&PasswordSpec::new(4, 64, 6).unwrap(), &long)
        .unwrap_err();
    assert!(err.to_string().contains("minimum length 65"), "{err}");
}
