-- Webhooks: each app's Secret Token (encrypted at rest with the server
-- key; the previous one kept through a rotation's grace period), its
-- deauthorization endpoint, and its event subscriptions.
CREATE TABLE app_webhooks (
    app_id                 TEXT PRIMARY KEY REFERENCES apps(id) ON DELETE CASCADE,
    secret_token_enc       TEXT NOT NULL,
    old_secret_token_enc   TEXT,
    old_secret_expires_at  BIGINT,
    deauthorization_url    TEXT NOT NULL DEFAULT ''
);

-- A subscription: where (per environment) and which event types. Saved
-- only after its endpoints answered the url_validation challenge.
CREATE TABLE event_subscriptions (
    id               TEXT PRIMARY KEY,
    app_id           TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    development_url  TEXT NOT NULL DEFAULT '',
    production_url   TEXT NOT NULL DEFAULT '',
    events           TEXT NOT NULL,      -- space-separated event types
    validated_at     BIGINT NOT NULL,    -- last successful challenge
    disabled_at      BIGINT,             -- set when an endpoint answers 410
    created_at       BIGINT NOT NULL
);
CREATE INDEX event_subscriptions_by_app ON event_subscriptions (app_id);
