-- inbox_mark_read.sql for every unread notification of the citizen.
-- $1 citizen_hash, $2 read_at
WITH marked AS (
    UPDATE inbox SET read_at = $2
    WHERE citizen_hash = $1 AND read_at IS NULL
    RETURNING 1
)
UPDATE inbox_counts SET unread = unread - (SELECT count(*) FROM marked)
WHERE citizen_hash = $1
RETURNING (SELECT count(*) FROM marked)
