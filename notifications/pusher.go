package notifications

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/backoff"
	"github.com/satupintu/satupintu/queue"
)

// Pusher runs push jobs, one notification to one device each, through
// FCM, following push.md's policy:
//   - success: recorded with the FCM message name;
//   - UNREGISTERED, a token-caused INVALID_ARGUMENT, SENDER_ID_MISMATCH:
//     the token is deleted and never tried again;
//   - an INVALID_ARGUMENT caused by the message: recorded as failed and
//     parked (a bug to fix, not to retry);
//   - QUOTA_EXCEEDED, INTERNAL, UNAVAILABLE, network: retried with
//     exponential backoff and jitter, honouring Retry-After, up to
//     MaxAttempts, then recorded as failed and parked.
//
// Each push is recorded before it is sent and checked before sending: a
// push job run twice never pushes a notification to a device twice, and a
// token that moved to another citizen is never sent a case that is not
// theirs.
//
// A job is one push, one FCM request (FCM's HTTP v1 API takes one message
// per request anyway); throughput comes from the worker's concurrency. The
// cost of a job per push is the queue's bookkeeping per push (a row per
// push with PostgreSQL), against which the Deliveries record makes
// exactly-once per device simple.
type Pusher struct {
	Devices     Devices
	Inbox       Inbox
	Deliveries  Deliveries
	Sender      Sender
	TTL         time.Duration // how long FCM keeps a push for an offline device
	MaxAttempts int           // attempts of a push before it is recorded as failed
	// SendLease is how long a claim to send holds before another worker
	// may take it over (its worker died mid-send). It must outlast one
	// FCM request (its timeout).
	SendLease   time.Duration
	BackoffBase time.Duration // first wait before a retry (exponential, full jitter)
	BackoffMax  time.Duration // longest wait before a retry
	Metrics     *Metrics
	Now         func() time.Time
	Log         *slog.Logger
}

// Validate reports every missing dependency or setting of p at once: a
// Pusher takes its settings from configuration and has no defaults of its
// own. Log, Metrics and Now are optional.
func (p *Pusher) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf("pusher: "+format, a...)) }
	if p.Devices == nil || p.Inbox == nil || p.Deliveries == nil || p.Sender == nil {
		bad("Devices, Inbox, Deliveries and Sender are required")
	}
	if p.TTL <= 0 {
		bad("TTL must be positive, got %s", p.TTL)
	}
	if p.MaxAttempts < 1 {
		bad("MaxAttempts must be at least 1, got %d", p.MaxAttempts)
	}
	if p.SendLease <= 0 {
		bad("SendLease must be positive, got %s", p.SendLease)
	}
	if p.BackoffBase <= 0 || p.BackoffMax < p.BackoffBase {
		bad("BackoffBase must be positive and BackoffMax at least BackoffBase, got %s and %s", p.BackoffBase, p.BackoffMax)
	}
	return errors.Join(errs...)
}

// Handle runs one push job.
func (p *Pusher) Handle(ctx context.Context, j queue.Job) queue.Result {
	pj, err := decodePushJob(j.Payload)
	if err != nil || pj.Token == "" || pj.Notification == "" {
		p.log().ErrorContext(ctx, "push job with a bad payload parked", "job", j.ID)
		return queue.Park("bad payload")
	}
	// Take the right to send, atomically: of two workers running two
	// copies of this job, one sends and the other learns it is done.
	claim, ok, err := p.Deliveries.Claim(ctx, pj.Notification, pj.Token, p.now(), p.SendLease)
	switch {
	case err != nil:
		return p.retry(ctx, j, pj, false, FailureUnknown, 0, "claiming the push: "+err.Error())
	case !ok && !claim.Claimable(claim.HeldUntil):
		return queue.Done() // delivered or failed already: a job run twice
	case !ok:
		// Another worker is sending it now. Look again when its hold
		// lapses: by then it is done, or that worker died.
		return queue.RetryAt(claim.HeldUntil, "held by another worker")
	}
	dev, err := p.Devices.Get(ctx, pj.Token)
	switch {
	case errors.Is(err, sp.ErrNotFound) || (err == nil && dev.Citizen != pj.Citizen):
		// Unregistered, pruned, or now another citizen's phone.
		return p.finish(ctx, j, pj, Delivery{State: DeliveryFailed, Reason: "device no longer registered to the citizen"})
	case err != nil:
		return p.retry(ctx, j, pj, true, FailureUnknown, 0, "reading the device: "+err.Error())
	}
	note, err := p.Inbox.Get(ctx, pj.Citizen, pj.Notification)
	switch {
	case errors.Is(err, sp.ErrNotFound):
		return p.finish(ctx, j, pj, Delivery{State: DeliveryFailed, Reason: "notification deleted by the citizen"})
	case err != nil:
		return p.retry(ctx, j, pj, true, FailureUnknown, 0, "reading the notification: "+err.Error())
	}
	return p.send(ctx, j, pj, p.build(note, dev))
}

// build is the push of a notification to a device, in the device's language.
func (p *Pusher) build(n Notification, d Device) Push {
	lang := d.Locale
	if n.Kind != KindCase {
		// Tied to no case: the app reads its kind and follows the link.
		return Push{
			Token: d.Token, Platform: d.Platform, Title: n.Title.In(lang), Body: n.Body.In(lang),
			Data:        map[string]string{"notificationId": n.ID, "kind": string(n.Kind), "deepLink": n.DeepLink},
			CollapseKey: strings.ToLower(string(n.Kind)) + "-" + n.ID,
			TTL:         p.TTL,
		}
	}
	return Push{
		Token:    d.Token,
		Platform: d.Platform,
		Title:    n.Title.In(lang),
		Body:     n.Body.In(lang),
		Data: map[string]string{
			"notificationId": n.ID,
			"caseId":         n.CaseID,
			"status":         n.Status,
			"sequence":       strconv.FormatInt(n.Sequence, 10),
			"deepLink":       n.DeepLink,
		},
		CollapseKey: "case-" + n.CaseID,
		TTL:         p.TTL,
	}
}

// send hands the push to FCM and settles its outcome the moment FCM
// answers (a crash in between means sending it again).
func (p *Pusher) send(ctx context.Context, j queue.Job, pj pushJob, push Push) queue.Result {
	var (
		mu       sync.Mutex
		answered bool
		res      queue.Result
	)
	began := time.Now()
	err := p.Sender.Send(ctx, []Push{push}, func(i int, o Outcome) {
		mu.Lock()
		defer mu.Unlock()
		if i != 0 || answered {
			return
		}
		answered = true
		res = p.settle(ctx, j, pj, o)
	})
	p.Metrics.sendLatency(time.Since(began))
	mu.Lock()
	defer mu.Unlock()
	if answered {
		return res
	}
	reason := "no answer from the sender"
	if err != nil {
		p.log().WarnContext(ctx, "push not sent; will retry", "job", j.ID, "error", err)
		reason = "send failed: " + err.Error()
	}
	answered = true // a late answer of a broken sender is ignored
	return p.retry(ctx, j, pj, true, FailureUnknown, 0, reason)
}

// settle applies the delivery policy to FCM's answer.
func (p *Pusher) settle(ctx context.Context, j queue.Job, pj pushJob, o Outcome) queue.Result {
	switch {
	case o.Failure == FailureNone:
		p.Metrics.sent()
		return p.finish(ctx, j, pj, Delivery{State: DeliveryDelivered, Name: o.Name, Attempts: j.Attempt})
	case o.Failure.DropsToken():
		p.Metrics.failed(o.Failure)
		if err := p.Devices.Delete(ctx, pj.Token); err != nil {
			return p.retry(ctx, j, pj, true, FailureUnknown, 0, "deleting a dead token: "+err.Error())
		}
		p.log().InfoContext(ctx, "device token deleted", "reason", o.Failure, "token", TokenKey(pj.Token))
		return p.finish(ctx, j, pj, Delivery{State: DeliveryFailed, Reason: string(o.Failure), Attempts: j.Attempt})
	case o.Failure.Retryable():
		return p.retry(ctx, j, pj, true, o.Failure, o.RetryAfter, string(o.Failure)+": "+o.Detail)
	default: // the message itself is wrong: fix the code, do not retry
		p.Metrics.failed(o.Failure)
		p.log().ErrorContext(ctx, "push refused as invalid; parked", "reason", o.Failure, "detail", o.Detail,
			"notification", pj.Notification)
		_ = p.Deliveries.Set(ctx, pj.Notification, pj.Token, Delivery{State: DeliveryFailed, Reason: string(o.Failure), Attempts: j.Attempt, At: p.now()})
		return queue.Park(string(o.Failure) + ": " + o.Detail)
	}
}

// finish records the final outcome; the job is done once it is recorded.
func (p *Pusher) finish(ctx context.Context, j queue.Job, pj pushJob, d Delivery) queue.Result {
	d.At = p.now()
	if err := p.Deliveries.Set(ctx, pj.Notification, pj.Token, d); err != nil {
		return p.retry(ctx, j, pj, true, FailureUnknown, 0, "recording the outcome: "+err.Error())
	}
	return queue.Done()
}

// retry schedules the job again, or gives up after MaxAttempts; f is the
// failure counted when it gives up. held says this worker holds the push's
// claim: it is released, so the retry can go as soon as it is due.
func (p *Pusher) retry(ctx context.Context, j queue.Job, pj pushJob, held bool, f Failure, after time.Duration, reason string) queue.Result {
	if j.Attempt >= p.MaxAttempts {
		p.Metrics.failed(f)
		p.log().WarnContext(ctx, "push given up", "job", j.ID, "attempts", j.Attempt, "reason", reason)
		if pj.Token != "" {
			_ = p.Deliveries.Set(ctx, pj.Notification, pj.Token, Delivery{State: DeliveryFailed, Reason: reason, Attempts: j.Attempt, At: p.now()})
		}
		return queue.Park(reason)
	}
	p.Metrics.retried()
	p.log().InfoContext(ctx, "push will be retried", "job", j.ID, "attempts", j.Attempt, "reason", reason)
	if held {
		_ = p.Deliveries.Set(ctx, pj.Notification, pj.Token, Delivery{State: DeliveryRetrying, Reason: reason, Attempts: j.Attempt, At: p.now()})
	}
	return queue.RetryAt(p.now().Add(backoff.Wait(j.Attempt, p.BackoffBase, p.BackoffMax, after)), reason)
}

func (p *Pusher) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Pusher) log() *slog.Logger {
	if p.Log != nil {
		return p.Log
	}
	return slog.New(slog.DiscardHandler)
}
