-- Citizens with notifications created before $1 (in milliseconds), up to $2.
SELECT DISTINCT citizen_hash FROM (
    SELECT citizen_hash FROM inbox WHERE created_ms < $1 ORDER BY created_ms LIMIT $2
) old
