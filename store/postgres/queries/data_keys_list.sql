-- Every key the database has used, and which keys the lookups.
SELECT id, lookup FROM data_keys ORDER BY first_used, id
