-- Collaborators: account members a manager (the app's creator, or an owner
-- or admin of its account) added to an app. They may edit the app but not
-- delete it, rotate its production secrets, submit it or share it further
-- (src/domain/app_access.rs). Only rows whose user is still a member of
-- the app's account count (the queries join memberships), so removing a
-- member ends their collaborations without touching this table.

CREATE TABLE app_collaborators (
    app_id      TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    added_by    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    added_at    BIGINT NOT NULL,
    PRIMARY KEY (app_id, user_id)
);
CREATE INDEX app_collaborators_by_user ON app_collaborators (user_id);
