-- Deletes every export of a citizen. $1 subject_hash
DELETE FROM data_exports WHERE subject_hash = $1
