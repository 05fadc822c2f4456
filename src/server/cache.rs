//! What this process remembers of rows that every API call or token
//! request reads and that rarely change: access tokens with their grant,
//! OAuth clients (credentials with their app), and account members (the
//! user with their role) as the users API shows them. A cached row saves a
//! database read per request; the price is knowing when to forget.
//!
//! Forgetting is all-at-once and errs on the side of reading again:
//! - In this process, a `Change` (`server/change.rs`) whose transaction
//!   changed a cached column (ended a token, changed what a client may do,
//!   changed a member) forgets after its commit, so the next request here
//!   reads the database. The database says which transactions did:
//!   triggers generated from `db::CACHED_COLUMNS` mark them.
//! - Other processes on the same PostgreSQL learn of it from the same
//!   triggers, which `NOTIFY` at commit (see `db.rs`); every process
//!   `LISTEN`s. While a process is not listening (before its first
//!   connection, after losing it), its caches are not used at all.
//! - SQLite is one process per file: local forgetting is the whole story.
//! - Whatever happens, an entry is read again after `TTL_MS`.
//!
//! A read that raced a forget must not put back what it read before the
//! change: entries carry the generation they were read in, and `put`
//! refuses an entry whose generation has passed.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::sync::oneshot;

use super::db::Dialect;
use super::repo::accounts::MemberRow;
use super::repo::oauth::ClientRow;
use super::repo::tokens::TokenRow;

/// An entry is read again after this long, whatever was heard.
const TTL_MS: i64 = 60_000;
/// At most this many entries; a full cache starts again empty.
const CAPACITY: usize = 100_000;

/// Keyed copies of rows, forgotten all at once.
#[derive(Debug)]
pub struct ReadCache<V> {
    generation: AtomicU64,
    entries: Mutex<HashMap<String, (Arc<V>, i64)>>,
}

impl<V> Default for ReadCache<V> {
    fn default() -> Self {
        Self {
            generation: AtomicU64::new(0),
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<V> ReadCache<V> {
    /// The row for `key`: the kept one when the cache is `usable` and it
    /// is fresh, else what `read` finds in the database, kept when `usable`
    /// and `keep` says so. Nothing is kept of a row not found.
    pub async fn read_through(
        &self,
        usable: bool,
        key: &str,
        now: i64,
        read: impl std::future::Future<Output = Result<Option<V>, sqlx::Error>>,
        keep: impl FnOnce(&V) -> bool,
    ) -> Result<Option<Arc<V>>, sqlx::Error> {
        if usable {
            if let Some(value) = self.get(key, now) {
                return Ok(Some(value));
            }
        }
        // Taken before `read` is first polled, which is when it reads.
        let read_in = self.generation();
        let Some(value) = read.await? else {
            return Ok(None);
        };
        let value = Arc::new(value);
        if usable && keep(&value) {
            self.put(key.to_owned(), value.clone(), read_in, now);
        }
        Ok(Some(value))
    }

    /// The entry for `key`, unless it is older than the TTL.
    fn get(&self, key: &str, now: i64) -> Option<Arc<V>> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|(_, read_at)| now - read_at < TTL_MS)
            .map(|(value, _)| value.clone())
    }

    /// Take this before reading the database; hand it to `put`.
    fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Keeps `value`, read at `now` in generation `read_in`, unless the
    /// cache was told to forget since.
    fn put(&self, key: String, value: Arc<V>, read_in: u64, now: i64) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        // Checked under the lock, which `forget_all` also takes.
        if self.generation.load(Ordering::SeqCst) != read_in {
            return;
        }
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        entries.insert(key, (value, now));
    }

    /// Forgets every entry, and every read still under way.
    pub fn forget_all(&self) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        self.generation.fetch_add(1, Ordering::SeqCst);
        entries.clear();
    }

    /// How many entries are kept (for tests).
    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// This process's caches and, on PostgreSQL, its ear for other processes.
#[derive(Debug)]
pub struct Caches {
    /// Access tokens by the SHA-256 of the token, with their grant.
    pub tokens: ReadCache<TokenRow>,
    /// OAuth clients by client id.
    pub clients: ReadCache<ClientRow>,
    /// Account members by account id and user id or email (`member_key`).
    pub members: ReadCache<MemberRow>,
    /// Rendered Marketplace pages for visitors (see `page_cache`).
    pub pages: super::page_cache::PageCache,
    /// Rendered Marketplace results grids for everyone (see `page_cache`).
    pub results: super::page_cache::ResultsCache,
    /// Whether the caches may be used now.
    live: AtomicBool,
    /// PostgreSQL only: where to listen. The listener starts with the
    /// first use and stops when this is dropped.
    postgres_url: Option<String>,
    listener: OnceLock<oneshot::Sender<()>>,
}

impl Caches {
    /// Caches for a database of `dialect` at `url`.
    pub fn new(dialect: Dialect, url: &str) -> Arc<Self> {
        let postgres = dialect == Dialect::Postgres;
        Arc::new(Self {
            tokens: ReadCache::default(),
            clients: ReadCache::default(),
            members: ReadCache::default(),
            pages: Default::default(),
            results: Default::default(),
            live: AtomicBool::new(!postgres),
            postgres_url: postgres.then(|| url.to_owned()),
            listener: OnceLock::new(),
        })
    }

    /// Whether the caches may be used now. On PostgreSQL the first call
    /// starts listening; until that works, the answer is no.
    pub fn usable(self: &Arc<Self>) -> bool {
        if let Some(url) = &self.postgres_url {
            self.listener.get_or_init(|| {
                let (stop, stopped) = oneshot::channel();
                tokio::spawn(listen(Arc::downgrade(self), url.clone(), stopped));
                stop
            });
        }
        self.live.load(Ordering::SeqCst)
    }

    /// A change to cached rows has committed (`Change::commit`, or a
    /// notice from another process).
    pub fn forget(&self) {
        self.tokens.forget_all();
        self.clients.forget_all();
        self.members.forget_all();
        self.forget_rendered();
    }

    /// Something may have changed what a Marketplace page shows: forgets
    /// the kept pages and results grids.
    pub fn forget_rendered(&self) {
        self.pages.forget_all();
        self.results.forget_all();
    }
}

/// Listens for other processes' changes until `stop` fires (the caches
/// were dropped). Every notification forgets everything: they are rare
/// (a revoke, an uninstall), reads are cheap to redo.
async fn listen(caches: std::sync::Weak<Caches>, url: String, mut stop: oneshot::Receiver<()>) {
    use sqlx::postgres::PgListener;
    let set_live = |live: bool| {
        if let Some(caches) = caches.upgrade() {
            // Anything may have changed while nobody listened.
            caches.forget();
            caches.live.store(live, Ordering::SeqCst);
            true
        } else {
            false
        }
    };
    loop {
        let connected = async {
            let mut listener = PgListener::connect(&url).await?;
            listener.listen(super::db::CHANGE_CHANNEL).await?;
            Ok::<_, sqlx::Error>(listener)
        };
        let mut listener = tokio::select! {
            _ = &mut stop => return,
            connected = connected => match connected {
                Ok(listener) => listener,
                Err(err) => {
                    tracing::warn!("cache listener cannot connect: {err}");
                    tokio::select! {
                        _ = &mut stop => return,
                        _ = tokio::time::sleep(Duration::from_secs(1)) => continue,
                    }
                }
            },
        };
        if !set_live(true) {
            return;
        }
        loop {
            tokio::select! {
                _ = &mut stop => return,
                heard = listener.try_recv() => match heard {
                    Ok(Some(_)) => match caches.upgrade() {
                        Some(caches) => caches.forget(),
                        None => return,
                    },
                    // The connection went: stop trusting the caches until
                    // a new one listens.
                    Ok(None) | Err(_) => {
                        if !set_live(false) {
                            return;
                        }
                        break;
                    }
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_that_raced_a_forget_is_not_kept() {
        let cache = ReadCache::<&str>::default();
        let read_in = cache.generation();
        cache.forget_all();
        cache.put("a".into(), Arc::new("stale"), read_in, 0);
        assert!(cache.get("a", 0).is_none());
        let read_in = cache.generation();
        cache.put("a".into(), Arc::new("fresh"), read_in, 0);
        assert_eq!(cache.get("a", 0).as_deref(), Some(&"fresh"));
    }

    #[test]
    fn entries_expire_and_forgetting_clears_them() {
        let cache = ReadCache::<u8>::default();
        cache.put("a".into(), Arc::new(1), cache.generation(), 1_000);
        assert_eq!(cache.get("a", 1_000 + TTL_MS - 1).as_deref(), Some(&1));
        assert!(cache.get("a", 1_000 + TTL_MS).is_none());
        cache.forget_all();
        assert!(cache.is_empty());
    }
}
