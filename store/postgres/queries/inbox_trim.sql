-- Drops a citizen's oldest notifications beyond $2 and counts them out;
-- returns whether notification $3 is still there. Run with the inbox
-- locked (inbox_lock.sql).
-- $1 citizen_hash, $2 the most kept, $3 id
WITH dropped AS (
    DELETE FROM inbox
    WHERE citizen_hash = $1 AND id IN (
        SELECT id FROM inbox
        WHERE citizen_hash = $1
        ORDER BY created_ms, id
        LIMIT (SELECT greatest(total - $2, 0) FROM inbox_counts WHERE citizen_hash = $1)
    )
    RETURNING id, read_at IS NULL AS unread
)
UPDATE inbox_counts
SET total = total - (SELECT count(*) FROM dropped),
    unread = unread - (SELECT count(*) FROM dropped WHERE unread)
WHERE citizen_hash = $1
RETURNING EXISTS (SELECT 1 FROM inbox WHERE citizen_hash = $1 AND id = $3)
      AND NOT EXISTS (SELECT 1 FROM dropped WHERE id = $3)
