-- +goose Up
-- Privacy (UU PDP 27/2022): the access log every citizen can read, and
-- the consents they give. A citizen is named by subject_hash, the HMAC of
-- the NIK under the lookup key, as everywhere else.

-- The access log: one row per touch of a citizen's data (who, when, which
-- register, which categories, why, on which basis), never the data.
-- Append-only: the trigger below refuses every UPDATE and DELETE, so
-- retention drops whole months (monthly range partitions by at, made
-- ahead of time and on demand by the application, and dropped when they
-- are past the retention period; DROP TABLE fires no row trigger).
-- categories is a bit set: 1 IDENTITY, 2 HEALTH, 4 EDUCATION, 8 POLICE,
-- 16 SOCIAL, 32 FINANCE. sealed holds the subject's NIK and the actor (a
-- delegate's NIK, a verifier's or officer's id and name), sealed and bound
-- to the citizen and kind of actor (one seal serves a request's entries).
-- The key is (id, at): a partitioned table's unique key holds
-- its partition key, so an entry logged again with the same id and time
-- is a duplicate.
CREATE TABLE access_log (
    at           timestamptz NOT NULL,
    id           text        NOT NULL,
    subject_hash bytea       NOT NULL,
    actor_kind   text        NOT NULL,
    agency       text        NOT NULL,
    categories   smallint    NOT NULL,
    purpose      text        NOT NULL,
    legal_basis  text        NOT NULL,
    case_id      text        NOT NULL,
    share_id     text        NOT NULL,
    sealed       bytea       NOT NULL,
    PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);
-- A citizen's log newest first, and the count per agency of home's
-- privacy summary (an index-only scan of the last month or two).
CREATE INDEX access_log_of_subject ON access_log (subject_hash, at DESC, id DESC) INCLUDE (agency);

-- +goose StatementBegin
CREATE FUNCTION access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'access_log is append-only: % refused (retention drops whole monthly partitions)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd
-- On the partitioned table: every partition, made now or later, has it.
CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION access_log_append_only();
CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log
    FOR EACH STATEMENT EXECUTE FUNCTION access_log_append_only();

-- Consents. Withdrawal sets withdrawn_at, once; every reader reads the row
-- at use (no cache), so a withdrawal holds everywhere when it commits.
CREATE TABLE consents (
    id           text        PRIMARY KEY,
    subject_hash bytea       NOT NULL,
    recipient    text        NOT NULL,
    purpose      text        NOT NULL,
    categories   smallint    NOT NULL,
    granted_at   timestamptz NOT NULL,
    expires_at   timestamptz,
    withdrawn_at timestamptz
);
CREATE INDEX consents_of_subject ON consents (subject_hash, granted_at DESC, id DESC);
-- The retention job erases consents ended long ago.
CREATE INDEX consents_ended ON consents (coalesce(withdrawn_at, expires_at)) WHERE withdrawn_at IS NOT NULL OR expires_at IS NOT NULL;

-- Data exports: a citizen's copy of everything satupintu holds about them,
-- signed, kept sealed until downloaded once or expired (24 hours after it
-- is ready). The download link's token is found by its SHA-256 and kept
-- sealed for its citizen to read again; both go at the download.
CREATE TABLE data_exports (
    id             text        PRIMARY KEY,
    subject_hash   bytea       NOT NULL,
    subject_sealed bytea       NOT NULL,
    requested_at   timestamptz NOT NULL,
    ready_at       timestamptz,
    expires_at     timestamptz,
    downloaded_at  timestamptz,
    token_hash     bytea       UNIQUE,
    token_sealed   bytea,
    document       bytea
);
CREATE INDEX data_exports_of_subject ON data_exports (subject_hash, requested_at DESC);
CREATE INDEX data_exports_expiry ON data_exports (coalesce(expires_at, requested_at));

-- The retention job finds old notifications by their time, across citizens.
CREATE INDEX inbox_by_created ON inbox (created_ms);
