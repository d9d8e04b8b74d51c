-- Data keys (one per workspace and version, wrapped by the master key) and
-- the variables and secrets of each workspace.

CREATE TABLE data_keys (
    workspace_id  BIGINT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    version       BIGINT NOT NULL,
    wrapped       BLOB NOT NULL,
    -- Which master key wraps it: checked at start before anything is written.
    master_key_id TEXT NOT NULL,
    seal_count    BIGINT NOT NULL DEFAULT 0,
    created_at    BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, version)
);

CREATE TABLE variables (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id  BIGINT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name          TEXT NOT NULL,
    -- The name lower-cased in Rust: names clash, and are referenced,
    -- case-insensitively.
    name_key      TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('plain', 'secret')),
    visibility    TEXT CHECK (visibility IN ('masked', 'restricted')),
    plain_value   TEXT,
    ciphertext    BLOB,
    -- The data key version that sealed ciphertext.
    key_version   BIGINT,
    value_version BIGINT NOT NULL,
    description   TEXT NOT NULL,
    -- Host patterns, one per line.
    allowed_hosts TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    created_by    BIGINT REFERENCES users (id) ON DELETE SET NULL,
    updated_at    BIGINT NOT NULL,
    updated_by    BIGINT REFERENCES users (id) ON DELETE SET NULL,
    last_used_at  BIGINT,
    UNIQUE (workspace_id, name_key),
    CHECK (
        (kind = 'plain' AND visibility IS NULL AND plain_value IS NOT NULL
            AND ciphertext IS NULL AND key_version IS NULL)
        OR (kind = 'secret' AND visibility IS NOT NULL AND plain_value IS NULL
            AND ciphertext IS NOT NULL AND key_version IS NOT NULL)
    )
);
CREATE INDEX variables_key_version ON variables (workspace_id, key_version);
