-- Apps made by the Build App wizard. Listing fields, media and credentials
-- come in later migrations.

CREATE TABLE apps (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_by   TEXT NOT NULL REFERENCES users(id),
    marketplace  BIGINT NOT NULL,                 -- 1: published on the Marketplace; 0: private
    kind         TEXT NOT NULL CHECK (kind IN ('account_level', 'user_managed', 'chat_bot', 'webhook_only')),
    name         TEXT NOT NULL,
    name_key     TEXT NOT NULL UNIQUE,            -- trimmed, lower-cased: names are unique across all apps
    status       TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'in_review', 'published', 'rejected')),
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX apps_by_account ON apps (account_id, updated_at);
