-- Submissions for review: one row per time a Marketplace app was
-- submitted, with the listing and configuration as they were then
-- (`snapshot`, JSON of domain::review::Snapshot), frozen. At most one is
-- in review per app at a time.
CREATE TABLE submissions (
    id                TEXT PRIMARY KEY,
    app_id            TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    version           BIGINT NOT NULL,              -- 1, 2, … per app
    snapshot          TEXT NOT NULL,
    notes             TEXT NOT NULL DEFAULT '',
    test_plan         TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL CHECK (status IN ('in_review', 'withdrawn', 'approved', 'rejected')),
    previous_status   TEXT NOT NULL,                -- the app's status before; a withdrawal restores it
    submitted_by      TEXT NOT NULL REFERENCES users(id),
    submitted_at      BIGINT NOT NULL,
    claimed_by        TEXT REFERENCES users(id),
    claim_expires_at  BIGINT,
    decided_by        TEXT REFERENCES users(id),
    decided_at        BIGINT,
    decision_note     TEXT NOT NULL DEFAULT '',
    UNIQUE (app_id, version)
);
CREATE UNIQUE INDEX submissions_one_in_review ON submissions (app_id) WHERE status = 'in_review';
CREATE INDEX submissions_queue ON submissions (status, submitted_at);
