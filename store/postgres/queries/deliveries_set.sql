-- Stores the record of one push, replacing any earlier one.
-- $1 notification_id, $2 token_hash, $3 state, $4 message_name, $5 reason,
-- $6 attempts, $7 state_at, $8 held_until, $9 expires_at
INSERT INTO push_deliveries (notification_id, token_hash, state, message_name, reason, attempts, state_at, held_until, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (notification_id, token_hash) DO UPDATE SET
    state = excluded.state, message_name = excluded.message_name, reason = excluded.reason,
    attempts = excluded.attempts, state_at = excluded.state_at, held_until = excluded.held_until,
    expires_at = excluded.expires_at
