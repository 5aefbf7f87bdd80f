-- Deletes the exports whose link expired before $1, and those never made
-- ready a day after they were asked for.
DELETE FROM data_exports
WHERE coalesce(expires_at, requested_at + interval '24 hours') < $1
