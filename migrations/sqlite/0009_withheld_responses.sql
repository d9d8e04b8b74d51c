-- Redaction that holds (issue 22). Every instance keeps a set of window
-- fingerprints of a workspace's secrets and rebuilds it when the
-- workspace's secret generation moves; triggers move it on any change of
-- a secret's value, so no write path can forget to.
ALTER TABLE workspaces ADD COLUMN secrets_generation BIGINT NOT NULL DEFAULT 0;

CREATE TRIGGER secrets_generation_insert AFTER INSERT ON variables
WHEN NEW.kind = 'secret'
BEGIN
    UPDATE workspaces SET secrets_generation = secrets_generation + 1 WHERE id = NEW.workspace_id;
END;

CREATE TRIGGER secrets_generation_update AFTER UPDATE OF value_version ON variables
WHEN NEW.kind = 'secret' AND OLD.value_version <> NEW.value_version
BEGIN
    UPDATE workspaces SET secrets_generation = secrets_generation + 1 WHERE id = NEW.workspace_id;
END;

CREATE TRIGGER secrets_generation_delete AFTER DELETE ON variables
WHEN OLD.kind = 'secret'
BEGIN
    UPDATE workspaces SET secrets_generation = secrets_generation + 1 WHERE id = OLD.workspace_id;
END;

-- Answers withheld because they held part of a secret, per member or
-- token ("user:ID" / "token:ID"): three in 24 hours pause that caller's
-- runs until an owner or admin resumes them (which deletes its rows).
CREATE TABLE withheld_responses (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    workspace_id BIGINT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    caller       TEXT NOT NULL,
    at           BIGINT NOT NULL
);
CREATE INDEX withheld_responses_caller ON withheld_responses (workspace_id, caller, at);
