-- Serializes the making and dropping of the log's months across
-- instances, for the transaction ("satupintu access log").
SELECT pg_advisory_xact_lock(6017358312390823265)
