-- A listing's place in publication order (1, 2, … in the order apps were
-- first approved; it stays when a new version is approved). Search ranks
-- "newest first" among equally good matches by it, and on SQLite it is
-- the rowid of the listing in the full-text tables (server::db::
-- install_search), which is what lets a search read only as many matches
-- as a page shows, however many apps there are.
ALTER TABLE marketplace_listings ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
UPDATE marketplace_listings SET seq = numbered.n
  FROM (SELECT app_id, ROW_NUMBER() OVER (ORDER BY published_at, app_id) AS n
        FROM marketplace_listings) AS numbered
 WHERE numbered.app_id = marketplace_listings.app_id;
CREATE UNIQUE INDEX marketplace_by_seq ON marketplace_listings (seq);
