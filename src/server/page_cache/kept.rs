//! The store behind both kinds of kept HTML: whole Marketplace pages for
//! visitors without a session (`page_cache::serve`) and the results grid
//! of a browse page for everyone (`ResultsCache`). An entry is handed out
//! for `TTL`; past that, and for less than `STALE`, it still stands in
//! while one request draws its successor, so that a busy entry never has
//! every request draw it at once when it runs out. A draw that raced a
//! `forget_all` is not kept (generations, as in `cache.rs`). Memory is
//! bounded: at most `max_bytes` in all, each entry at most
//! `max_entry_bytes`; a full store keeps nothing new until entries expire.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long an entry is handed out as it is.
pub const TTL: Duration = Duration::from_secs(1);
/// How long an expired entry may stand in while its successor is drawn.
pub const STALE: Duration = Duration::from_secs(5);

/// What can be kept: a cheap copy that knows its size.
pub trait Keepable: Clone {
    fn bytes(&self) -> usize;
}

/// Entries of one kind, by key.
#[derive(Debug)]
pub struct Kept<V> {
    generation: AtomicU64,
    inner: Mutex<Store<V>>,
    max_bytes: usize,
    max_entry_bytes: usize,
}

#[derive(Debug)]
struct Store<V> {
    entries: HashMap<String, (V, Instant)>,
    bytes: usize,
    /// Keys whose successor some request is drawing now.
    drawing: HashSet<String>,
}

/// What the store has for a key.
pub enum Lookup<V> {
    /// An entry to hand out.
    Copy(V),
    /// Nothing usable: draw it (and, when `successor`, this request is the
    /// one drawing the successor of an expired entry, and must say
    /// `done_drawing`, which `Drawing` does).
    Draw { successor: bool },
}

impl<V: Keepable> Kept<V> {
    pub fn new(max_bytes: usize, max_entry_bytes: usize) -> Self {
        Self {
            generation: AtomicU64::new(0),
            inner: Mutex::new(Store {
                entries: HashMap::new(),
                bytes: 0,
                drawing: HashSet::new(),
            }),
            max_bytes,
            max_entry_bytes,
        }
    }

    fn store(&self) -> std::sync::MutexGuard<'_, Store<V>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn lookup(&self, key: &str, now: Instant) -> Lookup<V> {
        let mut store = self.store();
        let Some((value, drawn_at)) = store.entries.get(key) else {
            return Lookup::Draw { successor: false };
        };
        let age = now.duration_since(*drawn_at);
        if age < TTL {
            return Lookup::Copy(value.clone());
        }
        if age >= STALE {
            return Lookup::Draw { successor: false };
        }
        let value = value.clone();
        if store.drawing.insert(key.to_owned()) {
            Lookup::Draw { successor: true }
        } else {
            // Another request is drawing it: this one gets the old entry.
            Lookup::Copy(value)
        }
    }

    pub fn done_drawing(&self, key: &str) {
        self.store().drawing.remove(key);
    }

    /// The generation to pass to `put` for a draw starting now.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Keeps `value`, drawn in generation `drawn_in`, unless a forget came
    /// since, it is too big, or the store is full of entries that may
    /// still stand in.
    pub fn put(&self, key: String, value: V, drawn_in: u64, now: Instant) {
        let size = value.bytes();
        if size > self.max_entry_bytes {
            return;
        }
        let mut store = self.store();
        // Checked under the lock, which `forget_all` also takes.
        if self.generation() != drawn_in {
            return;
        }
        if store.bytes + size > self.max_bytes {
            store
                .entries
                .retain(|_, (_, drawn_at)| now.duration_since(*drawn_at) < STALE);
            store.bytes = store.entries.values().map(|(v, _)| v.bytes()).sum();
            if store.bytes + size > self.max_bytes {
                return;
            }
        }
        store.bytes += size;
        if let Some((old, _)) = store.entries.insert(key, (value, now)) {
            store.bytes -= old.bytes();
        }
    }

    /// Forgets every entry, and every draw still under way.
    pub fn forget_all(&self) {
        let mut store = self.store();
        self.generation.fetch_add(1, Ordering::SeqCst);
        store.entries.clear();
        store.bytes = 0;
        store.drawing.clear();
    }

    /// How many entries are kept.
    pub fn len(&self) -> usize {
        self.store().entries.len()
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Marks a key as no longer being drawn when dropped, however the draw
/// ended.
pub struct Drawing<'a, V: Keepable> {
    pub kept: &'a Kept<V>,
    pub key: &'a str,
}

impl<V: Keepable> Drop for Drawing<'_, V> {
    fn drop(&mut self) {
        self.kept.done_drawing(self.key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl Keepable for &'static str {
        fn bytes(&self) -> usize {
            self.len()
        }
    }

    #[test]
    fn entries_expire_and_a_raced_draw_is_not_kept() {
        let kept = Kept::new(1 << 20, 1 << 10);
        let now = Instant::now();
        let drawn_in = kept.generation();
        kept.put("/marketplace".into(), "a", drawn_in, now);
        assert!(matches!(
            kept.lookup("/marketplace", now + TTL / 2),
            Lookup::Copy("a")
        ));
        assert!(matches!(
            kept.lookup("/marketplace", now + STALE),
            Lookup::Draw { successor: false }
        ));
        kept.forget_all();
        assert!(kept.is_empty());
        kept.put("/marketplace".into(), "stale", drawn_in, now);
        assert!(kept.is_empty(), "drawn before the forget");
    }

    #[test]
    fn an_expired_entry_stands_in_while_one_request_draws_its_successor() {
        let kept = Kept::new(1 << 20, 1 << 10);
        let now = Instant::now();
        kept.put("/m".into(), "old", 0, now);
        let later = now + TTL;
        assert!(matches!(
            kept.lookup("/m", later),
            Lookup::Draw { successor: true }
        ));
        // Others meanwhile get the old entry.
        assert!(matches!(kept.lookup("/m", later), Lookup::Copy("old")));
        drop(Drawing {
            kept: &kept,
            key: "/m",
        });
        assert!(matches!(
            kept.lookup("/m", later),
            Lookup::Draw { successor: true }
        ));
        kept.done_drawing("/m");
        // Too old to stand in: everyone draws.
        assert!(matches!(
            kept.lookup("/m", now + STALE),
            Lookup::Draw { successor: false }
        ));
        kept.put("/m".into(), "new", 0, later);
        assert!(matches!(kept.lookup("/m", later), Lookup::Copy("new")));
    }

    #[test]
    fn memory_is_bounded() {
        let big: &'static str = "x".repeat(100).leak();
        let kept = Kept::new(1000, 100);
        let now = Instant::now();
        let too_big: &'static str = "x".repeat(101).leak();
        kept.put("too big".into(), too_big, 0, now);
        assert!(kept.is_empty());
        for i in 0..15 {
            kept.put(format!("/marketplace?q={i}"), big, 0, now);
        }
        assert_eq!(kept.len(), 10);
        // Once the kept entries are too old to stand in, new ones take
        // their place.
        let later = now + STALE;
        kept.put("/marketplace?q=new".into(), big, 0, later);
        assert_eq!(kept.len(), 1);
    }
}
