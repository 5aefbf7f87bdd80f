-- +goose Up
-- The documents wallet: the status-list slot of every document ever
-- issued as a credential, and the citizens' one-time shares.

-- Slot n is index n % size of status list n / size + 1. A document (its
-- type and number, as a lookup hash under the data key) keeps its slot
-- for good; status is its latest: 0 VALID, 1 INVALID, 2 SUSPENDED.
CREATE SEQUENCE document_status_n AS bigint MINVALUE 0 START 0;
CREATE TABLE document_status (
    key_hash   bytea       PRIMARY KEY,
    n          bigint      NOT NULL UNIQUE,
    status     smallint    NOT NULL,
    updated_at timestamptz NOT NULL
);
-- A list is served from the slots not VALID: few, and found by range.
CREATE INDEX document_status_listed ON document_status (n) WHERE status <> 0;

-- A share is found by its code's SHA-256 (the code itself is never
-- stored) and listed by its citizen, newest first. The presentation (the
-- SD-JWT with the chosen disclosures) and the NIK are sealed.
CREATE TABLE document_shares (
    id             text        PRIMARY KEY,
    code_hash      text        NOT NULL UNIQUE,
    citizen_hash   bytea       NOT NULL,
    citizen_sealed bytea       NOT NULL,
    document_type  text        NOT NULL,
    document_class text        NOT NULL,
    agency         text        NOT NULL,
    claims         text[]      NOT NULL,
    purpose        text        NOT NULL,
    offline        boolean     NOT NULL,
    created_at     timestamptz NOT NULL,
    created_ms     bigint      NOT NULL,
    expires_at     timestamptz NOT NULL,
    presentation   bytea       NOT NULL,
    verified_at    timestamptz,
    verifier_id    text,
    verifier_name  text
);
CREATE INDEX document_shares_history ON document_shares (citizen_hash, created_ms DESC, id DESC);
