-- One of a citizen's consents. $1 id, $2 subject_hash
SELECT id, recipient, purpose, categories, granted_at, expires_at, withdrawn_at
FROM consents WHERE id = $1 AND subject_hash = $2
