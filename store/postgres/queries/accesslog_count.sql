-- How many entries of a citizen's log the filters of accesslog_list.sql
-- keep. $1 subject_hash, $2 categories, $3 actor kinds, $4 from, $5 to
SELECT count(*)
FROM access_log
WHERE subject_hash = $1
  AND ($2::smallint = 0 OR categories & $2 <> 0)
  AND (cardinality($3::text[]) = 0 OR actor_kind = ANY ($3))
  AND ($4::timestamptz IS NULL OR at >= $4)
  AND ($5::timestamptz IS NULL OR at < $5)
