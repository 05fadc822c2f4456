//! Authorization codes, grants and tokens (`oauth_codes`, `oauth_grants`,
//! `oauth_tokens`). Single use is decided by the database: a code or
//! refresh token is spent by an `UPDATE … WHERE used_at IS NULL`, so of two
//! racing requests exactly one changes the row.
//!
//! Access and refresh tokens are stored under `ids::token_key` (their
//! SHA-256, led by their issue time, so new rows go to the end of the
//! index); the column keeps its first name, `token_hash`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use crate::domain::oauth::TokenKind;
use sqlx::any::AnyArguments;
use sqlx::{Any, AnyPool, Arguments, Executor, FromRow, Transaction};

use crate::server::db::{Db, Dialect};

/// A stored authorization code.
#[derive(Debug, Clone, FromRow)]
pub struct CodeRow {
    pub install_id: String,
    pub client_id: String,
    /// The authorization request's `redirect_uri` as sent; empty when it
    /// sent none (the registered redirect URL was used).
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub user_id: String,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub grant_id: Option<String>,
}

/// What a code is made of.
pub struct NewCode<'a> {
    pub code_hash: &'a str,
    pub install_id: &'a str,
    pub client_id: &'a str,
    /// As in `CodeRow`: empty when the request sent none.
    pub redirect_uri: &'a str,
    pub code_challenge: Option<&'a str>,
    pub user_id: &'a str,
    pub expires_at: i64,
}

pub async fn create_code(pool: &AnyPool, code: NewCode<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO oauth_codes (code_hash, install_id, client_id, redirect_uri, code_challenge, user_id, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(code.code_hash)
    .bind(code.install_id)
    .bind(code.client_id)
    .bind(code.redirect_uri)
    .bind(code.code_challenge)
    .bind(code.user_id)
    .bind(code.expires_at)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn find_code(pool: &AnyPool, code_hash: &str) -> Result<Option<CodeRow>, sqlx::Error> {
    sqlx::query_as::<_, CodeRow>(
        "SELECT install_id, client_id, redirect_uri, code_challenge, user_id, expires_at, used_at, grant_id \
         FROM oauth_codes WHERE code_hash = $1",
    )
    .bind(code_hash)
    .fetch_optional(pool)
    .await
}

/// A new grant and the tokens it starts with.
#[derive(Debug, Clone)]
pub struct NewGrant {
    pub id: String,
    pub app_id: String,
    pub install_id: Option<String>,
    pub client_id: String,
    pub account_id: String,
    pub user_id: Option<String>,
    pub scopes: String,
    pub now: i64,
    /// The access token's `ids::token_key`.
    pub access_hash: String,
    pub access_expires_at: i64,
    /// `(token_key, expires_at)` when the grant type issues a refresh token.
    pub refresh: Option<(String, i64)>,
}

impl NewGrant {
    /// The grant's tokens as `(hash, kind, expires_at)`.
    fn tokens(&self) -> impl Iterator<Item = (&str, &'static str, i64)> {
        std::iter::once((self.access_hash.as_str(), "access", self.access_expires_at)).chain(
            self.refresh
                .as_ref()
                .map(|(hash, at)| (hash.as_str(), "refresh", *at)),
        )
    }
}

/// What stores grants with their tokens, whatever their number: two
/// inserts, the grants' (parameters from `$1`) and the tokens' (numbered
/// on from there), as one query text with every value bound in order.
///
/// The dialects part here (`db.rs` lists where else): every trip to the
/// database counts, because a busy server makes grants in groups and the
/// next group waits for this one. On SQLite the two statements go as one
/// multi-statement query (sqlx binds each statement's `$n` from the shared
/// arguments), one wake-up of the connection's thread. On PostgreSQL, which takes one statement per
/// query, the grants are inserted in a CTE; the tokens' foreign keys are
/// checked at the statement's end, when the grants exist.
fn insert_grants(
    dialect: Dialect,
    grants: &[NewGrant],
    own_transaction: bool,
) -> Result<(Arc<str>, AnyArguments<'_>), sqlx::Error> {
    let mut args = AnyArguments::default();
    let bound = |result: Result<(), sqlx::error::BoxDynError>| result.map_err(sqlx::Error::Encode);
    for grant in grants {
        bound(args.add(&grant.id))?;
        bound(args.add(&grant.app_id))?;
        bound(args.add(&grant.install_id))?;
        bound(args.add(&grant.client_id))?;
        bound(args.add(&grant.account_id))?;
        bound(args.add(&grant.user_id))?;
        bound(args.add(&grant.scopes))?;
        bound(args.add(grant.now))?;
    }
    let mut tokens = 0;
    for grant in grants {
        for (key, kind, expires_at) in grant.tokens() {
            bound(args.add(key))?;
            bound(args.add(&grant.id))?;
            bound(args.add(kind))?;
            bound(args.add(grant.now))?;
            bound(args.add(expires_at))?;
            tokens += 1;
        }
    }
    Ok((
        insert_grants_sql(dialect, grants.len(), tokens, own_transaction),
        args,
    ))
}

/// The query text of `insert_grants` for `grants` grants with `tokens`
/// tokens (on SQLite, in a transaction of its own when `own_transaction`:
/// `BEGIN IMMEDIATE … COMMIT` in the same text, one trip), made once per
/// shape and kept. The grant writer (the one task every credentials grant
/// waits on) otherwise spent more time formatting the text than binding
/// the values; a busy server writes groups of a few
/// shapes only (at most 64 grants of one or two tokens each).
fn insert_grants_sql(
    dialect: Dialect,
    grants: usize,
    tokens: usize,
    own_transaction: bool,
) -> Arc<str> {
    type Shape = (Dialect, usize, usize, bool);
    static TEXTS: OnceLock<Mutex<HashMap<Shape, Arc<str>>>> = OnceLock::new();
    let texts = TEXTS.get_or_init(Default::default);
    let mut texts = texts
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let text = texts.entry((dialect, grants, tokens, own_transaction)).or_insert_with(|| {
        let grants_sql = format!(
            "INSERT INTO oauth_grants (id, app_id, install_id, client_id, account_id, user_id, scopes, created_at) \
             VALUES {}",
            super::values_rows(grants, 8, 1, |p| super::plain_row(p, 8))
        );
        let tokens_sql = format!(
            "INSERT INTO oauth_tokens (token_hash, grant_id, kind, created_at, expires_at) VALUES {}",
            super::values_rows(tokens, 5, 1 + grants * 8, |p| super::plain_row(p, 5))
        );
        match dialect {
            Dialect::Sqlite if own_transaction => {
                format!("BEGIN IMMEDIATE; {grants_sql}; {tokens_sql}; COMMIT").into()
            }
            Dialect::Sqlite => format!("{grants_sql}; {tokens_sql}").into(),
            Dialect::Postgres => format!("WITH granted AS ({grants_sql}) {tokens_sql}").into(),
        }
    });
    text.clone()
}

async fn insert_tokens(
    tx: &mut Transaction<'_, Any>,
    grant_id: &str,
    now: i64,
    access_hash: &str,
    access_expires_at: i64,
    refresh: Option<(&str, i64)>,
) -> Result<(), sqlx::Error> {
    let tokens = std::iter::once(("access", access_hash, access_expires_at))
        .chain(refresh.map(|(hash, at)| ("refresh", hash, at)));
    for (kind, hash, expires_at) in tokens {
        sqlx::query(
            "INSERT INTO oauth_tokens (token_hash, grant_id, kind, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(hash)
        .bind(grant_id)
        .bind(kind)
        .bind(now)
        .bind(expires_at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Spends a code and starts its grant, in one transaction. `false` when
/// another request spent it first (nothing is written then).
pub async fn redeem_code(db: &Db, code_hash: &str, grant: &NewGrant) -> Result<bool, sqlx::Error> {
    let mut tx = db.pool.begin().await?;
    let spent = sqlx::query(
        "UPDATE oauth_codes SET used_at = $1, grant_id = $2 \
         WHERE code_hash = $3 AND used_at IS NULL AND expires_at > $1",
    )
    .bind(grant.now)
    .bind(&grant.id)
    .bind(code_hash)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if spent != 1 {
        return Ok(false);
    }
    let (sql, args) = insert_grants(db.dialect, std::slice::from_ref(grant), false)?;
    sqlx::query_with(&sql, args).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(true)
}

/// Starts grants that no code precedes (client and account credentials):
/// all are written or none, in one trip to the database (see
/// `insert_grants`).
pub async fn create_grants(db: &Db, grants: &[NewGrant]) -> Result<(), sqlx::Error> {
    let (sql, args) = insert_grants(db.dialect, grants, true)?;
    match db.dialect {
        Dialect::Sqlite => {
            let mut conn = db.pool.acquire().await?;
            let done = sqlx::query_with(&sql, args).execute(&mut *conn).await;
            if done.is_err() && conn.execute("ROLLBACK").await.is_err() {
                // Not known to be out of the transaction: not for reuse.
                conn.close_on_drop();
            }
            done.map(|_| ())
        }
        // One statement is its own transaction.
        Dialect::Postgres => sqlx::query_with(&sql, args)
            .execute(&db.pool)
            .await
            .map(|_| ()),
    }
}

/// The grant a code's first use made (to revoke on a second use).
pub async fn grant_of_code(pool: &AnyPool, code_hash: &str) -> Result<Option<String>, sqlx::Error> {
    Ok(sqlx::query_scalar::<_, Option<String>>(
        "SELECT grant_id FROM oauth_codes WHERE code_hash = $1",
    )
    .bind(code_hash)
    .fetch_optional(pool)
    .await?
    .flatten())
}

/// Whether a grant came from a user's consent (the authorization-code
/// flow): only those carry refresh tokens; client and account credentials
/// grants never do.
pub async fn grant_from_consent(pool: &AnyPool, grant_id: &str) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM oauth_tokens WHERE grant_id = $1 AND kind = 'refresh'",
    )
    .bind(grant_id)
    .fetch_one(pool)
    .await?
        > 0)
}

/// Ends a grant: every token in it stops working.
pub async fn revoke_grant(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    grant_id: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE oauth_grants SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(now)
        .bind(grant_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A token with its grant.
#[derive(Debug, Clone, FromRow)]
pub struct TokenRow {
    #[sqlx(try_from = "String")]
    pub kind: TokenKind,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub grant_id: String,
    pub app_id: String,
    pub install_id: Option<String>,
    pub client_id: String,
    pub account_id: String,
    pub user_id: Option<String>,
    pub scopes: String,
    pub revoked_at: Option<i64>,
}

/// The token with this hash (of either kind), if it was ever issued and
/// its grant still exists.
pub async fn find_token(pool: &AnyPool, token_hash: &str) -> Result<Option<TokenRow>, sqlx::Error> {
    sqlx::query_as::<_, TokenRow>(
        "SELECT t.kind, t.created_at, t.expires_at, t.used_at, g.id AS grant_id, g.app_id, g.install_id, \
                g.client_id, g.account_id, g.user_id, g.scopes, g.revoked_at \
         FROM oauth_tokens t JOIN oauth_grants g ON g.id = t.grant_id WHERE t.token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(pool)
    .await
}

/// Spends a refresh token and adds the new pair to its grant, in one
/// transaction. `false` when another request spent it first.
pub async fn rotate_refresh(
    pool: &AnyPool,
    old_key: &str,
    grant_id: &str,
    now: i64,
    access: (&str, i64),
    refresh: (&str, i64),
) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let spent = sqlx::query(
        "UPDATE oauth_tokens SET used_at = $1 \
         WHERE token_hash = $2 AND kind = 'refresh' AND used_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(old_key)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if spent != 1 {
        return Ok(false);
    }
    insert_tokens(&mut tx, grant_id, now, access.0, access.1, Some(refresh)).await?;
    tx.commit().await?;
    Ok(true)
}
