-- Accounts, workspaces, memberships, sessions, sign-in throttling, audit.
-- Times are integer milliseconds since the Unix epoch. Emails are stored
-- lower-cased (normalised in Rust), so plain UNIQUE is case-insensitive.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);

CREATE TABLE workspaces (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    slug       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL
);

CREATE TABLE memberships (
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role         TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'editor')),
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

-- Sessions of tower-sessions, keyed by a SHA-256 of the cookie's id so the
-- table alone cannot be replayed. user_id lets one DELETE end every session
-- of a user, on every instance at once.
CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY NOT NULL,
    user_id    BIGINT REFERENCES users (id) ON DELETE CASCADE,
    data       TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- Failed sign-ins per account ("acct:EMAIL") and per address ("addr:IP").
CREATE TABLE login_throttle (
    key             TEXT PRIMARY KEY NOT NULL,
    failures        BIGINT NOT NULL,
    last_failure_at BIGINT NOT NULL
);

CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id BIGINT REFERENCES workspaces (id) ON DELETE CASCADE,
    at           BIGINT NOT NULL,
    actor_id     BIGINT,
    actor_email  TEXT,
    action       TEXT NOT NULL,
    target_kind  TEXT,
    target_id    BIGINT,
    target_name  TEXT,
    client_addr  TEXT,
    detail       TEXT
);
CREATE INDEX audit_log_workspace ON audit_log (workspace_id, id);
