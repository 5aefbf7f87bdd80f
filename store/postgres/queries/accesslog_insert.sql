-- Appends a batch of access log entries in one statement; an entry whose
-- id and time are logged already is skipped (a resend adds nothing).
-- $1 at[], $2 id[], $3 subject_hash[], $4 actor_kind[], $5 agency[],
-- $6 categories[], $7 purpose[], $8 legal_basis[], $9 case_id[],
-- $10 share_id[], $11 sealed[]
INSERT INTO access_log (at, id, subject_hash, actor_kind, agency, categories, purpose, legal_basis, case_id, share_id, sealed)
SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::bytea[], $4::text[], $5::text[], $6::smallint[],
                     $7::text[], $8::text[], $9::text[], $10::text[], $11::bytea[])
ON CONFLICT (id, at) DO NOTHING
