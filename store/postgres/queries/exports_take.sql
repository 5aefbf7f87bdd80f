-- Takes the document of a ready export, once: it is deleted in the same
-- statement (a second take finds none; one waiting on the row's lock
-- finds it taken). $1 token_hash, $2 now
WITH taken AS (
    SELECT id, document FROM data_exports
    WHERE token_hash = $1 AND document IS NOT NULL AND expires_at > $2
    FOR UPDATE
)
UPDATE data_exports d SET document = NULL, token_sealed = NULL, downloaded_at = $2
FROM taken WHERE d.id = taken.id
RETURNING d.id, taken.document
