-- Deletes up to $2 records that expired before $1, oldest first.
-- $1 before, $2 most
DELETE FROM push_deliveries
WHERE (notification_id, token_hash) IN (
    SELECT notification_id, token_hash FROM push_deliveries
    WHERE expires_at < $1
    ORDER BY expires_at
    LIMIT $2
)
