-- Locks a citizen's inbox (its counts row) for the rest of the
-- transaction. Every write to an inbox takes this lock before it touches
-- a notification, so two writes never wait on each other in a cycle.
-- $1 citizen_hash
SELECT total FROM inbox_counts WHERE citizen_hash = $1 FOR UPDATE
