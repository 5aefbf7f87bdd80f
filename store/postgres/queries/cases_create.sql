-- A new case (Create) and its first history entries, in one statement:
-- nothing when another case holds its idempotency key or its open slot
-- (the caller then finds that case). $27 on are the history arrays, as in
-- case_history_add.sql; the rows inserted are the history's.
WITH c AS (
    INSERT INTO cases (id, citizen_hash, citizen_sealed, service_id, agency, status, open, single_open, created_at, created_ms, updated_at,
           idempotency_key, request_hash, fields, agency_ref, delivery_state, delivery_attempts, last_attempt_at, last_error,
           delivered_at, sequence, held, event_ids, version, history_length, actor_sealed)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26)
    ON CONFLICT DO NOTHING
    RETURNING id, version
)
INSERT INTO case_history (case_id, seq, version, at, status, source, message, event_id, sequence, skipped)
SELECT c.id, ord - 1, c.version, at, status, source, message, event_id, sequence, skipped
FROM c, unnest($27::timestamptz[], $28::text[], $29::text[], $30::bytea[], $31::text[], $32::int[], $33::text[])
     WITH ORDINALITY AS e(at, status, source, message, event_id, sequence, skipped, ord)
