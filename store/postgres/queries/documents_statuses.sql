-- The slots in [$1, $2) that are not VALID.
SELECT n, status FROM document_status WHERE n >= $1 AND n < $2 AND status <> 0
