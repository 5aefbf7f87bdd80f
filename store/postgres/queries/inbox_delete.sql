-- Deletes one notification of a citizen and counts it out; no row if
-- there was none. Run with the inbox locked.
-- $1 citizen_hash, $2 id
WITH gone AS (
    DELETE FROM inbox WHERE citizen_hash = $1 AND id = $2
    RETURNING read_at IS NULL AS unread
)
UPDATE inbox_counts c
SET total = c.total - 1, unread = c.unread - gone.unread::integer
FROM gone
WHERE c.citizen_hash = $1
RETURNING 1
