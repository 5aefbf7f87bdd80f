-- A page of the citizen's ($1) cases in status $5, newest first
-- (created_ms, id), after position ($2, $3); $4 rows.
SELECT id, citizen_sealed, service_id, agency, status, single_open, created_at, updated_at,
       idempotency_key, request_hash, fields, agency_ref, delivery_state, delivery_attempts, last_attempt_at, last_error,
       delivered_at, sequence, held, event_ids, version, history_length, actor_sealed
FROM cases
WHERE citizen_hash = $1 AND status = $5 AND (created_ms, id) < ($2, $3)
ORDER BY created_ms DESC, id DESC
LIMIT $4
