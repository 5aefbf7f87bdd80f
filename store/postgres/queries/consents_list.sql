-- A citizen's consents, newest first. $1 subject_hash
SELECT id, recipient, purpose, categories, granted_at, expires_at, withdrawn_at
FROM consents WHERE subject_hash = $1
ORDER BY granted_at DESC, id DESC
