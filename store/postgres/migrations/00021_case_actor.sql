-- +goose Up
-- A case applied for by someone else (a parent, a guardian, a mandate
-- holder: submitServiceRequest with subjectNik) records its actor, sealed
-- and bound to the case like the citizen; NULL when the citizen applied
-- themself.
ALTER TABLE cases ADD COLUMN actor_sealed bytea;
