-- A plain form post (no JavaScript) that the server refuses is sent back to
-- its page with the error in the address (`__err`). What the person typed
-- waits here for that page to show it again (`__form=<id>` in the same
-- address), so that a refused form comes back as it was sent, not empty.
-- Read once, only by the session that posted (its token's hash; '' when
-- signed out), gone after ten minutes; never a password, secret or token
-- (server/returned_form.rs).
CREATE TABLE returned_forms (
    id            TEXT PRIMARY KEY,
    session_hash  TEXT NOT NULL,
    form_path     TEXT NOT NULL,   -- the server function's path, /api/…
    fields        TEXT NOT NULL,   -- JSON: [[name, value], …] as posted
    expires_at    BIGINT NOT NULL
);
CREATE INDEX returned_forms_by_expiry ON returned_forms (expires_at);
