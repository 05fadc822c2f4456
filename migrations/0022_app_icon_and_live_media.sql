-- The app icon (PNG or JPEG, exactly 160x160, one per app) joins the
-- listing media, and media the live Marketplace version shows outlive a
-- draft's changes.
--
-- `detached` = 1: the draft no longer holds the item (deleted, or the icon
-- replaced), but the live listing still shows it, so it stays and is served
-- until the next approved version stops showing it (then it is deleted).
-- The CHECK on `kind` cannot be altered in SQLite, so the table is rebuilt;
-- nothing references it.
CREATE TABLE app_media_v2 (
    id            TEXT PRIMARY KEY,
    app_id        TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('image', 'video', 'icon')),
    content_type  TEXT NOT NULL,
    position      BIGINT NOT NULL,
    byte_size     BIGINT NOT NULL,
    width         BIGINT NOT NULL,
    height        BIGINT NOT NULL,
    etag          TEXT NOT NULL,
    bytes         BYTEA NOT NULL,
    created_at    BIGINT NOT NULL,
    detached      BIGINT NOT NULL DEFAULT 0 CHECK (detached IN (0, 1))
);
INSERT INTO app_media_v2 (id, app_id, kind, content_type, position, byte_size, width, height, etag, bytes, created_at, detached)
    SELECT id, app_id, kind, content_type, position, byte_size, width, height, etag, bytes, created_at, 0 FROM app_media;
DROP TABLE app_media;
ALTER TABLE app_media_v2 RENAME TO app_media;
CREATE INDEX app_media_by_app ON app_media (app_id, kind, position);
-- One icon in a draft; a detached one may sit beside it.
CREATE UNIQUE INDEX app_media_one_icon ON app_media (app_id) WHERE kind = 'icon' AND detached = 0;

-- The live listing's icon (a media id, or '' for versions approved
-- before icons existed).
ALTER TABLE marketplace_listings ADD COLUMN icon TEXT NOT NULL DEFAULT '';
