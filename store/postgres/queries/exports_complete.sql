-- Makes an export ready, once: completing it again changes nothing.
-- $1 id, $2 document (sealed), $3 token_hash, $4 token_sealed, $5 ready_at, $6 expires_at
UPDATE data_exports
SET document = $2, token_hash = $3, token_sealed = $4, ready_at = $5, expires_at = $6
WHERE id = $1 AND ready_at IS NULL
