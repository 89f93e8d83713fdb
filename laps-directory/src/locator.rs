//! Finding a domain controller by DNS, without I/O: the SRV name to ask for and the rule that
//! picks one DC from the answer ([MS-ADTS] 6.3.6.1 "DNS-Based Discovery"; RFC 2782).
//!
//! The query itself is made by the I/O layers (laps-client's `lookup_dc`, Python's
//! `lookup_dc`); both name and pick through this module, so they find the same DC.

use crate::error::{Error, Result};

/// What [`dc_srv_name`] puts before the domain: the DCs of domain `N` register
/// `_ldap._tcp.dc._msdcs.N` ([MS-ADTS] 6.3.2.3).
pub const DC_SRV_PREFIX: &str = "_ldap._tcp.dc._msdcs.";

/// Longest DNS name in text form, without the final dot (RFC 1035 2.3.4: 255 octets on the
/// wire).
const MAX_NAME: usize = 253;

/// Longest DNS label (RFC 1035 2.3.4).
const MAX_LABEL: usize = 63;

/// The SRV name whose records list the domain controllers of `domain` (a DNS domain name, a
/// final dot allowed).
///
/// An empty name, an empty label, a label over 63 octets or a name over 253 are
/// [`Error::InvalidInput`].
///
/// ```
/// use laps_directory::locator::dc_srv_name;
/// assert_eq!(dc_srv_name("contoso.com.").unwrap(), "_ldap._tcp.dc._msdcs.contoso.com");
/// assert!(dc_srv_name("").is_err());
/// ```
pub fn dc_srv_name(domain: &str) -> Result<String> {
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    if domain.is_empty() {
        return Err(Error::InvalidInput(
            "no domain to find a domain controller of (give the DC's host name instead)",
        ));
    }
    if domain
        .split('.')
        .any(|label| label.is_empty() || label.len() > MAX_LABEL)
    {
        return Err(Error::InvalidInput(
            "a domain name has an empty label or one over 63 octets",
        ));
    }
    let name = format!("{DC_SRV_PREFIX}{domain}");
    if name.len() > MAX_NAME {
        return Err(Error::InvalidInput(
            "the domain name is too long for a DNS SRV query",
        ));
    }
    Ok(name)
}

/// One SRV record of an answer (RFC 2782): where a DC listens, and how it ranks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SrvRecord {
    /// Lower is tried first.
    pub priority: u16,
    /// Among equal priorities, higher is preferred.
    pub weight: u16,
    /// The LDAP port (389).
    pub port: u16,
    /// The DC's host name, a final dot allowed; `.` means "no such service here".
    pub target: String,
}

/// The domain controller to use from an SRV answer: the lowest priority, then the highest
/// weight, then the first in the answer; `None` when no record names a host.
///
/// RFC 2782 draws at random among equal priorities, in proportion to weight. winlaps picks
/// deterministically, as dpapi-ng does, so every binding and the CLI ask the same DC for the
/// same answer (and a test can tell which one). A target of `.` ("decidedly not available",
/// RFC 2782) is skipped. The host name is returned without its final dot.
///
/// ```
/// use laps_directory::locator::{pick_dc, SrvRecord};
/// let rec = |priority, weight, target: &str| SrvRecord { priority, weight, port: 389, target: target.into() };
/// let answer = [rec(10, 100, "dc2.contoso.com."), rec(0, 50, "dc1.contoso.com."), rec(0, 60, "dc3.contoso.com.")];
/// assert_eq!(pick_dc(&answer), Some("dc3.contoso.com"));
/// ```
pub fn pick_dc(records: &[SrvRecord]) -> Option<&str> {
    let mut best: Option<&SrvRecord> = None;
    for r in records.iter().filter(|r| host(&r.target).is_some()) {
        let better = best.is_none_or(|b| (r.priority, b.weight) < (b.priority, r.weight));
        if better {
            best = Some(r);
        }
    }
    best.and_then(|r| host(&r.target))
}

/// A target's host name without its final dot; `None` for `.` (or nothing).
fn host(target: &str) -> Option<&str> {
    let host = target.strip_suffix('.').unwrap_or(target);
    (!host.is_empty()).then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(priority: u16, weight: u16, target: &str) -> SrvRecord {
        SrvRecord {
            priority,
            weight,
            port: 389,
            target: target.into(),
        }
    }

    #[test]
    fn the_dc_srv_name_is_ldap_tcp_dc_msdcs_of_the_domain() {
        assert_eq!(
            dc_srv_name("winlaps.test").unwrap(),
            "_ldap._tcp.dc._msdcs.winlaps.test"
        );
        assert_eq!(
            dc_srv_name("winlaps.test.").unwrap(),
            "_ldap._tcp.dc._msdcs.winlaps.test"
        );
    }

    #[test]
    fn names_dns_cannot_carry_are_invalid_input() {
        let long_label = format!("{}.com", "a".repeat(64));
        let long_name = format!("{}com", "abcdefghi.".repeat(24));
        for bad in ["", ".", "a..b", ".com", &long_label, &long_name] {
            let e = dc_srv_name(bad).unwrap_err();
            assert_eq!(e.kind(), laps_core::ErrorKind::InvalidArgument, "{bad:?}");
        }
        let just_fits = format!("{}.com", "a".repeat(63));
        assert!(dc_srv_name(&just_fits).is_ok());
    }

    #[test]
    fn the_lowest_priority_wins_whatever_the_weights() {
        let answer = [rec(10, 900, "heavy."), rec(5, 1, "light.")];
        assert_eq!(pick_dc(&answer), Some("light"));
    }

    #[test]
    fn among_equal_priorities_the_highest_weight_wins_then_the_first() {
        let answer = [rec(0, 50, "a."), rec(0, 60, "b."), rec(0, 60, "c.")];
        assert_eq!(pick_dc(&answer), Some("b"));
    }

    #[test]
    fn a_dot_target_means_no_service_and_is_skipped() {
        assert_eq!(pick_dc(&[rec(0, 0, ".")]), None);
        assert_eq!(pick_dc(&[rec(0, 9, "."), rec(1, 0, "dc1.")]), Some("dc1"));
        assert_eq!(pick_dc(&[]), None);
    }

    #[test]
    fn a_target_without_its_final_dot_is_taken_as_it_is() {
        assert_eq!(
            pick_dc(&[rec(0, 0, "dc1.winlaps.test")]),
            Some("dc1.winlaps.test")
        );
    }
}
