//! Turning a batch of generated passwords into a JS `string[]` cheaply.
//!
//! Creating a million V8 strings costs more than generating the passwords, and only
//! the JS thread can do it. So the two overlap: a helper thread generates the batch in
//! chunks while the JS thread turns finished chunks into strings (and generates the
//! next chunk itself whenever none is ready and the helper is busy). There is one
//! generator behind a lock and each chunk is queued before the lock is released, so
//! the chunks come out in stream order and a seeded batch is the same as ever. If the
//! OS refuses the helper thread, the JS thread generates every chunk itself.
//!
//! A chunk is one Latin-1 string, newline-separated (passwords and EFF words are ASCII
//! and never contain a newline), that V8 splits natively; one `concat` joins the
//! chunk arrays.

use crate::error::{coded, internal, Result};
use laps_core::{Generator, LocalPasswordPolicy, PasswordSpec};
use napi::bindgen_prelude::{Array, FnArgs, Function, JsObjectValue, Unknown};
use napi::{Env, JsValue};
use std::sync::{mpsc, Mutex, TryLockError};
use zeroize::Zeroizing;

/// Passwords per chunk: a chunk string above V8's large-object size (128 KiB), so it
/// is never copied by a young-generation GC, and small enough that the JS thread
/// starts at once and the last chunk left to it after generation is short.
/// (4 096, 65 536 and 262 144 measured slower.)
const CHUNK: usize = 16_384;

/// One chunk of the batch: the passwords, or why the device's policy cannot be satisfied.
type Chunk = std::result::Result<Zeroizing<Vec<u8>>, laps_core::Error>;

/// The generator shared by the two threads, with how many passwords it still owes.
struct Source {
    g: Generator,
    spec: PasswordSpec,
    policy: LocalPasswordPolicy,
    left: usize,
}

impl Source {
    /// The next chunk of the batch, `None` once the batch is complete.
    fn next_chunk(&mut self) -> Option<Chunk> {
        if self.left == 0 {
            return None;
        }
        let k = self.left.min(CHUNK);
        self.left -= k;
        Some(
            self.g
                .generate_joined_accepted(&self.spec, &self.policy, k, b'\n'),
        )
    }
}

/// `n` passwords from `g` that the device's `policy` accepts, as a JS array, in generation
/// order.
pub(crate) fn passwords_to_js<'env>(
    env: &'env Env,
    mut g: Generator,
    spec: PasswordSpec,
    policy: LocalPasswordPolicy,
    n: usize,
) -> Result<Array<'env>> {
    if n <= CHUNK {
        let chunk = g.generate_joined_accepted(&spec, &policy, n, b'\n');
        return chunk_to_js(env, &chunk.map_err(coded)?).map_err(|e| internal(e.reason));
    }
    let source = Mutex::new(Source {
        g,
        spec,
        policy,
        left: n,
    });
    let helper_failed = || internal("the password generation thread failed");
    std::thread::scope(|scope| {
        let (tx, rx) = mpsc::channel();
        let source = &source;
        let helper = move || {
            while let Ok(mut s) = source.lock() {
                let Some(chunk) = s.next_chunk() else { return };
                // Queued under the lock, so the queue is in stream order. The receiver
                // only goes away on a JS error; then stop.
                if tx.send(chunk).is_err() {
                    return;
                }
            }
        };
        // Without a helper (the OS refused a thread) the JS thread generates every chunk.
        let _ = std::thread::Builder::new()
            .name("winlaps-generate".into())
            .spawn_scoped(scope, helper);
        let mut chunks = ChunkArrays::new(env)?;
        while chunks.count < n.div_ceil(CHUNK) {
            // Take what the helper has queued; when nothing is, generate the next chunk
            // here unless the helper is already at it, else wait for the helper's.
            // The JS thread holds no sender: if the helper dies, `recv` fails, never hangs.
            if let Ok(chunk) = rx.try_recv() {
                chunks.push(chunk)?;
                continue;
            }
            match source.try_lock() {
                Ok(mut s) => {
                    // Chunks are queued under the lock, so what is queued now is exactly
                    // what precedes the next chunk: take it before generating, while the
                    // helper cannot queue a later one.
                    let earlier: Vec<_> = rx.try_iter().collect();
                    let own = s.next_chunk();
                    drop(s);
                    let none_earlier = earlier.is_empty();
                    for chunk in earlier {
                        chunks.push(chunk)?;
                    }
                    match own {
                        Some(own) => chunks.push(own)?,
                        None if none_earlier => {
                            chunks.push(rx.recv().map_err(|_| helper_failed())?)?
                        }
                        None => {}
                    }
                }
                Err(TryLockError::WouldBlock) => {
                    chunks.push(rx.recv().map_err(|_| helper_failed())?)?
                }
                Err(TryLockError::Poisoned(_)) => return Err(helper_failed()),
            }
        }
        chunks.concat().map_err(|e| internal(e.reason))
    })
}

/// The JS arrays of the chunks converted so far, in order.
struct ChunkArrays<'env> {
    env: &'env Env,
    arrays: Array<'env>,
    count: usize,
}

impl<'env> ChunkArrays<'env> {
    fn new(env: &'env Env) -> Result<Self> {
        Ok(ChunkArrays {
            env,
            arrays: env.create_array(0).map_err(|e| internal(e.reason))?,
            count: 0,
        })
    }

    fn push(&mut self, chunk: Chunk) -> Result<()> {
        let array = chunk_to_js(self.env, &chunk.map_err(coded)?);
        (array.and_then(|a| self.arrays.set(self.count as u32, a)))
            .map_err(|e| internal(e.reason))?;
        self.count += 1;
        Ok(())
    }

    /// `[].concat.apply([], arrays)`: one native copy of the element pointers.
    fn concat(self) -> napi::Result<Array<'env>> {
        let concat: Function<'_, Unknown<'_>, Array<'env>> = self
            .env
            .create_array(0)?
            .coerce_to_object()?
            .get_named_property("concat")?;
        let apply: Function<'_, FnArgs<(Array<'_>, Array<'_>)>, Array<'env>> =
            concat.coerce_to_object()?.get_named_property("apply")?;
        apply.apply(
            concat,
            FnArgs::from((self.env.create_array(0)?, self.arrays)),
        )
    }
}

/// One chunk of newline-separated passwords as a JS array of strings.
fn chunk_to_js<'env>(env: &'env Env, bytes: &[u8]) -> napi::Result<Array<'env>> {
    if bytes.is_empty() {
        return env.create_array(0);
    }
    let text = env.create_string_latin1(bytes)?;
    let split: Function<'_, &str, Array<'env>> =
        text.coerce_to_object()?.get_named_property("split")?;
    split.apply(text, "\n")
}
