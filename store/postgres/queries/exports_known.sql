-- Whether a token ever named an export (downloaded or expired now).
-- $1 token_hash
SELECT EXISTS (SELECT 1 FROM data_exports WHERE token_hash = $1)
