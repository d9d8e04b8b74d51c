-- Natural order of names (issue 26): TOKEN_2 before TOKEN_10. The key is
-- a function of the name (model::natural_sort_key), which SQL cannot
-- write on both databases: rows made before this migration get theirs
-- from the app right after it (Db::migrate), and every insert writes one.
ALTER TABLE variables ADD COLUMN sort_key TEXT NOT NULL DEFAULT '';
CREATE INDEX variables_natural_order ON variables (workspace_id, sort_key, name_key);
