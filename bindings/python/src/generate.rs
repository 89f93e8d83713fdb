//! `generate_password`, `generate_passwords`, `generate_passwords_buffer`, `entropy_bits`,
//! `entropy` and the password checks over laps-core.

use crate::convert::{record, Int};
use crate::errors::Error;
use laps_core::{Generator, LocalPasswordPolicy, PasswordSpec};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyList, PyString};
use zeroize::Zeroizing;

/// The generator for one call: OS-seeded ChaCha20, or the caller's fixed seed.
///
/// A seed is `bytes` of exactly 32 bytes or a non-negative `int` below 2**256 (taken as
/// 32 little-endian bytes by `winlaps._types._seed`). Seeded output is reproducible, so it is
/// for tests only.
fn generator(seed: Option<&Bound<'_, PyAny>>) -> PyResult<Generator> {
    let generator = match seed {
        None => Generator::new(),
        Some(seed) => {
            let given = record(seed.py(), "_seed", seed.clone())?;
            Generator::from_seed_slice_insecure(given.cast::<PyBytes>()?.as_bytes())
        }
    };
    Ok(generator.map_err(Error::from)?)
}

/// The spec of the given values, the core's defaults for the others.
fn spec(
    complexity: Option<Int<u32>>,
    length: Option<Int<u32>>,
    words: Option<Int<u32>>,
) -> Result<PasswordSpec, Error> {
    let int = |v: Option<Int<u32>>| v.map(|Int(v)| v);
    Ok(PasswordSpec::with_defaults(
        int(complexity),
        int(length),
        int(words),
    )?)
}

/// The device's own password policy of the `minimum_length` / `complexity_required`
/// arguments (the core's default, no minimum, when `minimum_length` is not given).
fn device(minimum_length: Option<Int<u32>>, complexity_required: bool) -> LocalPasswordPolicy {
    let default = LocalPasswordPolicy::default();
    LocalPasswordPolicy {
        minimum_length: minimum_length.map_or(default.minimum_length, |Int(m)| m),
        complexity_required,
    }
}

/// `n` passwords of `spec` that `policy` accepts, newline-separated, generated with the GIL
/// released into one buffer (no heap allocation per password) that is wiped when dropped.
fn joined(
    py: Python<'_>,
    Int(n): Int<u64>,
    spec: PasswordSpec,
    policy: LocalPasswordPolicy,
    seed: Option<&Bound<'_, PyAny>>,
) -> PyResult<Zeroizing<Vec<u8>>> {
    let n = laps_core::check_batch(n).map_err(Error::from)?;
    let mut g = generator(seed)?;
    let joined = py.detach(|| g.generate_joined_accepted(&spec, &policy, n, b'\n'));
    Ok(joined.map_err(Error::from)?)
}

/// One Windows LAPS password (complexity 1-5, `length` characters) or passphrase
/// (complexity 6-8, `words` words). `seed` (32 bytes or an int) makes the output
/// reproducible and is for tests only; without it the generator is seeded from the OS.
///
/// `minimum_length` / `complexity_required`: the device's own password policy. A password it
/// rejects is drawn again (Windows LAPS would fail that rotation with event 10027); a spec it
/// (almost) never accepts raises `PolicyError`.
#[pyfunction]
#[pyo3(signature = (complexity = None, length = None, words = None, *, seed = None,
    minimum_length = None, complexity_required = false))]
pub(crate) fn generate_password(
    py: Python<'_>,
    complexity: Option<Int<u32>>,
    length: Option<Int<u32>>,
    words: Option<Int<u32>>,
    seed: Option<&Bound<'_, PyAny>>,
    minimum_length: Option<Int<u32>>,
    complexity_required: bool,
) -> PyResult<Py<PyString>> {
    let spec = spec(complexity, length, words)?;
    let policy = device(minimum_length, complexity_required);
    let pw = generator(seed)?
        .generate_accepted(&spec, &policy)
        .map_err(Error::from)?;
    Ok(PyString::new(py, pw.expose()).unbind())
}

/// `n` passwords (at most 10 million) in one native call (the GIL is released while they
/// are generated). With `seed`, the list equals `n` successive draws from one seeded generator.
/// `minimum_length` / `complexity_required`: as for `generate_password`.
#[pyfunction]
#[pyo3(signature = (n, complexity = None, length = None, words = None, *, seed = None,
    minimum_length = None, complexity_required = false))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn generate_passwords<'py>(
    py: Python<'py>,
    n: Int<u64>,
    complexity: Option<Int<u32>>,
    length: Option<Int<u32>>,
    words: Option<Int<u32>>,
    seed: Option<&Bound<'py, PyAny>>,
    minimum_length: Option<Int<u32>>,
    complexity_required: bool,
) -> PyResult<Bound<'py, PyList>> {
    let policy = device(minimum_length, complexity_required);
    let joined = joined(py, n, spec(complexity, length, words)?, policy, seed)?;
    if joined.is_empty() {
        return Ok(PyList::empty(py));
    }
    PyList::new(
        py,
        joined
            .split(|&b| b == b'\n')
            // Passwords are ASCII, so this never falls back.
            .map(|p| PyString::new(py, std::str::from_utf8(p).unwrap_or_default())),
    )
}

/// `n` passwords as one `bytearray`, newline-separated (no trailing newline): the bulk form,
/// without a `str` object per password, and wipeable by the caller (`buf[:] = bytes(len(buf))`),
/// which `str` never is. With `seed`, the same passwords as `generate_passwords`.
#[pyfunction]
#[pyo3(signature = (n, complexity = None, length = None, words = None, *, seed = None,
    minimum_length = None, complexity_required = false))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn generate_passwords_buffer<'py>(
    py: Python<'py>,
    n: Int<u64>,
    complexity: Option<Int<u32>>,
    length: Option<Int<u32>>,
    words: Option<Int<u32>>,
    seed: Option<&Bound<'py, PyAny>>,
    minimum_length: Option<Int<u32>>,
    complexity_required: bool,
) -> PyResult<Bound<'py, PyByteArray>> {
    let policy = device(minimum_length, complexity_required);
    let joined = joined(py, n, spec(complexity, length, words)?, policy, seed)?;
    // The native buffer is wiped when dropped, after its one copy into the bytearray.
    Ok(PyByteArray::new(py, &joined))
}

/// Both entropy figures of this specification, in bits: `{"naive": ..., "exact": ...}`
/// (Microsoft's `length * log2(alphabet)` and log2 of the number of equally likely outputs).
/// With `minimum_length` / `complexity_required`, of the passwords that device policy accepts
/// (what `generate_password` then draws): both drop by log2 of the share accepted.
#[pyfunction(name = "entropy")]
#[pyo3(signature = (complexity = None, length = None, words = None, *, minimum_length = None,
    complexity_required = false))]
pub(crate) fn entropy_both<'py>(
    py: Python<'py>,
    complexity: Option<Int<u32>>,
    length: Option<Int<u32>>,
    words: Option<Int<u32>>,
    minimum_length: Option<Int<u32>>,
    complexity_required: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let policy = device(minimum_length, complexity_required);
    let e = laps_core::entropy::bits_accepted(&spec(complexity, length, words)?, &policy);
    crate::convert::to_py(py, &e)
}

/// Entropy in bits of what the generator produces for this specification: by default the
/// exact figure (log2 of the number of equally likely outputs); with `naive=True` the
/// `length * log2(alphabet)` figure Microsoft publishes.
#[pyfunction]
#[pyo3(signature = (complexity = None, length = None, words = None, *, naive = false))]
pub(crate) fn entropy_bits(
    complexity: Option<Int<u32>>,
    length: Option<Int<u32>>,
    words: Option<Int<u32>>,
    naive: bool,
) -> PyResult<f64> {
    let e = laps_core::entropy::bits(&spec(complexity, length, words)?);
    Ok(if naive { e.naive } else { e.exact })
}

/// Whether `password` uses only the alphabet of `complexity` (1-5) and contains every class
/// (what a Windows LAPS password of that complexity always satisfies); `False` for 6-8.
#[pyfunction]
pub(crate) fn is_valid_password(complexity: Int<u32>, password: &str) -> PyResult<bool> {
    let c = laps_core::Complexity::new(complexity.0).map_err(Error::from)?;
    Ok(laps_core::charset::is_valid_password(c, password))
}

/// Whether the device's password policy accepts what this specification generates (predicts
/// Windows LAPS event 10027), exactly: `{"acceptance": p, "problems": [...]}` where `p` is the
/// probability that one generated password is accepted (1.0 always, 0.0 never) and each
/// problem is a dict with `rule` (`"too_short"` or `"too_few_categories"`), its figures, the
/// share it `rejected` and a `message`.
#[pyfunction]
#[pyo3(signature = (complexity = None, length = None, words = None, *, minimum_length = None,
    complexity_required = false))]
pub(crate) fn check_local_password_policy<'py>(
    py: Python<'py>,
    complexity: Option<Int<u32>>,
    length: Option<Int<u32>>,
    words: Option<Int<u32>>,
    minimum_length: Option<Int<u32>>,
    complexity_required: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let policy = device(minimum_length, complexity_required);
    let fit = laps_core::check_local_policy(&spec(complexity, length, words)?, &policy);
    crate::convert::to_py(py, &fit)
}

/// Splits a generated passphrase back into its lower-case words at the capital letters.
#[pyfunction]
pub(crate) fn split_passphrase(passphrase: &str) -> Vec<String> {
    laps_core::split_passphrase(passphrase)
}
