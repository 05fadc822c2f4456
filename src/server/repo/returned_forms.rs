//! The fields of refused plain form posts, waiting for their page
//! (`server::returned_form`).

use sqlx::AnyPool;

/// A refused post's fields to keep.
pub struct NewReturnedForm<'a> {
    pub id: &'a str,
    pub session_hash: &'a str,
    pub form_path: &'a str,
    /// JSON `[[name, value], …]`.
    pub fields: &'a str,
    pub expires_at: i64,
}

/// Drops the expired rows, then stores `form` unless `max_rows` are
/// waiting already; true when it was stored.
pub async fn store(
    pool: &AnyPool,
    form: NewReturnedForm<'_>,
    now: i64,
    max_rows: i64,
) -> Result<bool, sqlx::Error> {
    sqlx::query("DELETE FROM returned_forms WHERE expires_at < $1")
        .bind(now)
        .execute(pool)
        .await?;
    let stored = sqlx::query(
        "INSERT INTO returned_forms (id, session_hash, form_path, fields, expires_at) \
         SELECT $1, $2, $3, $4, $5 \
         WHERE (SELECT COUNT(*) FROM returned_forms) < $6",
    )
    .bind(form.id)
    .bind(form.session_hash)
    .bind(form.form_path)
    .bind(form.fields)
    .bind(form.expires_at)
    .bind(max_rows)
    .execute(pool)
    .await?;
    Ok(stored.rows_affected() == 1)
}

/// Takes (reads and deletes) row `id` when it belongs to the session
/// hashing to `session_hash` and has not expired: its form path and
/// fields.
pub async fn take(
    pool: &AnyPool,
    id: &str,
    session_hash: &str,
    now: i64,
) -> Result<Option<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "DELETE FROM returned_forms WHERE id = $1 AND session_hash = $2 AND expires_at >= $3 \
         RETURNING form_path, fields",
    )
    .bind(id)
    .bind(session_hash)
    .bind(now)
    .fetch_optional(pool)
    .await
}
