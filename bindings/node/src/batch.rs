//! Turning a batch of generated passwords into a JS `string[]` cheaply.
//!
//! The passwords are written into one Latin-1 buffer, newline-separated
//! (passwords and EFF words are ASCII and never contain a newline), which
//! becomes one JS string that V8 splits natively: two native→JS crossings for
//! the whole batch instead of two per password. (Pipelining generation on a
//! worker thread with the string creation was tried and measured no faster on
//! the 2-core CI machine.)

use laps_core::{Generator, PasswordSpec};
use napi::bindgen_prelude::{Array, Function, JsObjectValue};
use napi::{Env, JsValue};
use zeroize::Zeroizing;

/// `n` passwords from `g`, newline-separated (no trailing newline), in generation order.
pub(crate) fn joined(g: &mut Generator, spec: &PasswordSpec, n: u32) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(n as usize * 16);
    for i in 0..n {
        if i > 0 {
            bytes.push(b'\n');
        }
        bytes.extend_from_slice(g.generate(spec).as_bytes());
    }
    bytes
}

/// `n` passwords from `g` as a JS array, in generation order.
pub(crate) fn passwords_to_js<'env>(
    env: &'env Env,
    mut g: Generator,
    spec: PasswordSpec,
    n: u32,
) -> napi::Result<Array<'env>> {
    if n == 0 {
        return env.create_array(0);
    }
    let bytes = Zeroizing::new(joined(&mut g, &spec, n));
    let text = env.create_string_latin1(bytes.as_slice())?;
    let split: Function<'_, &str, Array<'env>> =
        text.coerce_to_object()?.get_named_property("split")?;
    split.apply(text, "\n")
}
