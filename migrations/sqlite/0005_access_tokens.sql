-- Workspace access tokens (SPEC §10) and who acted in the audit log: a
-- member (actor_id is a user) or a token (actor_id is the token, and
-- actor_email holds its name). A token is stored only as a hash.

CREATE TABLE access_tokens (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id     BIGINT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    -- The first characters, shown in the list so a token can be recognised.
    prefix           TEXT NOT NULL,
    -- SHA-256 of the whole token, hex: tokens are 256 random bits, so a
    -- fast hash is enough and a lookup by it is the check.
    hash             TEXT NOT NULL UNIQUE,
    -- Space-separated scope codes ("variables:read secrets:write").
    scopes           TEXT NOT NULL,
    expires_at       BIGINT,
    -- CIDR list, one per line; empty means any network.
    allowed_networks TEXT NOT NULL DEFAULT '',
    created_by       BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at       BIGINT NOT NULL,
    last_used_at     BIGINT,
    revoked_at       BIGINT,
    UNIQUE (workspace_id, name)
);

ALTER TABLE audit_log ADD COLUMN actor_kind TEXT NOT NULL DEFAULT 'user'
    CHECK (actor_kind IN ('user', 'token'));
