//! `generatePassword`, `generatePasswords`, `entropyBits`, `isValidPassword`,
//! `splitPassphrase`: laps-core generation.

use crate::args::{arg, options, whole};
use crate::error::{coded, Result};
use crate::guard::guarded;
use crate::plain::{from_js, to_js};
use laps_core::{entropy, Generator, LocalPasswordPolicy, PasswordSpec};
use napi::bindgen_prelude::{Array, Buffer, Uint8Array};
use napi::{Env, Unknown};
use napi_derive::napi;

/// What to generate; every field is optional and defaults as Windows does.
#[napi(object)]
pub struct PasswordOptions {
    /// PasswordComplexity 1–8 (default 4).
    pub complexity: Option<f64>,
    /// PasswordLength 8–64, used by complexities 1–5 (default 14).
    pub length: Option<f64>,
    /// PassphraseLength 3–10 words, used by complexities 6–8 (default 6).
    pub words: Option<f64>,
    /// 32 bytes seeding ChaCha20 for reproducible output. **Insecure**: anyone
    /// who knows the seed knows every password. For tests and benchmarks only;
    /// leave it out in production (the OS random source is used).
    pub seed: Option<Uint8Array>,
}

/// Whether the device's password policy (default: no minimum length, no complexity rule)
/// accepts what `opts` generates (predicts Windows LAPS event 10027), with the exact share
/// accepted.
#[napi(
    ts_args_type = "opts?: PasswordOptions | undefined | null, policy?: LocalPasswordPolicyOptions | undefined | null",
    ts_return_type = "LocalPolicyFit"
)]
pub fn check_local_password_policy<'env>(
    env: &'env Env,
    opts: Unknown<'_>,
    policy: Unknown<'_>,
) -> Result<Unknown<'env>> {
    guarded(|| {
        let spec = spec_of(opts)?.1;
        let policy: LocalPasswordPolicy = from_js("policy", policy)?;
        to_js(env, &laps_core::check_local_policy(&spec, &policy))
    })
}

/// Whether `password` uses only the alphabet of `complexity` (1–5) and contains every class
/// (what a Windows LAPS password of that complexity always satisfies); `false` for the
/// passphrase complexities 6–8.
///
/// ```js
/// isValidPassword(4, generatePassword())   // true
/// isValidPassword(1, 'abc')                // false: complexity 1 is upper-case only
/// ```
#[napi(ts_args_type = "complexity: number, password: string")]
pub fn is_valid_password(complexity: Unknown<'_>, password: Unknown<'_>) -> Result<bool> {
    guarded(|| {
        let complexity = whole("complexity", arg("complexity", complexity)?, u32::MAX)?;
        let c = laps_core::Complexity::new(complexity).map_err(coded)?;
        let password: String = arg("password", password)?;
        Ok(laps_core::charset::is_valid_password(c, &password))
    })
}

/// Splits a generated passphrase back into its lower-case words at the capital letters.
///
/// ```js
/// splitPassphrase('CobraPaddleRiver')   // ['cobra', 'paddle', 'river']
/// ```
#[napi(ts_args_type = "passphrase: string")]
pub fn split_passphrase(passphrase: Unknown<'_>) -> Result<Vec<String>> {
    guarded(|| {
        Ok(laps_core::split_passphrase(&arg::<String>(
            "passphrase",
            passphrase,
        )?))
    })
}

/// Argument `opts` and its validated spec (the core's defaults for what it leaves out).
fn spec_of(opts: Unknown<'_>) -> Result<(Option<PasswordOptions>, PasswordSpec)> {
    let opts: Option<PasswordOptions> = options("opts", opts)?;
    let field = |name: &str, v: Option<f64>| v.map(|v| whole(name, v, u32::MAX)).transpose();
    let (c, l, w) = match &opts {
        None => (None, None, None),
        Some(o) => (o.complexity, o.length, o.words),
    };
    let spec = PasswordSpec::with_defaults(
        field("opts.complexity", c)?,
        field("opts.length", l)?,
        field("opts.words", w)?,
    )
    .map_err(coded)?;
    Ok((opts, spec))
}

/// `n` of a batch call: a whole number, at most the core's `MAX_BATCH`.
fn batch_size(n: f64) -> Result<usize> {
    laps_core::check_batch(u64::from(whole("n", n, u32::MAX)?)).map_err(coded)
}

/// The generator of `opts`: seeded when a seed is given, else from the OS.
fn generator_of(opts: Option<&PasswordOptions>) -> Result<Generator> {
    match opts.and_then(|o| o.seed.as_ref()) {
        None => Generator::new().map_err(coded),
        Some(seed) => Generator::from_seed_slice_insecure(seed).map_err(coded),
    }
}

/// The device's own password policy (`undefined`: one that accepts every password).
fn device_policy(policy: Unknown<'_>) -> Result<LocalPasswordPolicy> {
    from_js("policy", policy)
}

/// One Windows LAPS password or passphrase.
///
/// `policy`: the device's own password policy. A password it rejects is drawn again (Windows
/// LAPS would fail that rotation with event 10027); a spec it (almost) never accepts throws
/// `LAPS_POLICY`.
///
/// ```js
/// generatePassword()                              // complexity 4, 14 characters
/// generatePassword({ complexity: 6, words: 5 })   // five EFF words
/// generatePassword({ complexity: 6, words: 3 }, { complexityRequired: true })
/// ```
#[napi(
    ts_args_type = "opts?: PasswordOptions | undefined | null, policy?: LocalPasswordPolicyOptions | undefined | null"
)]
pub fn generate_password(opts: Unknown<'_>, policy: Unknown<'_>) -> Result<String> {
    guarded(|| {
        let (opts, spec) = spec_of(opts)?;
        let policy = device_policy(policy)?;
        let password = generator_of(opts.as_ref())?
            .generate_accepted(&spec, &policy)
            .map_err(coded)?;
        Ok(password.expose().to_owned())
    })
}

/// `n` passwords (at most 10 million) from one generator in a single native call; `policy`
/// as for `generatePassword`.
#[napi(
    ts_args_type = "n: number, opts?: PasswordOptions | undefined | null, policy?: LocalPasswordPolicyOptions | undefined | null",
    ts_return_type = "string[]"
)]
pub fn generate_passwords<'env>(
    env: &'env Env,
    n: Unknown<'_>,
    opts: Unknown<'_>,
    policy: Unknown<'_>,
) -> Result<Array<'env>> {
    guarded(|| {
        let n = batch_size(arg("n", n)?)?;
        let (opts, spec) = spec_of(opts)?;
        let policy = device_policy(policy)?;
        let g = generator_of(opts.as_ref())?;
        crate::batch::passwords_to_js(env, g, spec, policy, n)
    })
}

/// `n` passwords (at most 10 million) in one `Buffer`, ASCII, separated by `\n`
/// (no trailing newline): the bulk form, for writing to a file or a pipe.
/// Unlike strings, a `Buffer` can be wiped: `buf.fill(0)` when done. `policy` as for
/// `generatePassword`.
#[napi(
    ts_args_type = "n: number, opts?: PasswordOptions | undefined | null, policy?: LocalPasswordPolicyOptions | undefined | null"
)]
pub fn generate_passwords_buffer(
    n: Unknown<'_>,
    opts: Unknown<'_>,
    policy: Unknown<'_>,
) -> Result<Buffer> {
    guarded(|| {
        let n = batch_size(arg("n", n)?)?;
        let (opts, spec) = spec_of(opts)?;
        let policy = device_policy(policy)?;
        let mut g = generator_of(opts.as_ref())?;
        let mut joined = g
            .generate_joined_accepted(&spec, &policy, n, b'\n')
            .map_err(coded)?;
        // Handed over without a copy (none is left behind); from here wiping is the
        // caller's, as documented above.
        Ok(Buffer::from(std::mem::take(&mut *joined)))
    })
}

/// Entropy in bits of what `generatePassword(opts)` produces: the exact figure
/// (log2 of the number of equally likely outputs). `entropy(opts)` gives both figures.
#[napi(ts_args_type = "opts?: PasswordOptions | undefined | null")]
pub fn entropy_bits(opts: Unknown<'_>) -> Result<f64> {
    guarded(|| Ok(entropy::bits(&spec_of(opts)?.1).exact))
}

/// Both entropy figures of `opts`: Microsoft's naive one and the exact one. With `policy`, of
/// the passwords that device policy accepts (what `generatePassword(opts, policy)` draws):
/// both drop by log2 of the share accepted.
#[napi(
    ts_args_type = "opts?: PasswordOptions | undefined | null, policy?: LocalPasswordPolicyOptions | undefined | null",
    ts_return_type = "EntropyBits"
)]
pub fn entropy<'env>(
    env: &'env Env,
    opts: Unknown<'_>,
    policy: Unknown<'_>,
) -> Result<Unknown<'env>> {
    guarded(|| {
        let spec = spec_of(opts)?.1;
        to_js(env, &entropy::bits_accepted(&spec, &device_policy(policy)?))
    })
}
