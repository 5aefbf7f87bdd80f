SELECT id, code_hash, citizen_sealed, document_type, document_class, agency, claims, purpose, offline, created_at,
    expires_at, presentation, verified_at, coalesce(verifier_id, ''), coalesce(verifier_name, '')
FROM document_shares WHERE code_hash = $1
