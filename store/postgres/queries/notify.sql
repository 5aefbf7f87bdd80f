-- Notifies the listeners of channel $1 with payload $2 (at commit, or now
-- outside a transaction).
SELECT pg_notify($1, $2)
