-- The audit log: every change to an app's configuration and credentials
-- and every review decision, who made it and when. Append-only: the
-- database refuses to change or remove a row (triggers per dialect, see
-- server::db::install_audit_guard). No foreign keys, so the record
-- outlives a deleted app or user. `detail` names what changed, never a
-- secret's value.
CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,
    app_id      TEXT NOT NULL,
    account_id  TEXT NOT NULL,        -- the app's account
    actor_id    TEXT NOT NULL,
    actor_name  TEXT NOT NULL,        -- as it was then
    action      TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '',
    at          BIGINT NOT NULL,
    seq         BIGINT NOT NULL       -- 1, 2, … per app: the order within one millisecond
);
CREATE INDEX audit_log_by_app ON audit_log (app_id, seq DESC);
