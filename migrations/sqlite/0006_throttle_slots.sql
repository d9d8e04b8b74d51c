-- Sign-in throttling reserves each attempt's turn in one statement
-- (next_allowed_at, ms since the epoch), so parallel guesses wait one after
-- another instead of all at once. Keys are now stored as SHA-256 hashes:
-- the plain keys (emails and addresses as typed) are dropped.
DELETE FROM login_throttle;
ALTER TABLE login_throttle ADD COLUMN next_allowed_at BIGINT NOT NULL DEFAULT 0;
