-- Deletes the consents that ended (withdrawn or expired) before $1.
DELETE FROM consents
WHERE (withdrawn_at IS NOT NULL OR expires_at IS NOT NULL) AND coalesce(withdrawn_at, expires_at) < $1
