-- Deletes a citizen's notifications created before $2 (milliseconds) and
-- takes them off the counts; the caller holds the counts row's lock.
-- $1 citizen_hash
WITH gone AS (
    DELETE FROM inbox WHERE citizen_hash = $1 AND created_ms < $2 RETURNING read_at IS NULL AS unread
), counted AS (
    UPDATE inbox_counts c
    SET total = c.total - (SELECT count(*) FROM gone), unread = c.unread - (SELECT count(*) FROM gone WHERE unread)
    WHERE c.citizen_hash = $1
)
SELECT count(*) FROM gone
