-- A citizen's shares, newest first, after position ($2 ms, $3 id) when $2 is not null.
-- $1 citizen_hash, $2 after_ms, $3 after_id, $4 limit
SELECT id, code_hash, citizen_sealed, document_type, document_class, agency, claims, purpose, offline, created_at,
    expires_at, presentation, verified_at, coalesce(verifier_id, ''), coalesce(verifier_name, '')
FROM document_shares
WHERE citizen_hash = $1 AND ($2::bigint IS NULL OR (created_ms, id) < ($2, $3::text))
ORDER BY created_ms DESC, id DESC
LIMIT $4
