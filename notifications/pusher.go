package notifications

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/backoff"
	"github.com/satupintu/satupintu/queue"
)

// Pusher delivers push jobs through FCM, following push.md's policy:
//   - success: recorded with the FCM message name;
//   - UNREGISTERED, a token-caused INVALID_ARGUMENT, SENDER_ID_MISMATCH:
//     the token is deleted and never tried again;
//   - an INVALID_ARGUMENT caused by the message: recorded as failed and
//     dead-lettered (a bug to fix, not to retry);
//   - QUOTA_EXCEEDED, INTERNAL, UNAVAILABLE, network: retried with
//     exponential backoff and jitter, honouring Retry-After, up to
//     MaxAttempts, then recorded as failed and dead-lettered.
//
// Each push is recorded before it is sent and checked before sending: a
// redelivered job never pushes a notification to a device twice, and a
// token that moved to another citizen is never sent a case that is not
// theirs.
type Pusher struct {
	Queue       queue.Queue
	Devices     Devices
	Inbox       Inbox
	Deliveries  Deliveries
	Sender      Sender
	TTL         time.Duration // how long FCM keeps a push for an offline device
	MaxAttempts int           // attempts of a push before it is recorded as failed
	// SendLease is how long a claim to send holds before another worker
	// may take it over (its worker died mid-send). It must outlast the
	// sending of one wave (the FCM request timeout).
	SendLease time.Duration
	// Wave is how many pushes are claimed and sent together (the sender's
	// concurrency), at most MaxBatch.
	Wave        int
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
	if p.Queue == nil || p.Devices == nil || p.Inbox == nil || p.Deliveries == nil || p.Sender == nil {
		bad("Queue, Devices, Inbox, Deliveries and Sender are required")
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
	if p.Wave < 1 || p.Wave > MaxBatch {
		bad("Wave must be from 1 to %d, got %d", MaxBatch, p.Wave)
	}
	if p.BackoffBase <= 0 || p.BackoffMax < p.BackoffBase {
		bad("BackoffBase must be positive and BackoffMax at least BackoffBase, got %s and %s", p.BackoffBase, p.BackoffMax)
	}
	return errors.Join(errs...)
}

// ready is a push job checked and built, waiting for FCM.
type ready struct {
	job  queue.Job
	p    pushJob
	push Push
}

// HandleBatch sends one claimed batch (up to MaxBatch pushes in one SendEach).
func (p *Pusher) HandleBatch(ctx context.Context, jobs []queue.Job) {
	var todo []queue.Job
	inBatch := map[string]bool{}
	for _, j := range jobs {
		// A redelivered change enqueues its push jobs again (same job ID):
		// a copy in the same batch is simply done with the first.
		if inBatch[j.ID] {
			_ = p.Queue.Ack(ctx, j)
			continue
		}
		inBatch[j.ID] = true
		todo = append(todo, j)
	}
	// Claimed a wave at a time, just before the wave is sent: a claim must
	// not lapse (SendLease) while its push still waits for its turn.
	for len(todo) > 0 {
		n := min(len(todo), p.Wave)
		var wave []ready
		for _, j := range todo[:n] {
			if r, ok := p.prepare(ctx, j); ok {
				wave = append(wave, r)
			}
		}
		if len(wave) > 0 {
			p.send(ctx, wave)
		}
		todo = todo[n:]
	}
}

// prepare checks a job and records the push as sending; false when there
// is nothing to send (already delivered, device gone, bad job).
func (p *Pusher) prepare(ctx context.Context, j queue.Job) (ready, bool) {
	var pj pushJob
	if err := json.Unmarshal(j.Payload, &pj); err != nil || pj.Token == "" || pj.Notification == "" {
		p.log().ErrorContext(ctx, "push job with a bad payload dead-lettered", "job", j.ID)
		_ = p.Queue.Bury(ctx, j, "bad payload")
		return ready{}, false
	}
	// Take the right to send, atomically: of two workers holding two
	// copies of this job, one sends and the other learns it is done.
	claim, ok, err := p.Deliveries.Claim(ctx, pj.Notification, pj.Token, p.now(), p.SendLease)
	switch {
	case err != nil:
		p.retry(ctx, j, pj, false, FailureUnknown, 0, "claiming the push: "+err.Error())
		return ready{}, false
	case !ok && !claim.Claimable(claim.HeldUntil):
		_ = p.Queue.Ack(ctx, j) // delivered or failed already: a redelivered job
		return ready{}, false
	case !ok:
		// Another worker is sending it now. Look again when its hold
		// lapses: by then it is done, or that worker died.
		_ = p.Queue.Retry(ctx, j, claim.HeldUntil, "held by another worker")
		return ready{}, false
	}
	dev, err := p.Devices.Get(ctx, pj.Token)
	switch {
	case errors.Is(err, sp.ErrNotFound) || (err == nil && dev.Citizen != pj.Citizen):
		// Unregistered, pruned, or now another citizen's phone.
		p.finish(ctx, j, pj, Delivery{State: DeliveryFailed, Reason: "device no longer registered to the citizen"})
		return ready{}, false
	case err != nil:
		p.retry(ctx, j, pj, true, FailureUnknown, 0, "reading the device: "+err.Error())
		return ready{}, false
	}
	note, err := p.Inbox.Get(ctx, pj.Citizen, pj.Notification)
	switch {
	case errors.Is(err, sp.ErrNotFound):
		p.finish(ctx, j, pj, Delivery{State: DeliveryFailed, Reason: "notification deleted by the citizen"})
		return ready{}, false
	case err != nil:
		p.retry(ctx, j, pj, true, FailureUnknown, 0, "reading the notification: "+err.Error())
		return ready{}, false
	}
	return ready{job: j, p: pj, push: p.build(note, dev)}, true
}

// build is the push of a notification to a device, in the device's language.
func (p *Pusher) build(n Notification, d Device) Push {
	lang := d.Locale
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

func (p *Pusher) send(ctx context.Context, batch []ready) {
	pushes := make([]Push, len(batch))
	for i, r := range batch {
		pushes[i] = r.push
	}
	var (
		mu       sync.Mutex
		answered = make([]bool, len(batch))
	)
	began := time.Now()
	err := p.Sender.Send(ctx, pushes, func(i int, o Outcome) {
		if i < 0 || i >= len(batch) {
			return
		}
		mu.Lock()
		first := !answered[i]
		answered[i] = true
		mu.Unlock()
		if first {
			p.settle(ctx, batch[i], o) // recorded the moment FCM answers
		}
	})
	p.Metrics.sendLatency(time.Since(began))
	if err != nil {
		p.log().WarnContext(ctx, "push batch not sent; will retry", "pushes", len(batch), "error", err)
	}
	for i, r := range batch {
		if !answered[i] { // the whole call failed, or a broken sender skipped it
			reason := "no answer from the sender"
			if err != nil {
				reason = "batch failed: " + err.Error()
			}
			p.retry(ctx, r.job, r.p, true, FailureUnknown, 0, reason)
		}
	}
}

// settle applies the delivery policy to one outcome.
func (p *Pusher) settle(ctx context.Context, r ready, o Outcome) {
	switch {
	case o.Failure == FailureNone:
		p.Metrics.sent()
		p.finish(ctx, r.job, r.p, Delivery{State: DeliveryDelivered, Name: o.Name, Attempts: r.job.Attempts})
	case o.Failure.DropsToken():
		p.Metrics.failed(o.Failure)
		if err := p.Devices.Delete(ctx, r.p.Token); err != nil {
			p.retry(ctx, r.job, r.p, true, FailureUnknown, 0, "deleting a dead token: "+err.Error())
			return
		}
		p.log().InfoContext(ctx, "device token deleted", "reason", o.Failure, "token", TokenKey(r.p.Token))
		p.finish(ctx, r.job, r.p, Delivery{State: DeliveryFailed, Reason: string(o.Failure), Attempts: r.job.Attempts})
	case o.Failure.Retryable():
		p.retry(ctx, r.job, r.p, true, o.Failure, o.RetryAfter, string(o.Failure)+": "+o.Detail)
	default: // the message itself is wrong: fix the code, do not retry
		p.Metrics.failed(o.Failure)
		p.log().ErrorContext(ctx, "push refused as invalid; dead-lettered", "reason", o.Failure, "detail", o.Detail,
			"notification", r.p.Notification)
		_ = p.Deliveries.Set(ctx, r.p.Notification, r.p.Token, Delivery{State: DeliveryFailed, Reason: string(o.Failure), Attempts: r.job.Attempts, At: p.now()})
		_ = p.Queue.Bury(ctx, r.job, string(o.Failure)+": "+o.Detail)
	}
}

// finish records the final outcome and removes the job.
func (p *Pusher) finish(ctx context.Context, j queue.Job, pj pushJob, d Delivery) {
	d.At = p.now()
	if err := p.Deliveries.Set(ctx, pj.Notification, pj.Token, d); err != nil {
		p.retry(ctx, j, pj, true, FailureUnknown, 0, "recording the outcome: "+err.Error())
		return
	}
	_ = p.Queue.Ack(ctx, j)
}

// retry schedules the job again, or gives up after MaxAttempts; f is the
// failure counted when it gives up.
// held says this worker holds the push's claim: it is released, so the
// retry can go as soon as it is due.
func (p *Pusher) retry(ctx context.Context, j queue.Job, pj pushJob, held bool, f Failure, after time.Duration, reason string) {
	if j.Attempts >= p.MaxAttempts {
		p.Metrics.failed(f)
		p.log().WarnContext(ctx, "push given up", "job", j.ID, "attempts", j.Attempts, "reason", reason)
		if pj.Token != "" {
			_ = p.Deliveries.Set(ctx, pj.Notification, pj.Token, Delivery{State: DeliveryFailed, Reason: reason, Attempts: j.Attempts, At: p.now()})
		}
		_ = p.Queue.Bury(ctx, j, reason)
		return
	}
	p.Metrics.retried()
	p.log().InfoContext(ctx, "push will be retried", "job", j.ID, "attempts", j.Attempts, "reason", reason)
	if held {
		_ = p.Deliveries.Set(ctx, pj.Notification, pj.Token, Delivery{State: DeliveryRetrying, Reason: reason, Attempts: j.Attempts, At: p.now()})
	}
	wait := backoff.Wait(j.Attempts, p.BackoffBase, p.BackoffMax, after)
	if err := p.Queue.Retry(ctx, j, p.now().Add(wait), reason); err != nil {
		p.log().ErrorContext(ctx, "rescheduling a push failed; it will be claimed again", "job", j.ID, "error", err)
	}
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
