//! Offline check of `ADPasswordEncryptionPrincipal`.

/// Result of the offline syntax check of `ADPasswordEncryptionPrincipal`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PrincipalCheck {
    /// A SID string, `DOMAIN\name` or `name@domain`.
    Qualified,
    /// A bare name (event 10034).
    IsolatedName,
    /// Cannot be a principal (event 10035).
    Unmappable,
}

/// Offline check of an encryption principal. Names cannot be looked up
/// here, so only the shape is judged: a SID string, `DOMAIN\name` or
/// `name@domain` passes; a bare name is 10034; anything else is 10035.
pub(crate) fn check_principal(p: &str) -> PrincipalCheck {
    const BAD: &[char] = &[
        '"', '/', '[', ']', ':', ';', '|', '=', ',', '+', '*', '?', '<', '>',
    ];
    let clean =
        |s: &str| !s.trim().is_empty() && !s.contains(BAD) && !s.chars().any(char::is_control);
    let p = p.trim();
    let sid_body = p
        .get(..2)
        .filter(|h| h.eq_ignore_ascii_case("S-"))
        .and_then(|_| p.get(2..))
        .filter(|rest| rest.starts_with(|c: char| c.is_ascii_digit()));
    if let Some(body) = sid_body {
        let parts: Vec<&str> = body.split('-').collect();
        let numeric = parts
            .iter()
            .all(|x| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit()));
        return if numeric && parts.len() >= 3 && parts[0] == "1" {
            PrincipalCheck::Qualified
        } else {
            PrincipalCheck::Unmappable
        };
    }
    if let Some((domain, name)) = p.split_once('\\') {
        return if clean(domain) && clean(name) && !name.contains('\\') {
            PrincipalCheck::Qualified
        } else {
            PrincipalCheck::Unmappable
        };
    }
    if let Some((name, domain)) = p.rsplit_once('@') {
        return if clean(name) && clean(domain) && !name.contains('@') {
            PrincipalCheck::Qualified
        } else {
            PrincipalCheck::Unmappable
        };
    }
    if clean(p) {
        PrincipalCheck::IsolatedName
    } else {
        PrincipalCheck::Unmappable
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principal_shapes() {
        use PrincipalCheck::*;
        for (p, want) in [
            ("S-1-5-21-1-2-3-512", Qualified),
            ("s-1-5-32-544", Qualified),
            ("CONTOSO\\LAPSAdmins", Qualified),
            ("LAPSAdmins@contoso.com", Qualified),
            ("LAPSAdmins", IsolatedName),
            ("Domain Admins", IsolatedName),
            ("S-1-5-", Unmappable),
            ("S-1-x-2", Unmappable),
            ("\\name", Unmappable),
            ("DOM\\", Unmappable),
            ("a\\b\\c", Unmappable),
            ("@contoso.com", Unmappable),
            ("bad|name", Unmappable),
            ("   ", Unmappable),
        ] {
            assert_eq!(check_principal(p), want, "{p}");
        }
    }
}
