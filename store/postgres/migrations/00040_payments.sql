-- +goose Up
-- Payments: the bills of cases' fees (SIMPONI billing codes) and the
-- ledger of every payment event. Amounts are whole rupiah.

-- One bill per case and attempt (a new one only after the last expired).
CREATE TABLE bills (
    id           text        PRIMARY KEY,
    case_id      text        NOT NULL,
    attempt      integer     NOT NULL CHECK (attempt > 0),
    service_id   text        NOT NULL,
    amount       bigint      NOT NULL CHECK (amount > 0),
    regulation   text        NOT NULL,
    billing_code text        NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    status       text        NOT NULL,
    paid_at      timestamptz,
    ntpn         text        NOT NULL DEFAULT '',
    ntb          text        NOT NULL DEFAULT '',
    method       text        NOT NULL DEFAULT '',
    bank         text        NOT NULL DEFAULT '',
    va_number    text        NOT NULL DEFAULT '',
    qris         text        NOT NULL DEFAULT '',
    version      bigint      NOT NULL,
    UNIQUE (case_id, attempt)
);
CREATE INDEX bills_by_status ON bills (status, created_at DESC);

-- The ledger: rows are only ever added. external_id (the gateway's
-- notification, the treasury's billing, the reconciliation's finding) is
-- unique, so an event recorded twice is recorded once.
CREATE TABLE payment_ledger (
    n           bigserial   PRIMARY KEY,
    external_id text        NOT NULL UNIQUE,
    bill_id     text        NOT NULL REFERENCES bills (id),
    kind        text        NOT NULL,
    amount      bigint      NOT NULL CHECK (amount >= 0),
    at          timestamptz NOT NULL,
    source      text        NOT NULL,
    reference   text        NOT NULL DEFAULT ''
);
CREATE INDEX payment_ledger_of_bill ON payment_ledger (bill_id, n);

-- +goose StatementBegin
CREATE FUNCTION payment_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'payment_ledger is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER payment_ledger_no_update_delete BEFORE UPDATE OR DELETE ON payment_ledger
    FOR EACH ROW EXECUTE FUNCTION payment_ledger_append_only();
CREATE TRIGGER payment_ledger_no_truncate BEFORE TRUNCATE ON payment_ledger
    FOR EACH STATEMENT EXECUTE FUNCTION payment_ledger_append_only();
