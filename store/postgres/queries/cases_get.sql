-- Case $1.
SELECT id, citizen_sealed, service_id, agency, status, single_open, created_at, updated_at,
       idempotency_key, request_hash, fields, agency_ref, delivery_state, delivery_attempts, last_attempt_at, last_error,
       delivered_at, sequence, held, event_ids, version, history_length, actor_sealed
FROM cases WHERE id = $1
