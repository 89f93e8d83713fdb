//! A bounded map that evicts its oldest entries instead of clearing itself when full.
//!
//! The [`crate::KeyStore`] caches seeds and group private keys in it. Values are boxed or
//! reference-counted secrets, so a resize of the table moves pointers, never key bytes (the
//! table's old allocation is freed unwiped by `HashMap`, which is why nothing secret is stored
//! inline).

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

/// A map of at most `capacity` entries; inserting into a full map evicts the oldest insertions.
pub(crate) struct BoundedCache<K, V> {
    map: HashMap<K, V>,
    /// Keys in insertion order. May hold keys already removed by [`BoundedCache::retain`] (or a
    /// key twice after it was removed and inserted again); it is compacted when it grows past
    /// twice the capacity.
    order: VecDeque<K>,
    capacity: usize,
}

impl<K: Eq + Hash + Clone, V> BoundedCache<K, V> {
    /// An empty cache for at most `capacity` entries (at least 1).
    pub(crate) fn new(capacity: usize) -> Self {
        BoundedCache {
            map: HashMap::new(),
            order: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    pub(crate) fn get(&self, key: &K) -> Option<&V> {
        self.map.get(key)
    }

    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    /// Inserts (or replaces) an entry, evicting the oldest entries beyond the capacity.
    pub(crate) fn insert(&mut self, key: K, value: V) {
        if self.map.insert(key.clone(), value).is_none() {
            self.order.push_back(key);
        }
        while self.map.len() > self.capacity {
            match self.order.pop_front() {
                Some(old) => {
                    self.map.remove(&old);
                }
                None => break,
            }
        }
        if self.order.len() > 2 * self.capacity {
            let map = &self.map;
            self.order.retain(|k| map.contains_key(k));
        }
    }

    /// Keeps only the entries for which `keep` is true.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&K) -> bool) {
        self.map.retain(|k, _| keep(k));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_cache_evicts_the_oldest_entries_and_keeps_the_rest() {
        let mut c = BoundedCache::new(3);
        for i in 0..5 {
            c.insert(i, i * 10);
        }
        assert_eq!(c.len(), 3);
        assert!(c.get(&0).is_none() && c.get(&1).is_none());
        assert_eq!(
            (c.get(&2), c.get(&3), c.get(&4)),
            (Some(&20), Some(&30), Some(&40))
        );
    }

    #[test]
    fn retained_and_reinserted_keys_do_not_grow_the_order_without_bound() {
        let mut c = BoundedCache::new(4);
        for round in 0..100 {
            c.insert(round % 2, round);
            c.retain(|k| *k != round % 2);
        }
        assert!(c.order.len() <= 8);
        c.insert(7, 7);
        assert_eq!(c.get(&7), Some(&7));
    }
}
