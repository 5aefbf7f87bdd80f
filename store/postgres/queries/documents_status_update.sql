-- The slot of a document already known, its status set if it changed (an
-- unchanged status writes nothing). No row: the document is new.
-- $1 key_hash, $2 status, $3 updated_at
WITH changed AS (
    UPDATE document_status SET status = $2, updated_at = $3
    WHERE key_hash = $1 AND status <> $2
    RETURNING n
)
SELECT n FROM changed
UNION ALL
SELECT n FROM document_status WHERE key_hash = $1
LIMIT 1
