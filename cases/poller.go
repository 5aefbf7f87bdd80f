package cases

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/backoff"
	"github.com/satupintu/satupintu/queue"
)

// Poller asks agencies without webhooks for the events of their open
// cases. Each open case of such an agency has a job on the poll queue; the
// poller claims them in batches, asks each agency once per batch, applies
// what is new (source POLL) and reschedules the cases still open. Being a
// queue, the work is shared by every instance and no case is polled twice
// at once.
type Poller struct {
	Service  *Service
	Store    Store
	Queue    queue.Queue
	Agencies map[sp.Agency]Agency
	Every    time.Duration // between two polls of one case
	Now      func() time.Time
	Log      *slog.Logger
}

// Validate reports every missing dependency or setting of p at once: a
// zero interval would poll the agencies in a tight loop. Log and Now are
// optional.
func (p *Poller) Validate() error {
	var errs []error
	if p.Service == nil || p.Store == nil || p.Queue == nil || p.Agencies == nil {
		errs = append(errs, errors.New("poller: Service, Store, Queue and Agencies are required"))
	}
	if p.Every <= 0 {
		errs = append(errs, fmt.Errorf("poller: Every must be positive, got %s", p.Every))
	}
	return errors.Join(errs...)
}

// MaxPollBatch is the most case ids in one poll request (the contract's limit).
const MaxPollBatch = 50

// HandleBatch polls one batch of claimed jobs.
func (p *Poller) HandleBatch(ctx context.Context, jobs []queue.Job) {
	byAgency := map[sp.Agency][]queue.Job{}
	for _, j := range jobs {
		a := sp.Agency(j.Payload)
		byAgency[a] = append(byAgency[a], j)
	}
	for a, js := range byAgency {
		ag, ok := p.Agencies[a]
		if !ok {
			for _, j := range js {
				_ = p.Queue.Bury(ctx, j, "no route to agency "+string(a))
			}
			continue
		}
		// The contract takes at most MaxPollBatch ids per request, whatever
		// batch the worker claimed.
		for chunk := range slices.Chunk(js, MaxPollBatch) {
			p.poll(ctx, a, ag, chunk)
		}
	}
}

// poll asks one agency about one request's worth of cases.
func (p *Poller) poll(ctx context.Context, a sp.Agency, ag Agency, js []queue.Job) {
	ids := make([]string, len(js))
	for i, j := range js {
		ids[i] = j.ID
	}
	events, err := ag.Poll(sp.WithPurpose(ctx, "poll"), ids)
	if err != nil {
		p.log().WarnContext(ctx, "polling failed; will poll again", "agency", a, "cases", len(ids), "error", err)
		for _, j := range js {
			_ = p.Queue.Retry(ctx, j, p.now().Add(backoff.Wait(j.Attempts, p.Every, 10*p.Every, 0)), err.Error())
		}
		return
	}
	for _, j := range js {
		p.apply(ctx, a, j, events[j.ID])
	}
}

func (p *Poller) apply(ctx context.Context, a sp.Agency, j queue.Job, events []Event) {
	var c *Case
	for _, e := range events {
		e.Source = SourcePoll
		_, cur, err := p.Service.ApplyEvent(ctx, a, j.ID, e)
		switch {
		case errors.Is(err, sp.ErrNotFound):
			_ = p.Queue.Ack(ctx, j)
			return
		case err != nil:
			p.log().WarnContext(ctx, "polled event not applied", "case", j.ID, "sequence", e.Sequence, "error", err)
		default:
			c = cur
		}
	}
	if c == nil {
		var err error
		if c, err = p.Store.Get(ctx, j.ID); err != nil {
			if errors.Is(err, sp.ErrNotFound) {
				_ = p.Queue.Ack(ctx, j)
				return
			}
			_ = p.Queue.Retry(ctx, j, p.now().Add(p.Every), err.Error())
			return
		}
	}
	if !c.Status.Open() {
		_ = p.Queue.Ack(ctx, j)
		return
	}
	_ = p.Queue.Retry(ctx, j, p.now().Add(p.Every), "")
}

func (p *Poller) log() *slog.Logger { return orDiscard(p.Log) }

func (p *Poller) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}
