-- +goose Up
-- Cases: citizens' applications to agencies, their history, and what
-- forwarding them and applying agency events needs. A citizen is named by
-- citizen_hash (the NIK's HMAC under the lookup key), the NIK itself and
-- the free-text form fields are sealed (store/seal).

-- One row per case, its current state. id is time-ordered (48 bits of
-- milliseconds, then 80 random ones, base32hex), so new rows land at the
-- end of the primary key's index. open is whether status is one of the
-- open statuses (the Go side decides), for the two indexes that only
-- hold open cases.
CREATE TABLE cases (
    id                 text        PRIMARY KEY,
    citizen_hash       bytea       NOT NULL,
    citizen_sealed     bytea       NOT NULL,
    service_id         text        NOT NULL,
    agency             text        NOT NULL,
    status             text        NOT NULL,
    open               boolean     NOT NULL,
    single_open        boolean     NOT NULL,
    created_at         timestamptz NOT NULL,
    created_ms         bigint      NOT NULL,
    updated_at         timestamptz NOT NULL,
    idempotency_key    text        NOT NULL,
    request_hash       text        NOT NULL,
    fields             bytea       NOT NULL,
    agency_ref         text        NOT NULL,
    delivery_state     text        NOT NULL,
    delivery_attempts  integer     NOT NULL,
    last_attempt_at    timestamptz,
    last_error         text        NOT NULL,
    delivered_at       timestamptz,
    sequence           integer     NOT NULL,
    held               bytea,
    event_ids          text[]      NOT NULL,
    version            bigint      NOT NULL,
    history_length     integer     NOT NULL
);
-- A citizen's submission with an idempotency key is stored once.
CREATE UNIQUE INDEX cases_idempotency ON cases (citizen_hash, idempotency_key) WHERE idempotency_key <> '';
-- One open case per citizen of a single-open service: the rule itself,
-- whatever races two submissions run.
CREATE UNIQUE INDEX cases_single_open ON cases (citizen_hash, service_id) WHERE single_open AND open;
-- A citizen's cases newest first (sp.Position), all and by status.
CREATE INDEX cases_of_citizen ON cases (citizen_hash, created_ms, id);
CREATE INDEX cases_of_citizen_by_status ON cases (citizen_hash, status, created_ms, id);
-- The open cases of an agency, oldest first: the poll sweep's list.
CREATE INDEX cases_open_by_agency ON cases (agency, created_ms, id) WHERE open;

-- A case's history, one row per entry, appended and never changed: seq
-- is the entry's place in the history (from 0), version the case's after
-- the change that added it. message, the agency's words to the citizen,
-- is sealed.
CREATE TABLE case_history (
    case_id   text        NOT NULL REFERENCES cases (id),
    seq       integer     NOT NULL,
    version   bigint      NOT NULL,
    at        timestamptz NOT NULL,
    status    text        NOT NULL,
    source    text        NOT NULL,
    message   bytea,
    event_id  text        NOT NULL,
    sequence  integer     NOT NULL,
    skipped   text        NOT NULL,
    PRIMARY KEY (case_id, seq)
);
