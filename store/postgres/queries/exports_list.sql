-- A citizen's exports, newest first. $1 subject_hash
SELECT id, subject_sealed, requested_at, ready_at, expires_at, downloaded_at, token_sealed
FROM data_exports WHERE subject_hash = $1
ORDER BY requested_at DESC, id DESC
