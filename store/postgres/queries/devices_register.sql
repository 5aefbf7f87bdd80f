-- Registers a device under its token, taking the token from any earlier
-- owner in the same statement. The same citizen again keeps the first
-- registration time; another citizen registers afresh.
-- $1 token_hash, $2 token_sealed, $3 citizen_hash, $4 citizen_sealed,
-- $5 platform, $6 locale, $7 app_version, $8 registered_at, $9 last_seen
INSERT INTO devices AS d (token_hash, token_sealed, citizen_hash, citizen_sealed, platform, locale, app_version, registered_at, last_seen)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (token_hash) DO UPDATE SET
    registered_at = CASE WHEN d.citizen_hash = excluded.citizen_hash THEN d.registered_at ELSE excluded.registered_at END,
    token_sealed = excluded.token_sealed,
    citizen_hash = excluded.citizen_hash,
    citizen_sealed = excluded.citizen_sealed,
    platform = excluded.platform,
    locale = excluded.locale,
    app_version = excluded.app_version,
    last_seen = excluded.last_seen
