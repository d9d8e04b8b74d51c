-- Expiry reminders (issue 15): a workspace's notification webhook (its URL
-- is a credential: sealed with the workspace's data key, only its host in
-- the clear), and each reminder claimed once, across instances, by a
-- unique (secret, expiry day, threshold) row before it is sent.

CREATE TABLE notification_webhooks (
    workspace_id BIGINT PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
    host         TEXT NOT NULL,
    ciphertext   BLOB NOT NULL,
    key_version  BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    updated_by   TEXT
);

CREATE TABLE expiry_reminders (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id    BIGINT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    variable_id     BIGINT NOT NULL REFERENCES variables (id) ON DELETE CASCADE,
    secret_name     TEXT NOT NULL,
    expires_on      TEXT NOT NULL,
    -- Days before the expiry day: 14, 3 or 0.
    threshold       BIGINT NOT NULL,
    claimed_at      BIGINT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    sent_at         BIGINT,
    -- Why the last attempt failed, in words without the URL.
    last_error      TEXT,
    UNIQUE (variable_id, expires_on, threshold)
);
CREATE INDEX expiry_reminders_due ON expiry_reminders (sent_at, next_attempt_at);
CREATE INDEX expiry_reminders_workspace ON expiry_reminders (workspace_id, id);
