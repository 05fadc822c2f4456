//! All SQL lives here, one module per area. `*Row` types mirror tables and
//! never leave this module tree; callers get plain values back.

pub mod accounts;
pub mod apps;
pub mod audit;
pub mod chat;
pub mod collaborators;
pub mod credentials;
pub mod invites;
pub mod marketplace;
pub mod media;
pub mod meetings;
pub mod notifications;
pub mod oauth;
pub mod outbox;
pub mod rate_limits;
pub mod returned_forms;
pub mod seed;
pub mod sessions;
pub mod submissions;
pub mod tokens;
pub mod users;
pub mod webhooks;

/// True when `err` is a unique-constraint violation (a lost race for a
/// unique value, such as an email address).
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// The rows of a multi-row `VALUES` list: `count` rows of `width`
/// parameters each, numbered from `$first`; `row(p)` writes the row whose
/// first parameter is `$p`. One statement for many rows: on PostgreSQL
/// every statement is a round trip, on SQLite a trip to its thread.
pub fn values_rows(
    count: usize,
    width: usize,
    first: usize,
    row: impl Fn(usize) -> String,
) -> String {
    (0..count)
        .map(|i| row(first + i * width))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `($p, $p+1, …)`: a row of `width` plain parameters.
pub fn plain_row(p: usize, width: usize) -> String {
    let params: Vec<String> = (p..p + width).map(|n| format!("${n}")).collect();
    format!("({})", params.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_rows_number_parameters_across_rows() {
        assert_eq!(
            values_rows(2, 3, 2, |p| plain_row(p, 3)),
            "($2, $3, $4), ($5, $6, $7)"
        );
        assert_eq!(values_rows(0, 3, 1, |p| plain_row(p, 3)), "");
    }
}
