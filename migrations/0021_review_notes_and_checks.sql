-- A reviewer's notes on single fields of a submission (JSON object:
-- field key → note, keys from domain::review::NOTE_FIELDS), beside the
-- general decision note.
ALTER TABLE submissions ADD COLUMN field_notes TEXT NOT NULL DEFAULT '{}';
-- The automated pre-review checks run when it was submitted (JSON list of
-- domain::review::PreReviewCheck).
ALTER TABLE submissions ADD COLUMN checks TEXT NOT NULL DEFAULT '[]';
