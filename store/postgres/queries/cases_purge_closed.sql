-- A batch of closed cases last changed before $1, with their history.
-- Their bills and ledger rows stay: money is kept on its own terms.
WITH gone AS (
    SELECT id FROM cases WHERE NOT open AND updated_at < $1
    ORDER BY updated_at LIMIT $2
    FOR UPDATE SKIP LOCKED
), history AS (
    DELETE FROM case_history WHERE case_id IN (SELECT id FROM gone)
)
DELETE FROM cases WHERE id IN (SELECT id FROM gone)
