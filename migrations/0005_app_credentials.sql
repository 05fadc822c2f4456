-- OAuth client credentials, one set per app and environment. Secrets are
-- 256 random bits, shown once and stored only as their SHA-256 (hex).
-- After a rotation the previous secret stays valid until
-- old_secret_expires_at (the grace period), unless revoked earlier.
CREATE TABLE app_credentials (
    app_id                 TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    environment            TEXT NOT NULL CHECK (environment IN ('development', 'production')),
    client_id              TEXT NOT NULL UNIQUE,
    secret_hash            TEXT NOT NULL,
    secret_created_at      BIGINT NOT NULL,
    old_secret_hash        TEXT,
    old_secret_expires_at  BIGINT,
    PRIMARY KEY (app_id, environment)
);
