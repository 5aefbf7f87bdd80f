-- Adds a notification unless the citizen has one with its id, and counts
-- it in. No row back: it was there already. The upsert of the counts
-- locks the citizen's counts row (after the new, invisible notification:
-- no other write waits on that one).
-- $1 citizen_hash, $2 id, $3 created_at, $4 created_ms, $5 read_at,
-- $6 case_id, $7 status, $8 sequence, $9 deep_link, $10 content
WITH added AS (
    INSERT INTO inbox (citizen_hash, id, created_at, created_ms, read_at, case_id, status, sequence, deep_link, content)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
    ON CONFLICT (citizen_hash, id) DO NOTHING
    RETURNING read_at IS NULL AS unread
)
INSERT INTO inbox_counts AS c (citizen_hash, total, unread)
SELECT $1, 1, unread::integer FROM added
ON CONFLICT (citizen_hash) DO UPDATE
    SET total = c.total + 1, unread = c.unread + excluded.unread
RETURNING c.total
