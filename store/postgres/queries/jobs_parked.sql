-- Up to $2 parked jobs of kind $1, oldest first: cancelled (Park) or
-- discarded, with the reason of their last failure.
SELECT id, args, metadata, attempt,
       coalesce(errors[array_upper(errors, 1)] ->> 'error', ''), created_at
FROM river_job
WHERE kind = $1 AND state IN ('cancelled', 'discarded')
ORDER BY finalized_at, id
LIMIT $2
