-- Removes a token, whoever owns it.
-- $1 token_hash
DELETE FROM devices WHERE token_hash = $1
