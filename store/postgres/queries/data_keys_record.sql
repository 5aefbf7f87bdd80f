-- Records the sealing key before it seals anything; the first key ever
-- recorded keys the lookup hashes.
-- $1 the sealing key's id
INSERT INTO data_keys (id, lookup)
VALUES ($1, NOT EXISTS (SELECT 1 FROM data_keys WHERE lookup))
ON CONFLICT (id) DO NOTHING
