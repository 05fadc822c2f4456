-- Team chat and chat bots.
-- Portable SQL: runs unchanged on SQLite and PostgreSQL (see src/server/db.rs).
-- Times are Unix milliseconds.

-- A chat bot app's command and endpoints (Features page). The endpoints
-- are saved only after they pass the URL validation challenge.
CREATE TABLE chat_bots (
    app_id            TEXT PRIMARY KEY REFERENCES apps(id) ON DELETE CASCADE,
    slash_command     TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    hint              TEXT NOT NULL DEFAULT '',
    welcome_message   TEXT NOT NULL DEFAULT '',
    development_url   TEXT NOT NULL DEFAULT '',
    production_url    TEXT NOT NULL DEFAULT '',
    validated_at      BIGINT NOT NULL DEFAULT 0,
    updated_at        BIGINT NOT NULL
);

-- A conversation: a named channel, a direct conversation between two
-- members, or a bot's conversation with one member. `name_key` makes each
-- unique in its account: the lowercased name, the two user ids, or the
-- app and the user.
CREATE TABLE chat_channels (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('channel', 'direct', 'bot')),
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL,
    bot_app_id  TEXT REFERENCES apps(id) ON DELETE CASCADE,
    created_by  TEXT REFERENCES users(id) ON DELETE SET NULL,
    created_at  BIGINT NOT NULL,
    -- The last message's number; each message takes the next one.
    last_seq    BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX chat_channels_by_key ON chat_channels (account_id, kind, name_key);

CREATE TABLE chat_members (
    channel_id  TEXT NOT NULL REFERENCES chat_channels(id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    joined_at   BIGINT NOT NULL,
    -- Messages up to this number were seen.
    read_seq    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (channel_id, user_id)
);
CREATE INDEX chat_members_by_user ON chat_members (user_id);

-- A message by a member (`user_id`) or a bot (`app_id`). A command's
-- message keeps the event that carried it to the bot and how that went
-- (`bot_state`: sent, answered, no_answer).
CREATE TABLE chat_messages (
    id          TEXT PRIMARY KEY,
    channel_id  TEXT NOT NULL REFERENCES chat_channels(id) ON DELETE CASCADE,
    account_id  TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    seq         BIGINT NOT NULL,
    user_id     TEXT REFERENCES users(id) ON DELETE SET NULL,
    app_id      TEXT REFERENCES apps(id) ON DELETE CASCADE,
    text        TEXT NOT NULL DEFAULT '',
    content     TEXT NOT NULL DEFAULT '',
    event_id    TEXT,
    bot_state   TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    edited_at   BIGINT,
    UNIQUE (channel_id, seq)
);
CREATE INDEX chat_messages_by_event ON chat_messages (event_id);
