-- $1 id, $2 code_hash, $3 citizen_hash, $4 citizen_sealed, $5 document_type, $6 document_class, $7 agency,
-- $8 claims, $9 purpose, $10 offline, $11 created_at, $12 created_ms, $13 expires_at, $14 presentation
INSERT INTO document_shares (id, code_hash, citizen_hash, citizen_sealed, document_type, document_class, agency,
    claims, purpose, offline, created_at, created_ms, expires_at, presentation)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
