-- Stores a new consent.
-- $1 id, $2 subject_hash, $3 recipient, $4 purpose, $5 categories,
-- $6 granted_at, $7 expires_at
INSERT INTO consents (id, subject_hash, recipient, purpose, categories, granted_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
