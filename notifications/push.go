package notifications

import (
	"context"
	"time"
)

// Push is one message to one device, already in the device's language.
// The FCM adapter (notifications/fcm) turns it into an FCM v1 message.
type Push struct {
	Token    string
	Platform Platform
	Title    string
	Body     string
	// Data is the thin payload the app reads: ids, status, sequence, deep
	// link. Never a NIK or a health detail.
	Data map[string]string
	// CollapseKey replaces an older push of the same case on the device
	// (Android collapse key and tag, APNs collapse id, web push topic).
	CollapseKey string
	TTL         time.Duration
}

// Failure classifies why FCM did not take a push, following push.md.
type Failure string

const (
	FailureNone             Failure = ""
	FailureUnregistered     Failure = "UNREGISTERED"       // token dead: delete it
	FailureInvalidToken     Failure = "INVALID_TOKEN"      // INVALID_ARGUMENT caused by the token: delete it
	FailureSenderIDMismatch Failure = "SENDER_ID_MISMATCH" // token of another project: delete it
	FailureInvalidMessage   Failure = "INVALID_MESSAGE"    // the message is wrong: fail it, alert
	FailureQuotaExceeded    Failure = "QUOTA_EXCEEDED"     // retry after Retry-After
	FailureInternal         Failure = "INTERNAL"           // retry
	FailureUnavailable      Failure = "UNAVAILABLE"        // retry
	FailureNetwork          Failure = "NETWORK"            // retry
	FailureUnknown          Failure = "UNKNOWN"            // retry, bounded
)

// DropsToken reports whether the token must be deleted and never tried again.
func (f Failure) DropsToken() bool {
	return f == FailureUnregistered || f == FailureInvalidToken || f == FailureSenderIDMismatch
}

// Retryable reports whether trying again later may succeed.
func (f Failure) Retryable() bool {
	switch f {
	case FailureQuotaExceeded, FailureInternal, FailureUnavailable, FailureNetwork, FailureUnknown:
		return true
	}
	return false
}

// Outcome is FCM's answer to one push.
type Outcome struct {
	Name       string // the FCM message name on success
	Failure    Failure
	Detail     string        // FCM's message, for logs
	RetryAfter time.Duration // asked for by FCM (429/503), 0 if not
}

// Sender sends pushes, many at once (at most MaxBatch per call).
type Sender interface {
	// Send sends the pushes concurrently and calls done with each push's
	// outcome as soon as FCM answers it (done may run on several
	// goroutines at once). Reporting each answer at once, not after the
	// whole batch, keeps the time a push is accepted but not yet recorded
	// (the window in which a crash means sending it again) to a moment.
	// An error means nothing was sent.
	Send(ctx context.Context, pushes []Push, done func(i int, o Outcome)) error
}

// MaxBatch is the most pushes in one SendEach.
const MaxBatch = 500
