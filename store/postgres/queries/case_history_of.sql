-- The history of cases $1, each in order.
SELECT case_id, seq, at, status, source, message, event_id, sequence, skipped
FROM case_history
WHERE case_id = ANY($1)
ORDER BY case_id, seq
