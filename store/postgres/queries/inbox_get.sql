-- One notification of a citizen.
-- $1 citizen_hash, $2 id
SELECT id, created_at, read_at, case_id, status, sequence, deep_link, content
FROM inbox
WHERE citizen_hash = $1 AND id = $2
