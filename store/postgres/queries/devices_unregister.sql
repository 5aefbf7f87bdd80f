-- Removes a token if the citizen owns it.
-- $1 token_hash, $2 citizen_hash
DELETE FROM devices WHERE token_hash = $1 AND citizen_hash = $2
