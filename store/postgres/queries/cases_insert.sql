-- A new case (Create).
INSERT INTO cases (id, citizen_hash, citizen_sealed, service_id, agency, status, open, single_open, created_at, created_ms, updated_at,
       idempotency_key, request_hash, fields, agency_ref, delivery_state, delivery_attempts, last_attempt_at, last_error,
       delivered_at, sequence, held, event_ids, version, history_length, actor_sealed)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26)
