-- Removes parked job $1 of kind $2 to insert it afresh; whether it was
-- unique.
DELETE FROM river_job
WHERE id = $1 AND kind = $2 AND state IN ('cancelled', 'discarded')
RETURNING args, unique_key IS NOT NULL
