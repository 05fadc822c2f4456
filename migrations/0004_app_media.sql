-- Listing media: preview images (PNG, JPEG, GIF; exactly 1200x780) and at
-- most one MP4 video per app, stored in the database with their original
-- bytes. `BYTEA` is PostgreSQL's binary type; SQLite stores the same values
-- as BLOBs under that name. `etag` is the hex SHA-256 of the bytes.
CREATE TABLE app_media (
    id            TEXT PRIMARY KEY,
    app_id        TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL CHECK (kind IN ('image', 'video')),
    content_type  TEXT NOT NULL,
    position      BIGINT NOT NULL,
    byte_size     BIGINT NOT NULL,
    width         BIGINT NOT NULL,
    height        BIGINT NOT NULL,
    etag          TEXT NOT NULL,
    bytes         BYTEA NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX app_media_by_app ON app_media (app_id, kind, position);
