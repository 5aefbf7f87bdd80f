-- The citizen's ($1) case of idempotency key $2.
SELECT id FROM cases WHERE citizen_hash = $1 AND idempotency_key = $2 AND idempotency_key <> ''
