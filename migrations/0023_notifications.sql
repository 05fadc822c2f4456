-- What Portico told each person (a submission received, a review
-- decided, an invite): listed on their Notifications page, and sent by
-- email when SMTP is configured. `mail_state`: 'off' (no SMTP), 'pending'
-- (due at `mail_next_at`; a claim moves that forward), 'sent', 'failed'
-- (after the last retry). `sealed_secret`: text only the email may carry
-- (an invite link), sealed with the server key and wiped once settled.
CREATE TABLE notifications (
    id             TEXT PRIMARY KEY,
    user_id        TEXT REFERENCES users(id) ON DELETE CASCADE,
    email          TEXT NOT NULL,
    subject        TEXT NOT NULL,
    body           TEXT NOT NULL,
    link           TEXT NOT NULL DEFAULT '',
    created_at     BIGINT NOT NULL,
    read_at        BIGINT,
    mail_state     TEXT NOT NULL CHECK (mail_state IN ('off', 'pending', 'sent', 'failed')),
    mail_attempts  BIGINT NOT NULL DEFAULT 0,
    mail_next_at   BIGINT,
    mail_error     TEXT NOT NULL DEFAULT '',
    sealed_secret  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX notifications_by_user ON notifications (user_id, created_at);
CREATE INDEX notifications_mail_due ON notifications (mail_state, mail_next_at);
