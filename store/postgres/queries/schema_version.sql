-- The version goose migrated the schema to (table missing: never).
SELECT coalesce(max(version_id), 0) FROM goose_db_version
