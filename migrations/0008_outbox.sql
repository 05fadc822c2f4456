-- The webhook outbox. A change that others must hear about writes its
-- event rows here in the same transaction; the worker delivers them.
-- One row per event and endpoint; its id is the tracking id receivers see
-- (x-zm-trackingid, webhook-id), the same on every retry.
CREATE TABLE webhook_events (
    id               TEXT PRIMARY KEY,
    app_id           TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    subscription_id  TEXT,                -- NULL: the deauthorization endpoint
    event_type       TEXT NOT NULL,
    url              TEXT NOT NULL,
    body             TEXT NOT NULL,       -- compact JSON, exactly as sent
    status           TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT NOT NULL,
    lease_owner      TEXT,
    lease_until      BIGINT,
    last_status      BIGINT,              -- HTTP status of the latest attempt
    created_at       BIGINT NOT NULL
);
CREATE INDEX webhook_events_due ON webhook_events (status, next_attempt_at);
CREATE INDEX webhook_events_by_app ON webhook_events (app_id, created_at);

-- Every attempt. (event_id, attempt) is unique: an attempt number is
-- handed out once, when a worker claims the event.
CREATE TABLE webhook_attempts (
    event_id          TEXT NOT NULL REFERENCES webhook_events(id) ON DELETE CASCADE,
    attempt           BIGINT NOT NULL,
    started_at        BIGINT NOT NULL,
    status_code       BIGINT,
    latency_ms        BIGINT NOT NULL,
    error             TEXT,
    response_excerpt  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (event_id, attempt)
);
