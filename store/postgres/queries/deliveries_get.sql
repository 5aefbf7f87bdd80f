-- The record of one push, unless it expired.
-- $1 notification_id, $2 token_hash, $3 now
SELECT state, message_name, reason, attempts, state_at, held_until
FROM push_deliveries
WHERE notification_id = $1 AND token_hash = $2 AND expires_at > $3
