package cases

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/backoff"
	"github.com/satupintu/satupintu/queue"
)

// Poller asks agencies without webhooks for the events of their open
// cases. Each polled agency has one sweep job (unique by agency): it lists
// the agency's open cases, asks the agency about them MaxPollBatch at a
// time, applies what is new (source POLL), and comes back after Every.
// Being a job, a sweep runs on one instance at a time, and one case is
// never polled twice at once.
type Poller struct {
	Service  *Service
	Store    Store
	Agencies map[sp.Agency]Agency
	Polled   map[sp.Agency]bool // the agencies without webhooks
	Every    time.Duration      // between two sweeps of an agency
	Now      func() time.Time
	Log      *slog.Logger
}

// Validate reports every missing dependency or setting of p at once: a
// zero interval would poll the agencies in a tight loop. Log and Now are
// optional.
func (p *Poller) Validate() error {
	var errs []error
	if p.Service == nil || p.Store == nil || p.Agencies == nil {
		errs = append(errs, errors.New("poller: Service, Store and Agencies are required"))
	}
	for a, polled := range p.Polled {
		if _, ok := p.Agencies[a]; polled && !ok {
			errs = append(errs, fmt.Errorf("poller: %s is polled but has no case API", a))
		}
	}
	if p.Every <= 0 {
		errs = append(errs, fmt.Errorf("poller: Every must be positive, got %s", p.Every))
	}
	return errors.Join(errs...)
}

// MaxPollBatch is the most case ids in one poll request (the contract's limit).
const MaxPollBatch = 50

// Sweeps are the jobs that keep the polled agencies polled, one each. They
// are unique: every instance enqueues them when its workers start, and
// one sweep per agency runs.
func (p *Poller) Sweeps() []queue.NewJob {
	var jobs []queue.NewJob
	for _, a := range sp.Agencies {
		if p.Polled[a] {
			jobs = append(jobs, queue.NewJob{Kind: queue.Poll, Key: string(a), Unique: true})
		}
	}
	return jobs
}

// Handle runs one sweep of the agency the job names.
func (p *Poller) Handle(ctx context.Context, j queue.Job) queue.Result {
	a := sp.Agency(j.Key)
	ag, ok := p.Agencies[a]
	if !ok {
		p.log().ErrorContext(ctx, "poll sweep of an agency without a case API parked", "agency", j.Key)
		return queue.Park("no route to agency " + j.Key)
	}
	if !p.Polled[a] {
		p.log().InfoContext(ctx, "agency no longer polled: its sweep ends", "agency", a)
		return queue.Done()
	}
	requests, failed := 0, 0
	var lastErr error
	for after := ""; ; {
		ids, next, err := p.Store.OpenCases(ctx, a, after, MaxPollBatch)
		if err != nil {
			requests, failed, lastErr = requests+1, failed+1, fmt.Errorf("listing open cases: %w", err)
			break
		}
		if len(ids) > 0 {
			requests++
			if err := p.poll(ctx, a, ag, ids); err != nil {
				failed, lastErr = failed+1, err
			}
		}
		if next == "" {
			break
		}
		after = next
	}
	now := p.now()
	if failed > 0 && failed == requests {
		// Nothing got through: the agency (or the store) is down. Come back
		// later and later, up to ten intervals.
		wait := backoff.Wait(j.Attempt, p.Every, 10*p.Every, 0)
		p.log().WarnContext(ctx, "polling failed; will poll again", "agency", a, "requests", requests,
			"retry_in", wait.String(), "error", lastErr)
		return queue.RetryAt(now.Add(wait), lastErr.Error())
	}
	return queue.Snooze(now.Add(p.Every))
}

// poll asks one agency about one request's worth of cases and applies
// what it reports.
func (p *Poller) poll(ctx context.Context, a sp.Agency, ag Agency, ids []string) error {
	events, err := ag.Poll(sp.WithPurpose(ctx, "poll"), ids)
	if err != nil {
		p.log().WarnContext(ctx, "a poll request failed", "agency", a, "cases", len(ids), "error", err)
		return err
	}
	for _, id := range ids {
		p.apply(ctx, a, id, events[id])
	}
	return nil
}

func (p *Poller) apply(ctx context.Context, a sp.Agency, id string, events []Event) {
	for _, e := range events {
		e.Source = SourcePoll
		_, _, err := p.Service.ApplyEvent(ctx, a, id, e)
		switch {
		case errors.Is(err, sp.ErrNotFound):
			return
		case err != nil:
			p.log().WarnContext(ctx, "polled event not applied", "case", id, "sequence", e.Sequence, "error", err)
		}
	}
}

func (p *Poller) log() *slog.Logger { return orDiscard(p.Log) }

func (p *Poller) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}
