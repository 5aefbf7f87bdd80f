-- One export, whoever's it is. $1 id
SELECT id, subject_sealed, requested_at, ready_at, expires_at, downloaded_at, token_sealed
FROM data_exports WHERE id = $1
