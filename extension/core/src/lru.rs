//! A bounded least-recently-used map: the extension keeps each backend's
//! compiled form versions in one (extension/pg/src/forms.rs), so a backend
//! that sees many versions holds at most `capacity` of them and drops the
//! one unused longest, instead of emptying everything when full.
//!
//! Recency is a counter: each use gives the entry the next tick, and the
//! entry with the smallest tick is the least recently used. Lookups and
//! inserts cost a hash lookup and a B-tree step (O(log n)); no unsafe code,
//! no dependency.

use std::borrow::Borrow;
use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::num::NonZeroUsize;

pub struct Lru<K, V> {
    capacity: NonZeroUsize,
    /// key → (value, tick of its last use)
    entries: HashMap<K, (V, u64)>,
    /// tick of last use → key, least recently used first
    order: BTreeMap<u64, K>,
    next_tick: u64,
}

impl<K: Hash + Eq + Clone, V> Lru<K, V> {
    pub fn new(capacity: NonZeroUsize) -> Self {
        Lru { capacity, entries: HashMap::new(), order: BTreeMap::new(), next_tick: 0 }
    }

    pub fn capacity(&self) -> usize {
        self.capacity.get()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn tick(&mut self) -> u64 {
        self.next_tick += 1;
        self.next_tick
    }

    /// The value of `key`, which becomes the most recently used.
    pub fn get<Q>(&mut self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let tick = self.tick();
        let (value, last) = self.entries.get_mut(key)?;
        let old = std::mem::replace(last, tick);
        let stored_key = self.order.remove(&old).expect("every entry has its tick in the order");
        self.order.insert(tick, stored_key);
        Some(value)
    }

    /// The value of `key` without counting it as a use.
    pub fn peek<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.entries.get(key).map(|(value, _)| value)
    }

    /// Stores `value` under `key` as the most recently used, replacing the
    /// key's old value; when that makes one too many, the least recently
    /// used entry is dropped and returned.
    pub fn put(&mut self, key: K, value: V) -> Option<(K, V)> {
        let tick = self.tick();
        if let Some((_, old)) = self.entries.insert(key.clone(), (value, tick)) {
            self.order.remove(&old);
        }
        self.order.insert(tick, key);
        if self.entries.len() <= self.capacity.get() {
            return None;
        }
        let (_, oldest) = self.order.pop_first().expect("more entries than the capacity");
        let (value, _) = self.entries.remove(&oldest).expect("every ordered key has an entry");
        Some((oldest, value))
    }

    /// The entries, in no particular order (not counted as uses).
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.entries.iter().map(|(key, (value, _))| (key, value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lru(capacity: usize) -> Lru<u32, String> {
        Lru::new(NonZeroUsize::new(capacity).unwrap())
    }

    #[test]
    fn the_least_recently_used_entry_is_dropped_when_full() {
        let mut c = lru(2);
        assert_eq!(c.put(1, "a".into()), None);
        assert_eq!(c.put(2, "b".into()), None);
        // using 1 makes 2 the least recently used
        assert_eq!(c.get(&1).map(String::as_str), Some("a"));
        assert_eq!(c.put(3, "c".into()), Some((2, "b".into())));
        assert_eq!(c.len(), 2);
        assert_eq!(c.peek(&2), None);
        assert_eq!(c.peek(&1).map(String::as_str), Some("a"));
        assert_eq!(c.peek(&3).map(String::as_str), Some("c"));
    }

    #[test]
    fn peek_does_not_count_as_a_use() {
        let mut c = lru(2);
        c.put(1, "a".into());
        c.put(2, "b".into());
        assert!(c.peek(&1).is_some());
        assert_eq!(c.put(3, "c".into()).map(|(k, _)| k), Some(1));
    }

    #[test]
    fn putting_a_key_again_replaces_its_value_and_renews_it() {
        let mut c = lru(2);
        c.put(1, "a".into());
        c.put(2, "b".into());
        assert_eq!(c.put(1, "A".into()), None);
        assert_eq!(c.len(), 2);
        assert_eq!(c.put(3, "c".into()).map(|(k, _)| k), Some(2));
        assert_eq!(c.peek(&1).map(String::as_str), Some("A"));
    }

    #[test]
    fn never_more_than_the_capacity() {
        let mut c = lru(100);
        for i in 0..10_000 {
            c.put(i % 357, i.to_string());
            assert!(c.len() <= 100);
            if i % 3 == 0 {
                c.get(&(i % 101));
            }
        }
        assert_eq!(c.len(), 100);
        assert_eq!(c.order.len(), 100, "the order keeps one tick per entry");
        assert_eq!(c.iter().count(), 100);
        assert!(!c.is_empty());
        assert_eq!(c.capacity(), 100);
    }

    /// The property the extension's cache is sized for: a backend cycling
    /// through 1,200 form versions in a cache of 2,048 compiles each once,
    /// in any order of use; and one cycling through more than the capacity
    /// drops only the least recently used (no emptying when full).
    #[test]
    fn cycling_through_1200_versions_misses_only_in_the_first_round() {
        let mut c: Lru<(i64, String), u32> = Lru::new(NonZeroUsize::new(2048).unwrap());
        let key = |id: i64| (id, format!("{id:064x}"));
        let mut misses = 0;
        let mut seed = 7u64;
        for round in 0..5 {
            for n in 0..1200i64 {
                // in order in some rounds, scattered in others
                let id = if round % 2 == 0 {
                    n
                } else {
                    seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                    (seed >> 33) as i64 % 1200
                };
                if c.get(&key(id)).is_none() {
                    misses += 1;
                    assert_eq!(c.put(key(id), 0), None, "nothing is dropped below the capacity");
                }
            }
        }
        assert_eq!(misses, 1200, "each version compiled once");
        assert_eq!(c.len(), 1200);

        // more versions than the capacity: a full cache keeps the 2,048 most recent
        for id in 1200..3000 {
            if c.get(&key(id)).is_none() {
                c.put(key(id), 0);
            }
        }
        assert_eq!(c.len(), 2048);
        assert!(c.peek(&key(2999)).is_some() && c.peek(&key(3000 - 2048)).is_some());
        assert!(c.peek(&key(3000 - 2049)).is_none());
    }
}
