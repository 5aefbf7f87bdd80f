-- The months of the access log: its partitions' names.
SELECT c.relname
FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
WHERE i.inhparent = 'access_log'::regclass
