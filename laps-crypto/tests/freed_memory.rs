//! No secret is left in freed heap memory. A global allocator (test crate only; the
//! library keeps `forbid(unsafe_code)`) scans every block it frees — including the old block of
//! every reallocation — for the bytes of a secret, while armed. Zeroizing buffers are wiped before
//! they are freed, so any hit is a copy that was left behind: a reallocated `String`/`Vec`, a
//! `HashMap` table holding seeds inline, a parser's scratch buffer.
//!
//! One `#[test]` only, so no other test of this binary frees memory while the allocator is armed.
#![allow(unsafe_code)]

use laps_core::{FileTime, Password};
use laps_crypto::hazmat::seed;
use laps_crypto::{encrypt, GroupKeyEnvelope, KeyIndex, KeyStore, LapsCredential, RootKey, Sid};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};

const MAX_NEEDLE: usize = 64;
const NEEDLES: usize = 4;

/// The secrets looked for (fixed storage: the allocator must not allocate).
static NEEDLE_BYTES: [[AtomicU8; MAX_NEEDLE]; NEEDLES] =
    [const { [const { AtomicU8::new(0) }; MAX_NEEDLE] }; NEEDLES];
static NEEDLE_LENS: [AtomicUsize; NEEDLES] = [const { AtomicUsize::new(0) }; NEEDLES];
static ARMED: AtomicBool = AtomicBool::new(false);
/// Freed blocks that held a secret, and the size of the last one (for the failure message).
static LEAKS: AtomicUsize = AtomicUsize::new(0);
static LAST_LEAK_SIZE: AtomicUsize = AtomicUsize::new(0);

struct Scanning;

fn holds_a_needle(block: &[u8]) -> bool {
    (0..NEEDLES).any(|n| {
        let len = NEEDLE_LENS[n].load(Ordering::Relaxed);
        len > 0
            && block.len() >= len
            && block.windows(len).any(|w| {
                w.iter()
                    .zip(&NEEDLE_BYTES[n])
                    .all(|(&b, needle)| b == needle.load(Ordering::Relaxed))
            })
    })
}

// SAFETY: every method forwards to `System` with the caller's layout; `realloc` allocates the new
// block, copies `min(old, new)` bytes and frees the old one through `dealloc`, as the default
// `GlobalAlloc::realloc` does. `dealloc` only reads the block it is given (valid for
// `layout.size()` bytes until it is freed) before freeing it.
unsafe impl GlobalAlloc for Scanning {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ARMED.load(Ordering::Relaxed) && layout.size() > 0 {
            let block = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
            if holds_a_needle(block) {
                LEAKS.fetch_add(1, Ordering::Relaxed);
                LAST_LEAK_SIZE.store(layout.size(), Ordering::Relaxed);
            }
        }
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        let new = unsafe { System.alloc(new_layout) };
        if !new.is_null() {
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        new
    }
}

#[global_allocator]
static GLOBAL: Scanning = Scanning;

fn set_needles(needles: &[&[u8]]) {
    for (n, needle) in needles.iter().enumerate() {
        assert!(needle.len() <= MAX_NEEDLE && needle.len() >= 8);
        for (slot, &b) in NEEDLE_BYTES[n].iter().zip(needle.iter()) {
            slot.store(b, Ordering::Relaxed);
        }
        NEEDLE_LENS[n].store(needle.len(), Ordering::Relaxed);
    }
    for len in &NEEDLE_LENS[needles.len()..] {
        len.store(0, Ordering::Relaxed);
    }
}

/// Runs `f` armed and returns how many freed blocks held a needle.
fn leaks_during(f: impl FnOnce()) -> usize {
    LEAKS.store(0, Ordering::Relaxed);
    ARMED.store(true, Ordering::SeqCst);
    f();
    ARMED.store(false, Ordering::SeqCst);
    LEAKS.load(Ordering::Relaxed)
}

fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// Passwords of every length up to the LAPS maximum (64 characters), each holding a distinctive
/// non-ASCII core (the needle) and characters the JSON writer escapes.
fn passwords() -> Vec<String> {
    const CORE: &str = "Zq9€Ω𝄞x";
    let filler = ['"', '\\', 'é', '\u{1}', 'a', '/', '𝄞', '\n'];
    (CORE.chars().count()..=64)
        .step_by(3)
        .map(|len| {
            let mut p = String::from(CORE);
            p.extend(filler.iter().cycle().take(len - CORE.chars().count()));
            p
        })
        .collect()
}

#[test]
fn no_secret_is_left_in_freed_memory() {
    const CORE: &str = "Zq9€Ω𝄞x";
    let root = RootKey::new(
        "0b6f3c3e-3c4e-4f43-9a55-3d1fbb0ee101".parse().unwrap(),
        &[0x5c; 64],
    )
    .unwrap();
    let sid: Sid = "S-1-5-21-1-2-3-512".parse().unwrap();
    let now = FileTime::from_ticks(0x1dc5e0c8a2b4000);

    // The detector works: an unwiped copy of the secret is found.
    set_needles(&[CORE.as_bytes()]);
    assert!(leaks_during(|| drop(String::from(CORE).repeat(3))) > 0);

    // 1. Credentials: encrypt, decrypt, JSON both ways, for every password length.
    let envelope = |public| {
        GroupKeyEnvelope::from_root_key(
            &root,
            &sid,
            KeyIndex::from_filetime(now),
            "contoso.com",
            "contoso.com",
            public,
        )
        .unwrap()
    };
    let (public, private) = (envelope(true), envelope(false));
    let store = KeyStore::new();
    store.add_root_key(root.clone());
    let core16 = utf16le(CORE);
    set_needles(&[CORE.as_bytes(), &core16]);
    for (i, password) in passwords().into_iter().enumerate() {
        let credential = LapsCredential::new("Administrator", Password::from(password), now);
        let mut rng = ChaCha20Rng::seed_from_u64(i as u64);
        let leaks = leaks_during(|| {
            for gke in [&public, &private] {
                let value = encrypt::encrypt_credential(gke, &sid, &credential, &mut rng).unwrap();
                let back = store.decrypt_attribute(&value).unwrap();
                assert_eq!(back, credential);
            }
            let json = credential.to_json();
            assert_eq!(LapsCredential::from_json(&json).unwrap(), credential);
            let plaintext = credential.to_plaintext();
            assert_eq!(
                LapsCredential::from_plaintext(&plaintext).unwrap(),
                credential
            );
        });
        assert_eq!(
            leaks,
            0,
            "password of {} chars: a freed block of {} bytes held it",
            credential.password.expose().chars().count(),
            LAST_LEAK_SIZE.load(Ordering::Relaxed)
        );
    }

    // 2. Seeds: the store's caches grow over 64 L2 keys (tables resize several times) while
    // the L1 seed of that period and the first L2 seed are watched.
    let sd = laps_crypto::sid::target_security_descriptor(&sid);
    let first = KeyIndex {
        l0: 362,
        l1: 3,
        l2: 31,
    };
    let chain = seed::seed_chain(root.kdf_hash(), root.data(), root.id(), &sd, first);
    set_needles(&[&chain.l1.as_bytes()[..32], &chain.l2.as_bytes()[..32]]);
    let values: Vec<Vec<u8>> = (0..64)
        .map(|k| {
            let at = KeyIndex {
                l0: 362,
                l1: 3 - k / 32,
                l2: 31 - k % 32,
            };
            let gke = GroupKeyEnvelope::from_root_key(
                &root,
                &sid,
                at,
                "contoso.com",
                "contoso.com",
                false,
            )
            .unwrap();
            let credential = LapsCredential::new("Administrator", Password::from("x"), now);
            encrypt::encrypt_credential(
                &gke,
                &sid,
                &credential,
                &mut ChaCha20Rng::seed_from_u64(k as u64),
            )
            .unwrap()
        })
        .collect();
    let fresh = KeyStore::new();
    fresh.add_root_key(root.clone());
    let leaks = leaks_during(|| {
        for v in &values {
            fresh.decrypt_attribute(v).unwrap();
        }
    });
    assert!(fresh.cached_seed_count() > 64);
    assert_eq!(
        leaks,
        0,
        "a freed block of {} bytes held a seed",
        LAST_LEAK_SIZE.load(Ordering::Relaxed)
    );

    // 3. The root key's JSON form.
    set_needles(&[&[b'5', b'c'].repeat(16)]);
    let leaks = leaks_during(|| {
        let json = root.to_json();
        assert_eq!(RootKey::from_json(&json).unwrap().id(), root.id());
    });
    assert_eq!(
        leaks,
        0,
        "a freed block of {} bytes held the root key",
        LAST_LEAK_SIZE.load(Ordering::Relaxed)
    );
}
