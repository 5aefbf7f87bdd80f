-- The record of one push, expired or not (after a refused claim).
-- $1 notification_id, $2 token_hash
SELECT state, message_name, reason, attempts, state_at, held_until
FROM push_deliveries
WHERE notification_id = $1 AND token_hash = $2
