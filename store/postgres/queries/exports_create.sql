-- A new export, preparing. $1 id, $2 subject_hash, $3 subject_sealed, $4 requested_at
INSERT INTO data_exports (id, subject_hash, subject_sealed, requested_at) VALUES ($1, $2, $3, $4)
