-- A new document's slot: the next number. No row when another instance
-- allocated it first (read it again).
-- $1 key_hash, $2 status, $3 updated_at
INSERT INTO document_status (key_hash, n, status, updated_at)
VALUES ($1, nextval('document_status_n'), $2, $3)
ON CONFLICT (key_hash) DO NOTHING
RETURNING n
