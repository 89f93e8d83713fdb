//! Will the device's own password policy accept what a [`PasswordSpec`] generates?
//!
//! Windows LAPS sets the managed account's password through the normal account APIs, so the
//! device's local (or domain) password policy applies to it. When the policy rejects the
//! password, the rotation fails with event **10027** ("can't build a password acceptable to
//! local/domain password policy"); LAPS never lengthens or changes the password to fit.
//! [`check_local_policy`] predicts that failure from the spec alone, exactly:
//!
//! * modes 1–5 always contain every class of their alphabet, so a password has exactly as
//!   many Windows character categories as the mode has classes (1, 2, 3, 4, 4) and exactly
//!   `length` characters: the answer is all or nothing;
//! * passphrases (6–8) are capitalised words with no separator: upper and lower case only,
//!   plus `-` when a hyphenated word is drawn (`drop-down`, `felt-tip`, `t-shirt`, `yo-yo`),
//!   and a length that varies with the words. The acceptance probability is computed exactly
//!   over the word list's (length, hyphen) histogram.
//!
//! Windows' complexity rule ("Password must meet complexity requirements") asks for three of
//! five categories: upper case, lower case, digits, non-alphanumeric characters, and other
//! Unicode letters. Every LAPS special character is non-alphanumeric. The rule's other part,
//! "does not contain the account name", depends on the account and is not modelled here.
//!
//! **UNCERTAIN** (the Windows LAPS documentation is silent): whether Windows LAPS retries with a new
//! passphrase after a rejection is not documented; a partial acceptance is reported as such,
//! with its probability, and the caller decides what it means.

use crate::{charset, PasswordSpec};

/// The password rules of the managed account's policy, as `secpol.msc` (or the domain's
/// Default Domain Policy) shows them under *Account Policies → Password Policy*.
///
/// ```
/// use laps_core::LocalPasswordPolicy;
/// let p = LocalPasswordPolicy { minimum_length: 14, complexity_required: true };
/// assert_eq!(p.to_string(), "minimum length 14, complexity required");
/// assert_eq!(LocalPasswordPolicy::default().minimum_length, 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct LocalPasswordPolicy {
    /// *Minimum password length* (0–14, or up to 128 with *Relax minimum password length
    /// limits*).
    pub minimum_length: u32,
    /// *Password must meet complexity requirements*: three of the five categories.
    pub complexity_required: bool,
}

impl LocalPasswordPolicy {
    /// Whether the device would accept this one password: at least `minimum_length`
    /// characters and, with `complexity_required`, three of Windows' five categories (upper
    /// case, lower case, digits, non-alphanumeric, other letters). [`check_local_policy`] is
    /// the same rule as a probability over a whole spec.
    ///
    /// ```
    /// use laps_core::LocalPasswordPolicy;
    /// let p = LocalPasswordPolicy { minimum_length: 8, complexity_required: true };
    /// assert!(p.accepts("Tee-shirtAble"));
    /// assert!(!p.accepts("TeeshirtAble"));   // upper and lower case only
    /// assert!(!p.accepts("Ab1-"));           // too short
    /// ```
    pub fn accepts(&self, password: &str) -> bool {
        if (password.chars().count() as u64) < u64::from(self.minimum_length) {
            return false;
        }
        if !self.complexity_required {
            return true;
        }
        let mut seen = [false; 5];
        for c in password.chars() {
            let category = if c.is_uppercase() {
                0
            } else if c.is_lowercase() {
                1
            } else if c.is_ascii_digit() {
                2
            } else if !c.is_alphanumeric() {
                3
            } else {
                4
            };
            seen[category] = true;
        }
        seen.iter().filter(|&&s| s).count() as u32 >= CATEGORIES_REQUIRED
    }
}

/// `minimum length 14, complexity required`.
impl std::fmt::Display for LocalPasswordPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let complexity = if self.complexity_required {
            "required"
        } else {
            "not required"
        };
        write!(
            f,
            "minimum length {}, complexity {complexity}",
            self.minimum_length
        )
    }
}

/// One rule of the [`LocalPasswordPolicy`] that rejects some generated passwords.
///
/// Its serde form is flat and carries the sentence too:
/// `{"rule": "too_short", "shortest": 9, "minimum": 14, "rejected": 0.93, "message": "…"}`.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum PolicyProblem {
    /// Passwords shorter than `minimum_length`.
    TooShort {
        /// The shortest password the spec can produce.
        shortest: u32,
        /// The policy's minimum.
        minimum: u32,
        /// The fraction of generated passwords this rule rejects (0 < r ≤ 1).
        rejected: f64,
    },
    /// Passwords with fewer than three of Windows' five character categories.
    TooFewCategories {
        /// The categories every password of the spec contains.
        guaranteed: u32,
        /// The fraction of generated passwords this rule rejects (0 < r ≤ 1).
        rejected: f64,
    },
}

impl PolicyProblem {
    /// The fraction of generated passwords this rule rejects on its own.
    pub fn rejected(&self) -> f64 {
        match *self {
            PolicyProblem::TooShort { rejected, .. }
            | PolicyProblem::TooFewCategories { rejected, .. } => rejected,
        }
    }
}

impl std::fmt::Display for PolicyProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let share = |r: f64| {
            if r >= 1.0 {
                "every password".to_owned()
            } else {
                format!("{:.2} % of passwords", r * 100.0)
            }
        };
        match *self {
            PolicyProblem::TooShort {
                shortest,
                minimum,
                rejected,
            } => write!(
                f,
                "{} shorter than the minimum length {minimum} (the shortest is {shortest} characters)",
                share(rejected)
            ),
            PolicyProblem::TooFewCategories {
                guaranteed,
                rejected,
            } => write!(
                f,
                "{} with fewer than 3 of the 5 character categories the complexity rule asks for (guaranteed: {guaranteed})",
                share(rejected)
            ),
        }
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for PolicyProblem {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(5))?;
        match *self {
            PolicyProblem::TooShort {
                shortest, minimum, ..
            } => {
                map.serialize_entry("rule", "too_short")?;
                map.serialize_entry("shortest", &shortest)?;
                map.serialize_entry("minimum", &minimum)?;
            }
            PolicyProblem::TooFewCategories { guaranteed, .. } => {
                map.serialize_entry("rule", "too_few_categories")?;
                map.serialize_entry("guaranteed", &guaranteed)?;
            }
        }
        map.serialize_entry("rejected", &self.rejected())?;
        map.serialize_entry("message", &self.to_string())?;
        map.end()
    }
}

/// How a spec fares against a [`LocalPasswordPolicy`].
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct PolicyFit {
    /// The probability that one generated password is accepted: 1 always, 0 never.
    pub acceptance: f64,
    /// Each rule that rejects some passwords (empty when `acceptance` is 1).
    pub problems: Vec<PolicyProblem>,
}

impl PolicyFit {
    /// Every generated password is accepted.
    pub fn always_accepted(&self) -> bool {
        self.problems.is_empty()
    }

    /// No generated password is accepted: every rotation fails with event 10027.
    pub fn never_accepted(&self) -> bool {
        self.acceptance == 0.0
    }

    /// How many draws make a miss vanishingly unlikely (below 1e-9) when redrawing the
    /// passwords this fit rejects: 1 when every password is accepted. An error when fewer than
    /// [`MIN_ACCEPTANCE`] are accepted, so that redrawing is hopeless.
    pub(crate) fn draws(
        &self,
        spec: &PasswordSpec,
        policy: &LocalPasswordPolicy,
    ) -> Result<u64, crate::Error> {
        if self.always_accepted() {
            return Ok(1);
        }
        if self.acceptance < MIN_ACCEPTANCE {
            return Err(self.unsatisfiable(spec, policy));
        }
        // The float-to-integer cast saturates; the acceptance is at least MIN_ACCEPTANCE, so
        // the bound is about 2e7 at most.
        Ok(((1e-9f64).ln() / (1.0 - self.acceptance).ln())
            .ceil()
            .max(1.0) as u64)
    }

    /// The error of a spec whose passwords `policy` (almost) never accepts.
    pub(crate) fn unsatisfiable(
        &self,
        spec: &PasswordSpec,
        policy: &LocalPasswordPolicy,
    ) -> crate::Error {
        crate::Error::PolicyUnsatisfiable {
            policy: *policy,
            complexity: spec.complexity().get(),
            problems: self.problems_text(),
        }
    }

    /// The problems as one sentence fragment, joined by `; ` (empty when always accepted).
    ///
    /// ```
    /// use laps_core::{check_local_policy, LocalPasswordPolicy, PasswordSpec};
    /// let policy = LocalPasswordPolicy { minimum_length: 16, complexity_required: false };
    /// let fit = check_local_policy(&PasswordSpec::default(), &policy);
    /// assert_eq!(
    ///     fit.problems_text(),
    ///     "every password shorter than the minimum length 16 (the shortest is 14 characters)"
    /// );
    /// ```
    pub fn problems_text(&self) -> String {
        let texts: Vec<String> = self.problems.iter().map(ToString::to_string).collect();
        texts.join("; ")
    }
}

/// The smallest share of accepted passwords worth redrawing for (about a million draws per
/// password): below it, [`Generator::generate_joined_accepted`](crate::Generator::generate_joined_accepted)
/// refuses the spec.
pub const MIN_ACCEPTANCE: f64 = 1e-6;

/// Windows' complexity rule: at least this many of the five categories.
const CATEGORIES_REQUIRED: u32 = 3;

/// Whether the passwords `spec` generates satisfy `policy`, with the exact probability.
///
/// ```
/// use laps_core::{check_local_policy, LocalPasswordPolicy, PasswordSpec};
/// let complex = LocalPasswordPolicy { minimum_length: 14, complexity_required: true };
/// // Mode 4, 14 characters: always accepted.
/// assert!(check_local_policy(&PasswordSpec::default(), &complex).always_accepted());
/// // Mode 2 (letters only): never, whatever the length.
/// let fit = check_local_policy(&PasswordSpec::new(2, 20, 6)?, &complex);
/// assert!(fit.never_accepted());
/// // Mode 6 (passphrase): only the rare passphrase with a hyphenated word has 3 categories.
/// let fit = check_local_policy(&PasswordSpec::new(6, 14, 6)?, &complex);
/// assert!(fit.acceptance > 0.0 && fit.acceptance < 0.01);
/// # Ok::<(), laps_core::Error>(())
/// ```
pub fn check_local_policy(spec: &PasswordSpec, policy: &LocalPasswordPolicy) -> PolicyFit {
    match spec.complexity().wordlist() {
        None => characters_fit(spec, policy),
        Some(list) => passphrase_fit(list, spec.passphrase_words(), policy),
    }
}

/// Modes 1–5: fixed length, every class present, so each rule rejects all or nothing.
fn characters_fit(spec: &PasswordSpec, policy: &LocalPasswordPolicy) -> PolicyFit {
    let mut problems = Vec::new();
    if spec.length() < policy.minimum_length {
        problems.push(PolicyProblem::TooShort {
            shortest: spec.length(),
            minimum: policy.minimum_length,
            rejected: 1.0,
        });
    }
    let categories = charset::classes(spec.complexity()).len() as u32;
    if policy.complexity_required && categories < CATEGORIES_REQUIRED {
        problems.push(PolicyProblem::TooFewCategories {
            guaranteed: categories,
            rejected: 1.0,
        });
    }
    let acceptance = if problems.is_empty() { 1.0 } else { 0.0 };
    PolicyFit {
        acceptance,
        problems,
    }
}

/// Longest word of any list, plus one (histogram width).
const MAX_WORD: usize = 16;

/// Passphrases: `words` independent uniform draws. A distribution over (total length, any
/// hyphenated word yet) is advanced one word at a time from the list's (length, hyphen)
/// histogram: at most 10 words of at most 10 characters, so a few thousand operations.
fn passphrase_fit(
    list: &laps_wordlist::Wordlist,
    words: u32,
    policy: &LocalPasswordPolicy,
) -> PolicyFit {
    // histogram[len][hyphen]: the share of words with that length and hyphen flag.
    let mut histogram = [[0.0f64; 2]; MAX_WORD];
    let share = 1.0 / list.len() as f64;
    for w in list.iter() {
        histogram[w.len().min(MAX_WORD - 1)][usize::from(w.contains('-'))] += share;
    }
    let max_total = MAX_WORD * words as usize;
    // dist[total][hyphen]: probability after the words drawn so far.
    let mut dist = vec![[0.0f64; 2]; max_total + 1];
    dist[0][0] = 1.0;
    for _ in 0..words {
        let mut next = vec![[0.0f64; 2]; max_total + 1];
        for (total, p) in dist.iter().enumerate() {
            for (len, h) in histogram.iter().enumerate() {
                for (had, &p_had) in p.iter().enumerate() {
                    if p_had == 0.0 {
                        continue;
                    }
                    for (hyphen, &p_word) in h.iter().enumerate() {
                        if p_word > 0.0 {
                            next[total + len][had | hyphen] += p_had * p_word;
                        }
                    }
                }
            }
        }
        dist = next;
    }
    let shortest = dist
        .iter()
        .position(|p| p[0] + p[1] > 0.0)
        .unwrap_or_default() as u32;
    // Upper and lower case always (a capitalised word has at least 3 letters); `-` sometimes.
    let categories_needed = policy.complexity_required;
    let (mut accepted, mut too_short, mut too_few) = (0.0, 0.0, 0.0);
    for (total, p) in dist.iter().enumerate() {
        let short = (total as u32) < policy.minimum_length;
        for (hyphen, &prob) in p.iter().enumerate() {
            let few = categories_needed && 2 + (hyphen as u32) < CATEGORIES_REQUIRED;
            if short {
                too_short += prob;
            }
            if few {
                too_few += prob;
            }
            if !short && !few {
                accepted += prob;
            }
        }
    }
    let mut problems = Vec::new();
    if too_short > 0.0 {
        problems.push(PolicyProblem::TooShort {
            shortest,
            minimum: policy.minimum_length,
            rejected: clamp_share(too_short),
        });
    }
    if too_few > 0.0 {
        problems.push(PolicyProblem::TooFewCategories {
            guaranteed: 2,
            rejected: clamp_share(too_few),
        });
    }
    PolicyFit {
        acceptance: if problems.is_empty() {
            1.0
        } else {
            clamp_share(accepted)
        },
        problems,
    }
}

/// A probability summed in floating point, kept inside [0, 1].
fn clamp_share(p: f64) -> f64 {
    p.clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(minimum_length: u32, complexity_required: bool) -> LocalPasswordPolicy {
        LocalPasswordPolicy {
            minimum_length,
            complexity_required,
        }
    }

    #[test]
    fn modes_1_and_2_never_meet_the_complexity_rule_3_to_5_always_do() {
        for (mode, categories) in [(1, 1), (2, 2), (3, 3), (4, 4), (5, 4)] {
            let spec = PasswordSpec::new(mode, 64, 6).unwrap();
            let fit = check_local_policy(&spec, &policy(0, true));
            if categories < 3 {
                assert!(fit.never_accepted(), "mode {mode}");
                assert_eq!(
                    fit.problems,
                    vec![PolicyProblem::TooFewCategories {
                        guaranteed: categories,
                        rejected: 1.0
                    }]
                );
            } else {
                assert!(fit.always_accepted(), "mode {mode}");
            }
            // Without the complexity rule every mode is fine.
            assert!(check_local_policy(&spec, &policy(0, false)).always_accepted());
        }
    }

    /// `accepts` agrees with `check_local_policy` on every mode: modes 1–5 all or nothing,
    /// passphrases exactly when a hyphenated word was drawn.
    #[test]
    fn accepts_agrees_with_the_spec_level_prediction() {
        let mut g = crate::Generator::from_seed_insecure([7; 32]);
        let complex = policy(14, true);
        for mode in 1..=8 {
            let spec = PasswordSpec::new(mode, 14, 6).unwrap();
            let fit = check_local_policy(&spec, &complex);
            for _ in 0..200 {
                let p = g.generate(&spec);
                let accepted = complex.accepts(p.expose());
                if fit.always_accepted() {
                    assert!(accepted, "mode {mode}");
                } else if fit.never_accepted() {
                    assert!(!accepted, "mode {mode}");
                } else {
                    let hyphen = p.expose().contains('-');
                    let long = p.expose().len() >= 14;
                    assert_eq!(accepted, hyphen && long, "mode {mode}");
                }
            }
        }
        assert!(!policy(3, false).accepts("ab"));
        assert!(policy(0, true).accepts("\u{e9}\u{c9}1"));
    }

    #[test]
    fn a_length_below_the_minimum_is_rejected_every_time() {
        let spec = PasswordSpec::new(4, 12, 6).unwrap();
        assert!(check_local_policy(&spec, &policy(12, true)).always_accepted());
        let fit = check_local_policy(&spec, &policy(14, false));
        assert!(fit.never_accepted());
        assert_eq!(
            fit.problems,
            vec![PolicyProblem::TooShort {
                shortest: 12,
                minimum: 14,
                rejected: 1.0
            }]
        );
    }

    /// The hyphen share, checked against a closed form: 1 − (1 − h/N)^k.
    #[test]
    fn passphrases_meet_the_complexity_rule_only_with_a_hyphenated_word() {
        for (mode, hyphenated, n) in [(6u32, 4.0, 7776.0), (7, 1.0, 1296.0), (8, 1.0, 1296.0)] {
            for words in [3u32, 6, 10] {
                let spec = PasswordSpec::new(mode, 14, words).unwrap();
                let fit = check_local_policy(&spec, &policy(0, true));
                let expected = 1.0 - (1.0f64 - hyphenated / n).powi(words as i32);
                assert!(
                    (fit.acceptance - expected).abs() < 1e-12,
                    "mode {mode} words {words}: {} vs {expected}",
                    fit.acceptance
                );
                assert!(matches!(
                    fit.problems[..],
                    [PolicyProblem::TooFewCategories { guaranteed: 2, .. }]
                ));
            }
        }
    }

    /// Short list 1 (3–5 letters), 3 words: 9 to 15 characters. The share of 3-word
    /// passphrases shorter than 14 is checked by enumerating the length histogram directly.
    #[test]
    fn passphrase_length_shares_are_exact() {
        let list = laps_wordlist::Wordlist::for_complexity(7).unwrap();
        let mut count = [0u64; 6];
        for w in list.iter() {
            count[w.len()] += 1;
        }
        let mut long_enough = 0u64;
        for a in 3..=5 {
            for b in 3..=5 {
                for c in 3..=5 {
                    if a + b + c >= 14 {
                        long_enough += count[a] * count[b] * count[c];
                    }
                }
            }
        }
        let expected = long_enough as f64 / (list.len() as f64).powi(3);
        let spec = PasswordSpec::new(7, 14, 3).unwrap();
        let fit = check_local_policy(&spec, &policy(14, false));
        assert!((fit.acceptance - expected).abs() < 1e-12);
        match fit.problems[..] {
            [PolicyProblem::TooShort {
                shortest, rejected, ..
            }] => {
                assert_eq!(shortest, 9);
                assert!((rejected - (1.0 - expected)).abs() < 1e-12);
            }
            ref other => panic!("{other:?}"),
        }
        // 9 is reachable, so a minimum of 9 accepts everything.
        assert!(check_local_policy(&spec, &policy(9, false)).always_accepted());
    }

    #[cfg(feature = "serde")]
    #[test]
    fn the_serde_form_is_flat_with_the_sentence() {
        let fit = check_local_policy(&PasswordSpec::new(4, 12, 6).unwrap(), &policy(14, false));
        let json = serde_json::to_value(&fit).unwrap();
        assert_eq!(json["acceptance"], 0.0);
        let p = &json["problems"][0];
        assert_eq!(
            (&p["rule"], &p["shortest"], &p["minimum"], &p["rejected"]),
            (&"too_short".into(), &12.into(), &14.into(), &1.0.into())
        );
        assert!(p["message"]
            .as_str()
            .unwrap()
            .starts_with("every password shorter"));
    }

    #[test]
    fn problems_read_as_sentences() {
        let fit = check_local_policy(&PasswordSpec::new(6, 14, 6).unwrap(), &policy(0, true));
        let text = fit.problems[0].to_string();
        assert!(
            text.contains("% of passwords") && text.contains("3 of the 5"),
            "{text}"
        );
        let fit = check_local_policy(&PasswordSpec::new(1, 14, 6).unwrap(), &policy(0, true));
        assert!(fit.problems[0].to_string().starts_with("every password"));
    }
}
