-- Accounts, users, memberships, sessions and invites.
-- Portable SQL: runs unchanged on SQLite and PostgreSQL (see src/server/db.rs).
-- Times are Unix milliseconds; flags are 0/1.

CREATE TABLE accounts (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE users (
    id                  TEXT PRIMARY KEY,
    email               TEXT NOT NULL UNIQUE,      -- stored lower-cased
    display_name        TEXT NOT NULL,
    password_hash       TEXT NOT NULL,             -- argon2id PHC string
    is_reviewer         BIGINT NOT NULL DEFAULT 0, -- platform staff
    current_account_id  TEXT NOT NULL REFERENCES accounts(id),
    failed_signins      BIGINT NOT NULL DEFAULT 0, -- consecutive, reset on success
    locked_until        BIGINT NOT NULL DEFAULT 0, -- sign-in refused before this time
    created_at          BIGINT NOT NULL
);

CREATE TABLE memberships (
    account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (account_id, user_id)
);
CREATE INDEX memberships_by_user ON memberships (user_id);

-- The cookie holds a 256-bit token; only its SHA-256 is kept here.
CREATE TABLE sessions (
    id_hash     TEXT PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

CREATE TABLE invites (
    id          TEXT PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'member')),
    created_by  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    accepted_by TEXT REFERENCES users(id) ON DELETE SET NULL,
    accepted_at BIGINT,
    revoked_at  BIGINT
);
CREATE INDEX invites_by_account ON invites (account_id);
