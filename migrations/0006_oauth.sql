-- The OAuth authorization server, installs and the platform API's data.
-- Portable SQL (SQLite and PostgreSQL); times are Unix milliseconds.
-- Every token and code is 256 random bits stored only as its SHA-256.

-- Per app: redirect URLs, allow list, strict mode, scopes and the
-- Publishable URL. `publish_fingerprint` is a hash of what the link was
-- made from (name, redirect URLs, allow list); when those change the link
-- is stale.
CREATE TABLE app_oauth (
    app_id                    TEXT PRIMARY KEY REFERENCES apps(id) ON DELETE CASCADE,
    development_redirect_url  TEXT NOT NULL DEFAULT '',
    production_redirect_url   TEXT NOT NULL DEFAULT '',
    allow_list                TEXT NOT NULL DEFAULT '',  -- one URL per line
    strict_mode               BIGINT NOT NULL DEFAULT 1,
    scopes                    TEXT NOT NULL DEFAULT '',  -- space-separated, as on the wire
    publish_token             TEXT UNIQUE,
    publish_fingerprint       TEXT
);

-- An app installed for one user (user-managed apps) or for a whole
-- account (account-level apps and bots: user_id is NULL). One install per
-- app, environment and owner (`owner_key`); installing again updates it.
CREATE TABLE installs (
    id            TEXT PRIMARY KEY,
    app_id        TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    environment   TEXT NOT NULL CHECK (environment IN ('development', 'production')),
    account_id    TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    user_id       TEXT REFERENCES users(id) ON DELETE CASCADE,
    installed_by  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    scopes        TEXT NOT NULL,
    owner_key     TEXT NOT NULL UNIQUE,
    created_at    BIGINT NOT NULL
);
CREATE INDEX installs_by_account ON installs (account_id);

-- A grant: the family of tokens one authorization (or one client/account
-- credentials request) issued. Revoking it ends every token in it.
CREATE TABLE oauth_grants (
    id           TEXT PRIMARY KEY,
    app_id       TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    install_id   TEXT REFERENCES installs(id) ON DELETE CASCADE,
    client_id    TEXT NOT NULL,
    account_id   TEXT NOT NULL,
    user_id      TEXT,            -- the user the token acts as; NULL for bots
    scopes       TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    revoked_at   BIGINT
);
CREATE INDEX oauth_grants_by_install ON oauth_grants (install_id);

-- Authorization codes: five minutes, once. The first use records the
-- grant it made, so that a second use can revoke it.
CREATE TABLE oauth_codes (
    code_hash       TEXT PRIMARY KEY,
    install_id      TEXT NOT NULL REFERENCES installs(id) ON DELETE CASCADE,
    client_id       TEXT NOT NULL,
    redirect_uri    TEXT NOT NULL,
    code_challenge  TEXT,
    user_id         TEXT NOT NULL,
    expires_at      BIGINT NOT NULL,
    used_at         BIGINT,
    grant_id        TEXT
);

-- Access and refresh tokens. A refresh token is used once (used_at);
-- presenting it again revokes its grant.
CREATE TABLE oauth_tokens (
    token_hash   TEXT PRIMARY KEY,
    grant_id     TEXT NOT NULL REFERENCES oauth_grants(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    used_at      BIGINT
);
CREATE INDEX oauth_tokens_by_grant ON oauth_tokens (grant_id);

-- Meetings, the platform API's main resource. Ids are numbers, as Zoom's.
CREATE TABLE meetings (
    id           BIGINT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    host_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    topic        TEXT NOT NULL,
    start_time   TEXT NOT NULL,   -- RFC 3339, UTC (yyyy-MM-ddTHH:mm:ssZ)
    duration     BIGINT NOT NULL, -- minutes
    agenda       TEXT NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX meetings_by_host ON meetings (host_id, start_time);
CREATE INDEX meetings_by_account ON meetings (account_id, start_time);

-- API rate limits: one fixed window per key, shared by every process on
-- the database.
CREATE TABLE rate_limits (
    bucket        TEXT PRIMARY KEY,
    window_start  BIGINT NOT NULL,
    hits          BIGINT NOT NULL
);
