-- The Marketplace and app versions.
--
-- An approved submission becomes the app's live version: what the
-- Marketplace shows (`marketplace_listings`, copied from the submission's
-- frozen snapshot) and what its production credentials do (`live_*` on
-- the app: the reviewed scopes and production redirect URL). Edits after
-- approval change only the working copy until the next approval.
ALTER TABLE apps ADD COLUMN live_version BIGINT;            -- NULL: never approved
ALTER TABLE apps ADD COLUMN live_scopes TEXT NOT NULL DEFAULT '';
ALTER TABLE apps ADD COLUMN live_redirect_url TEXT NOT NULL DEFAULT '';
ALTER TABLE apps ADD COLUMN live_allow_list TEXT NOT NULL DEFAULT '';
ALTER TABLE apps ADD COLUMN live_strict_mode BIGINT NOT NULL DEFAULT 1;
-- How users add the app (the developer's Install page): from the
-- Marketplace (Portico starts OAuth) or through the developer's own
-- landing page (the listing links to `landing_url`).
ALTER TABLE apps ADD COLUMN install_option TEXT NOT NULL DEFAULT 'marketplace'
    CHECK (install_option IN ('marketplace', 'landing_page'));
ALTER TABLE apps ADD COLUMN landing_url TEXT NOT NULL DEFAULT '';

-- One row per live Marketplace app. Full-text search over name and
-- descriptions is per dialect (server::db::install_search): an FTS5 table
-- kept by triggers on SQLite, a generated tsvector with a GIN index on
-- PostgreSQL.
CREATE TABLE marketplace_listings (
    app_id             TEXT PRIMARY KEY REFERENCES apps(id) ON DELETE CASCADE,
    submission_id      TEXT NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
    version            BIGINT NOT NULL,
    name               TEXT NOT NULL,
    name_key           TEXT NOT NULL,               -- lowercased, for sorting by name
    kind               TEXT NOT NULL,
    short_description  TEXT NOT NULL,
    long_description   TEXT NOT NULL,
    categories         TEXT NOT NULL,               -- space-separated slugs
    privacy_url        TEXT NOT NULL,
    support_url        TEXT NOT NULL,
    scopes             TEXT NOT NULL,
    install_option     TEXT NOT NULL,
    landing_url        TEXT NOT NULL,
    release_notes      TEXT NOT NULL DEFAULT '',
    media              TEXT NOT NULL DEFAULT '',    -- the approved media ids, in order, space-separated
    published_at       BIGINT NOT NULL,             -- first approval
    updated_at         BIGINT NOT NULL,             -- this version's approval
    installs           BIGINT NOT NULL DEFAULT 0    -- production installs, recounted on each install and uninstall
);
CREATE INDEX marketplace_newest ON marketplace_listings (published_at DESC, app_id);
CREATE INDEX marketplace_most_installed ON marketplace_listings (installs DESC, app_id);
CREATE INDEX marketplace_by_name ON marketplace_listings (name_key, app_id);

-- Browsing by category without scanning: one row per listing and category.
CREATE TABLE marketplace_categories (
    category  TEXT NOT NULL,
    app_id    TEXT NOT NULL REFERENCES marketplace_listings(app_id) ON DELETE CASCADE,
    PRIMARY KEY (category, app_id)
);

CREATE INDEX installs_by_app ON installs (app_id, environment);
