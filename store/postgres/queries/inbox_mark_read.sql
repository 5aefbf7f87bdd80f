-- Marks the citizen's unread notifications among $3 read at $2, counts
-- them out and returns how many. Run with the inbox locked.
-- $1 citizen_hash, $2 read_at, $3 ids
WITH marked AS (
    UPDATE inbox SET read_at = $2
    WHERE citizen_hash = $1 AND id = ANY($3) AND read_at IS NULL
    RETURNING 1
)
UPDATE inbox_counts SET unread = unread - (SELECT count(*) FROM marked)
WHERE citizen_hash = $1
RETURNING (SELECT count(*) FROM marked)
