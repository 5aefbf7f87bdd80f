-- inbox_list.sql for the unread notifications only.
-- $1 citizen_hash, $2 page size, $3 cursor ms, $4 cursor id
SELECT c.total, c.unread, n.id, n.created_at, n.read_at, n.case_id, n.status, n.sequence, n.deep_link, n.content
FROM inbox_counts c
LEFT JOIN LATERAL (
    SELECT * FROM inbox i
    WHERE i.citizen_hash = $1 AND i.read_at IS NULL AND (i.created_ms, i.id) < ($3, $4)
    ORDER BY i.created_ms DESC, i.id DESC
    LIMIT $2
) n ON true
WHERE c.citizen_hash = $1
ORDER BY n.created_ms DESC, n.id DESC
