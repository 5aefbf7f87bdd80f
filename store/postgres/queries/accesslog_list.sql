-- A page of a citizen's log, newest first, after the cursor ($6, $7) when
-- given; the filters: $2 categories (bit set, 0: all), $3 actor kinds
-- (empty: all), $4 from, $5 to (null: open).
-- $1 subject_hash, $8 limit
SELECT at, id, actor_kind, agency, categories, purpose, legal_basis, case_id, share_id, sealed
FROM access_log
WHERE subject_hash = $1
  AND ($2::smallint = 0 OR categories & $2 <> 0)
  AND (cardinality($3::text[]) = 0 OR actor_kind = ANY ($3))
  AND ($4::timestamptz IS NULL OR at >= $4)
  AND ($5::timestamptz IS NULL OR at < $5)
  AND ($6::timestamptz IS NULL OR (at, id) < ($6, $7::text))
ORDER BY at DESC, id DESC
LIMIT $8
