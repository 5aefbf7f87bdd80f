// Package queue is the contract of satupintu's durable work queues
// (forwarding to agencies, case-change dispatch, push delivery, polling).
// Engines live in store/memory and store/redis; store/storetest holds the
// one conformance suite both pass.
//
// Delivery is at least once: a claimed job that is neither acked, retried
// nor buried within the visibility timeout (its consumer crashed) is
// claimed again by another consumer. Handlers are idempotent.
package queue

import (
	"context"
	"time"
)

// Job is one unit of work.
type Job struct {
	// ID names the work (a case id, a notification id). Enqueueing an ID
	// that is already waiting or in flight is allowed and yields a second
	// job: handlers are idempotent.
	ID      string
	Payload []byte
	// Attempts counts the claims so far, this one included.
	Attempts   int
	EnqueuedAt time.Time
	// LastError is the reason given at the last Retry or Bury.
	LastError string
	// Receipt identifies this claim to the engine (a stream entry id, ...).
	Receipt string
}

// Queue is a durable queue with delayed retries and a dead-letter list.
type Queue interface {
	Enqueue(ctx context.Context, j Job) error
	// Claim leases up to max due jobs to consumer for the visibility
	// timeout. It returns at once with none when none are due.
	Claim(ctx context.Context, consumer string, max int) ([]Job, error)
	// Ack removes a finished job.
	Ack(ctx context.Context, j Job) error
	// Retry puts the job back, due at at, with reason as its LastError.
	Retry(ctx context.Context, j Job, at time.Time, reason string) error
	// Bury moves the job to the dead-letter list: kept, listed, revivable.
	Bury(ctx context.Context, j Job, reason string) error
	// Buried lists dead-lettered jobs, oldest first.
	Buried(ctx context.Context, limit int) ([]Job, error)
	// Revive moves the buried job id back to the queue, due now, with its
	// attempts reset and EnqueuedAt now: a replay starts afresh. An id
	// that is not buried is satupintu.ErrNotFound.
	Revive(ctx context.Context, id string) error
	// Depth counts jobs waiting or in flight (not buried).
	Depth(ctx context.Context) (int64, error)
}
