-- The new state of case $1, locked by cases_lock.sql (Update).
UPDATE cases SET status = $2, open = $3, updated_at = $4, fields = coalesce($5, fields), agency_ref = $6,
       delivery_state = $7, delivery_attempts = $8, last_attempt_at = $9, last_error = $10, delivered_at = $11,
       sequence = $12, held = $13, event_ids = $14, version = $15, history_length = $16
WHERE id = $1
