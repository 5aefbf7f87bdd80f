-- The pending jobs of a kind ($2), in its queue ($1): what River's
-- fetching index (state, queue, …) finds without reading the table.
SELECT count(*)
FROM river_job
WHERE queue = $1 AND kind = $2
  AND state IN ('available', 'pending', 'scheduled', 'retryable', 'running')
