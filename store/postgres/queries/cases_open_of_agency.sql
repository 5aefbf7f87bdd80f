-- A page of agency $1's open cases, oldest first (created_ms, id), after
-- position ($2, $3); $4 rows.
SELECT id, created_ms
FROM cases
WHERE agency = $1 AND open AND (created_ms, id) > ($2, $3)
ORDER BY created_ms, id
LIMIT $4
