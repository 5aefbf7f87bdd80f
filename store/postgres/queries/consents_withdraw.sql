-- Withdraws a citizen's consent at $3, unless it was withdrawn already
-- (the first withdrawal stands). No row: the citizen has no such consent.
-- $1 id, $2 subject_hash
UPDATE consents SET withdrawn_at = coalesce(withdrawn_at, $3)
WHERE id = $1 AND subject_hash = $2
RETURNING id, recipient, purpose, categories, granted_at, expires_at, withdrawn_at
