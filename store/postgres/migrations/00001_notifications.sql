-- +goose Up
-- The notification ports (inbox, devices, push deliveries) and the data
-- keys that seal them. A citizen is named by citizen_hash, an HMAC-SHA256
-- of the NIK under the lookup key (store/seal), never by the NIK.

-- Every data key that has sealed data here, and the one that keys the
-- lookup hashes: that one must stay in SATUPINTU_DATA_KEY until the
-- hashes are computed again (see keys.go).
CREATE TABLE data_keys (
    id         text        PRIMARY KEY,
    lookup     boolean     NOT NULL DEFAULT false,
    first_used timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX data_keys_one_lookup ON data_keys (lookup) WHERE lookup;

-- A citizen's inbox counts, one row per citizen. Every write to a
-- citizen's inbox locks this row first, so writes of one citizen are
-- serialized and the counts stay exact; List reads them with the page.
CREATE TABLE inbox_counts (
    citizen_hash bytea   PRIMARY KEY,
    total        integer NOT NULL,
    unread       integer NOT NULL
);

-- Notifications. The key is (citizen, id): a redelivered case change
-- brings the same id with a new created_at, so created_at cannot be in
-- the unique key, which rules out partitions by month. An inbox keeps its
-- citizen's newest 1,000, so the table grows with citizens, not with
-- time: it is partitioned by citizen (hash), the same key a distributed
-- engine (Citus) would shard it by. 270 million citizens with a case or
-- two (about five notifications each) is over a billion rows: 16
-- partitions keep each near 100 million.
-- created_ms is the listing's sort key (sp.Position: creation to the
-- millisecond, then id); created_at keeps the microseconds.
-- content is the title and body, sealed.
CREATE TABLE inbox (
    citizen_hash bytea       NOT NULL,
    id           text        NOT NULL,
    created_at   timestamptz NOT NULL,
    created_ms   bigint      NOT NULL,
    read_at      timestamptz,
    case_id      text        NOT NULL,
    status       text        NOT NULL,
    sequence     bigint      NOT NULL,
    deep_link    text        NOT NULL,
    content      bytea       NOT NULL,
    PRIMARY KEY (citizen_hash, id)
) PARTITION BY HASH (citizen_hash);
CREATE TABLE inbox_p00 PARTITION OF inbox FOR VALUES WITH (MODULUS 16, REMAINDER 0);
CREATE TABLE inbox_p01 PARTITION OF inbox FOR VALUES WITH (MODULUS 16, REMAINDER 1);
CREATE TABLE inbox_p02 PARTITION OF inbox FOR VALUES WITH (MODULUS 16, REMAINDER 2);
CREATE TABLE inbox_p03 PARTITION OF inbox FOR VALUES WITH (MODULUS 16, REMAINDER 3);
CREATE TABLE inbox_p04 PARTITION OF inbox FOR VALUES WITH (MODULUS 16, REMAINDER 4);
CREATE TABLE inbox_p05 PARTITION OF inbox FOR VALUES WITH (MODULUS 16, REMAINDER 5);
CREATE TABLE inbox_p06 PARTITION OF inbox FOR VALUES WITH (MODULUS 16, REMAINDER 6);
CREATE TABLE inbox_p07 PARTITION OF inbox FOR VALUES WITH (MODULUS 16, REMAINDER 7);
CREATE TABLE inbox_p08 PARTITION OF inbox FOR VALUES WITH (MODULUS 16, REMAINDER 8);
CREATE TABLE inbox_p09 PARTITION OF inbox FOR VALUES WITH (MODULUS 16, REMAINDER 9);
CREATE TABLE inbox_p10 PARTITION OF inbox FOR VALUES WITH (MODULUS 16, REMAINDER 10);
CREATE TABLE inbox_p11 PARTITION OF inbox FOR VALUES WITH (MODULUS 16, REMAINDER 11);
CREATE TABLE inbox_p12 PARTITION OF inbox FOR VALUES WITH (MODULUS 16, REMAINDER 12);
CREATE TABLE inbox_p13 PARTITION OF inbox FOR VALUES WITH (MODULUS 16, REMAINDER 13);
CREATE TABLE inbox_p14 PARTITION OF inbox FOR VALUES WITH (MODULUS 16, REMAINDER 14);
CREATE TABLE inbox_p15 PARTITION OF inbox FOR VALUES WITH (MODULUS 16, REMAINDER 15);
-- A page of an inbox, newest first (scanned backwards), and of its
-- unread part; the oldest first when an inbox is trimmed.
CREATE INDEX inbox_by_position ON inbox (citizen_hash, created_ms, id);
CREATE INDEX inbox_unread_by_position ON inbox (citizen_hash, created_ms, id) WHERE read_at IS NULL;

-- Devices: found by token (its HMAC) and listed by citizen, most recently
-- seen first. The token and the NIK are sealed for sending and for Get.
CREATE TABLE devices (
    token_hash     bytea       PRIMARY KEY,
    token_sealed   bytea       NOT NULL,
    citizen_hash   bytea       NOT NULL,
    citizen_sealed bytea       NOT NULL,
    platform       text        NOT NULL,
    locale         text        NOT NULL,
    app_version    text        NOT NULL,
    registered_at  timestamptz NOT NULL,
    last_seen      timestamptz NOT NULL
);
CREATE INDEX devices_of_citizen ON devices (citizen_hash, last_seen);

-- One row per push (a notification to a device), so a redelivered push
-- job never sends twice. Rows expire 30 days after their last write and
-- are purged by expires_at.
CREATE TABLE push_deliveries (
    notification_id text        NOT NULL,
    token_hash      bytea       NOT NULL,
    state           text        NOT NULL CHECK (state IN ('SENDING', 'RETRYING', 'DELIVERED', 'FAILED')),
    message_name    text        NOT NULL,
    reason          text        NOT NULL,
    attempts        integer     NOT NULL,
    state_at        timestamptz NOT NULL,
    held_until      timestamptz,
    expires_at      timestamptz NOT NULL,
    PRIMARY KEY (notification_id, token_hash)
);
CREATE INDEX push_deliveries_expiry ON push_deliveries (expires_at);
