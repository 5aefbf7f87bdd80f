-- Takes the right to send one push: records SENDING, one attempt more,
-- held until $4, unless the record is DELIVERED or FAILED or another
-- claim holds it (notifications.Delivery.Claimable); an expired record
-- counts as none. No row back: refused. The row lock of the upsert makes
-- concurrent claims take turns, and each sees the one before.
-- $1 notification_id, $2 token_hash, $3 at, $4 held_until, $5 expires_at, $6 now
INSERT INTO push_deliveries AS d (notification_id, token_hash, state, message_name, reason, attempts, state_at, held_until, expires_at)
VALUES ($1, $2, 'SENDING', '', '', 1, $3, $4, $5)
ON CONFLICT (notification_id, token_hash) DO UPDATE SET
    state = 'SENDING', message_name = '', reason = '',
    attempts = CASE WHEN d.expires_at <= $6 THEN 1 ELSE d.attempts + 1 END,
    state_at = excluded.state_at, held_until = excluded.held_until, expires_at = excluded.expires_at
WHERE d.expires_at <= $6
   OR (d.state NOT IN ('DELIVERED', 'FAILED')
       AND (d.state <> 'SENDING' OR coalesce(d.held_until, '-infinity') <= excluded.state_at))
RETURNING attempts
