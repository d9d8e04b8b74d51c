-- Workflows, their API blocks, and what each block refers to (the usage
-- index: "Used in N blocks", the delete dialog's list, missing references).

CREATE TABLE workflows (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX workflows_workspace ON workflows (workspace_id, name);

CREATE TABLE api_blocks (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    workflow_id  BIGINT NOT NULL REFERENCES workflows (id) ON DELETE CASCADE,
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    position     BIGINT NOT NULL,
    name         TEXT NOT NULL,
    method       TEXT NOT NULL CHECK (method IN ('GET', 'POST', 'PUT', 'PATCH', 'DELETE')),
    url          TEXT NOT NULL,
    -- JSON arrays of {"name": ..., "value": ...}; values are templates.
    query_params TEXT NOT NULL,
    headers      TEXT NOT NULL,
    body         TEXT NOT NULL,
    updated_at   BIGINT NOT NULL,
    updated_by   BIGINT REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX api_blocks_workflow ON api_blocks (workflow_id, position);

-- References by lower-cased name, so a deleted and re-created variable is
-- found again, and a deleted one shows as missing.
CREATE TABLE block_refs (
    block_id     BIGINT NOT NULL REFERENCES api_blocks (id) ON DELETE CASCADE,
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('secret', 'var')),
    name_key     TEXT NOT NULL,
    name         TEXT NOT NULL,
    PRIMARY KEY (block_id, kind, name_key)
);
CREATE INDEX block_refs_target ON block_refs (workspace_id, kind, name_key);
