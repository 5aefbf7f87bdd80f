-- A citizen's devices seen since $2, deleting those seen before (the
-- delete runs whatever the select reads; the select sees the rows as they
-- were, hence its own filter).
-- $1 citizen_hash, $2 not before
WITH pruned AS (
    DELETE FROM devices WHERE citizen_hash = $1 AND last_seen < $2
)
SELECT token_hash, token_sealed, citizen_sealed, platform, locale, app_version, registered_at, last_seen
FROM devices WHERE citizen_hash = $1 AND last_seen >= $2
