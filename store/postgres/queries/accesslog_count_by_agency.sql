-- A citizen's entries since $2, per agency ('' is satupintu's own).
-- $1 subject_hash
SELECT agency, count(*) FROM access_log WHERE subject_hash = $1 AND at >= $2 GROUP BY agency
