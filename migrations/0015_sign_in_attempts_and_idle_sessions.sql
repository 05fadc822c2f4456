-- Sign-in backoff gets its own table, and sessions an idle deadline.
--
-- Every sign-in attempt for a known user is counted here before its
-- password is hashed, by one statement that also refuses the attempt while
-- the account is locked (see repo/users.rs `admit_sign_in`), so parallel
-- guesses cannot all be checked. The table is not one whose changes make
-- every process forget its caches (db.rs NOTICED_TABLES), so counting
-- attempts costs no cache: that is why it is not columns of `users`.
CREATE TABLE sign_in_attempts (
    user_id       TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    failures      BIGINT NOT NULL,  -- consecutive attempts not (yet) successful
    locked_until  BIGINT NOT NULL   -- attempts refused before this time (ms)
);
INSERT INTO sign_in_attempts (user_id, failures, locked_until)
    SELECT id, failed_signins, locked_until FROM users
    WHERE failed_signins > 0 OR locked_until > 0;
ALTER TABLE users DROP COLUMN failed_signins;
ALTER TABLE users DROP COLUMN locked_until;

-- A session also ends when unused until `idle_until` (pushed forward as it
-- is used, at most once a minute). Sessions from before this migration get
-- the default idle window (12 hours) from their start.
ALTER TABLE sessions ADD COLUMN idle_until BIGINT NOT NULL DEFAULT 0;
UPDATE sessions SET idle_until = created_at + 43200000;
CREATE INDEX sessions_by_idle ON sessions (idle_until);
