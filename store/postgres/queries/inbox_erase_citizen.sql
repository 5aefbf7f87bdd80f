-- Deletes a citizen's whole inbox and its counts; the caller holds the
-- counts row's lock. $1 citizen_hash
WITH gone AS (DELETE FROM inbox WHERE citizen_hash = $1 RETURNING 1),
     counts AS (DELETE FROM inbox_counts WHERE citizen_hash = $1)
SELECT count(*) FROM gone
