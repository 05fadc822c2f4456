//! All SQL lives here, one module per area. `*Row` types mirror tables and
//! never leave this module tree; callers get plain values back.

pub mod accounts;
pub mod apps;
pub mod credentials;
pub mod invites;
pub mod media;
pub mod meetings;
pub mod oauth;
pub mod outbox;
pub mod rate_limits;
pub mod sessions;
pub mod tokens;
pub mod users;
pub mod webhooks;

/// True when `err` is a unique-constraint violation (a lost race for a
/// unique value, such as an email address).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}
