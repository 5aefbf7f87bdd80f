-- Redeems a share once, before it expires; no row otherwise.
-- $1 id, $2 verified_at, $3 verifier_id, $4 verifier_name
UPDATE document_shares SET verified_at = $2, verifier_id = $3, verifier_name = $4
WHERE id = $1 AND verified_at IS NULL AND expires_at > $2
RETURNING id, code_hash, citizen_sealed, document_type, document_class, agency, claims, purpose, offline, created_at,
    expires_at, presentation, verified_at, coalesce(verifier_id, ''), coalesce(verifier_name, '')
