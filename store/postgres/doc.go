// Package postgres is the PostgreSQL engine of the durable store ports:
// the system of record, for what must not be lost. It has the notification
// ports today (inbox, devices, push deliveries); cases, their jobs (River)
// and the ledgers follow on the same foundation:
//
//   - Open: one pgx pool per instance, sized by SATUPINTU_DB_POOL_SIZE,
//     every statement bounded by SATUPINTU_DB_STATEMENT_TIMEOUT;
//   - WithTx: one transaction helper, which runs again a transaction
//     PostgreSQL rolled back for a conflict;
//   - Migrate: the schema, forward-only migrations embedded in the binary
//     (migrations/), applied at start and by `satupintu migrate`;
//   - SQL in plain files (queries/), one statement each, embedded next to
//     the small function that runs it; no ORM.
//
// Personal data is sealed (store/seal): a NIK or a token is stored as a
// lookup hash and, where it must be read back, sealed with AES-GCM.
//
// PostgreSQL keeps times to the microsecond: a time read back is the one
// written, truncated to it.
//
// A statement that fails, a commit included, returns an error that is not
// a domain error (*sp.Error): the resolvers answer it UNAVAILABLE, and
// nothing is reported done.
package postgres
