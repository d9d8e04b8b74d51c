-- Issue 27: an AI agent (an `agent:use` token over MCP) may put a secret
-- only in a header value, unless an owner or admin allowed this secret in
-- the URL and the body too (1). A multi-tenant allowed host would
-- otherwise let an agent write the value into an object others read.
ALTER TABLE variables ADD COLUMN agents_anywhere BIGINT NOT NULL DEFAULT 0;
