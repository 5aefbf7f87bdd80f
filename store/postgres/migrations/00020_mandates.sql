-- +goose Up
-- Mandates between citizens (the mandates package): a grantor gives a
-- grantee some matters until expires_at; PENDING until accepted_at is set,
-- ended by revoked_at. Both parties are named by the HMAC of their NIK
-- under the lookup key (as everywhere else); their NIKs themselves are
-- sealed together, bound to the mandate's id. matters are
-- KIND[:domain|service] strings (mandates.EncodeMatters).
CREATE TABLE mandates (
    id           text        PRIMARY KEY,
    grantor_hash bytea       NOT NULL,
    grantee_hash bytea       NOT NULL,
    parties      bytea       NOT NULL,
    matters      text[]      NOT NULL,
    granted_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    accepted_at  timestamptz,
    revoked_at   timestamptz,
    revoked_by   text        NOT NULL DEFAULT ''
);
-- The policy's question, asked on every delegated read: the mandates from
-- this grantor to this grantee.
CREATE INDEX mandates_between ON mandates (grantor_hash, grantee_hash, granted_at DESC);
-- A citizen's list: what they gave, what they received.
CREATE INDEX mandates_of_grantee ON mandates (grantee_hash, granted_at DESC);

