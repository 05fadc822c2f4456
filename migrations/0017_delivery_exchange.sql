-- The delivery log shows each attempt's whole exchange: the request headers
-- as sent (the signature and timestamp differ per attempt; the body is the
-- event's own, the same every time) and the response headers beside the
-- start of the answer's body. Test events (Send test event) are marked.
ALTER TABLE webhook_attempts ADD COLUMN request_headers TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_attempts ADD COLUMN response_headers TEXT NOT NULL DEFAULT '';
ALTER TABLE webhook_events ADD COLUMN is_test BIGINT NOT NULL DEFAULT 0;
