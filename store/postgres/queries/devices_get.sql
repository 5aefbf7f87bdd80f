-- The device of a token.
-- $1 token_hash
SELECT token_hash, token_sealed, citizen_sealed, platform, locale, app_version, registered_at, last_seen
FROM devices WHERE token_hash = $1
