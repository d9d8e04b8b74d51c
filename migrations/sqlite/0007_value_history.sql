-- Secret lifecycle (issue 15): every value change keeps the previous value
-- as a version (sealed as it was: its associated data names the version),
-- an optional expiry date, and the outcome of the runs that used a secret.

-- When the current value was set and by whom (a label: an email, a token's
-- name, "command line"), copied into the history when it is replaced.
ALTER TABLE variables ADD COLUMN value_set_at BIGINT;
ALTER TABLE variables ADD COLUMN value_set_by TEXT;
UPDATE variables SET value_set_at = updated_at,
    value_set_by = (SELECT email FROM users WHERE users.id = variables.updated_by);
-- 'YYYY-MM-DD' (UTC); a secret may be used after it, but says so.
ALTER TABLE variables ADD COLUMN expires_on TEXT;
CREATE INDEX variables_expiry ON variables (workspace_id, expires_on) WHERE expires_on IS NOT NULL;

CREATE TABLE variable_versions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    variable_id   BIGINT NOT NULL REFERENCES variables (id) ON DELETE CASCADE,
    workspace_id  BIGINT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    value_version BIGINT NOT NULL,
    plain_value   TEXT,
    ciphertext    BLOB,
    key_version   BIGINT,
    set_at        BIGINT NOT NULL,
    set_by        TEXT,
    UNIQUE (variable_id, value_version),
    CHECK ((plain_value IS NULL AND ciphertext IS NOT NULL AND key_version IS NOT NULL)
        OR (plain_value IS NOT NULL AND ciphertext IS NULL AND key_version IS NULL))
);
CREATE INDEX variable_versions_key_version ON variable_versions (workspace_id, key_version);

-- The last runs that sent a secret: status NULL when no answer came.
CREATE TABLE secret_runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    variable_id BIGINT NOT NULL REFERENCES variables (id) ON DELETE CASCADE,
    block_id    BIGINT REFERENCES api_blocks (id) ON DELETE SET NULL,
    block_name  TEXT NOT NULL,
    status      BIGINT,
    at          BIGINT NOT NULL
);
CREATE INDEX secret_runs_by_secret ON secret_runs (variable_id, id);
