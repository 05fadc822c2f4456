-- The worker claims due events oldest first: ORDER BY next_attempt_at, id.
-- With id in the index the database walks it in that order and stops at
-- the batch size, instead of sorting every due event on each claim (which
-- made draining a backlog of thousands slow on PostgreSQL).
DROP INDEX webhook_events_due;
CREATE INDEX webhook_events_due ON webhook_events (status, next_attempt_at, id);
