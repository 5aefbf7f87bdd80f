package cases_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/cases/catalog"
	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/policy"
	"github.com/satupintu/satupintu/queue"
	"github.com/satupintu/satupintu/queue/lease"
	"github.com/satupintu/satupintu/store/memory"
)

// Two synthetic citizens (structurally valid NIKs, no real person's).
const (
	dewi sp.NIK = "3174014506900001"
	budi sp.NIK = "3174011203850002"
)

// start is 09:00 WIB on a Monday; every test's clock begins there.
var start = time.Date(2026, 3, 2, 9, 0, 0, 0, sp.Jakarta)

// visibility is the lease of a claimed job in the test queues.
const visibility = time.Minute

// fakeAgency is the boundary of the case contract: what integrations/caseapi
// does over HTTP, here in memory, with per-test behaviour.
type fakeAgency struct {
	mu        sync.Mutex
	forwards  []string   // case ids, one per Forward call
	cancels   []string   // case ids, one per Cancel call
	polls     [][]string // ids, one slice per Poll call
	forward   func(c *cases.Case) (string, error)
	cancel    func(c *cases.Case) error
	poll      func(ids []string) (map[string][]cases.Event, error)
	maxPolled int // the contract's batch limit, enforced when > 0
}

func (a *fakeAgency) Forward(_ context.Context, c *cases.Case) (string, error) {
	a.mu.Lock()
	a.forwards = append(a.forwards, c.ID)
	f := a.forward
	a.mu.Unlock()
	if f == nil {
		return "REF-" + c.ID, nil
	}
	return f(c)
}

func (a *fakeAgency) Cancel(_ context.Context, c *cases.Case) error {
	a.mu.Lock()
	a.cancels = append(a.cancels, c.ID)
	f := a.cancel
	a.mu.Unlock()
	if f == nil {
		return nil
	}
	return f(c)
}

func (a *fakeAgency) Poll(_ context.Context, ids []string) (map[string][]cases.Event, error) {
	a.mu.Lock()
	a.polls = append(a.polls, slices.Clone(ids))
	f, limit := a.poll, a.maxPolled
	a.mu.Unlock()
	if limit > 0 && len(ids) > limit {
		return nil, fmt.Errorf("poll of %d cases: at most %d", len(ids), limit)
	}
	if f == nil {
		return map[string][]cases.Event{}, nil
	}
	return f(ids)
}

func (a *fakeAgency) forwardCount() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.forwards)
}

func (a *fakeAgency) cancelled() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.cancels)
}

func (a *fakeAgency) pollCalls() [][]string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.polls)
}

// harness wires the real memory engines, the real catalog and the case
// workers on one fake clock, and works the jobs by hand: claim, handle,
// settle. Police takes webhooks; education is polled.
type harness struct {
	t         *testing.T
	ctx       context.Context
	clock     *testkit.Clock
	jobs      *memory.Queue
	store     *memory.CaseStore
	broker    *memory.Broker
	svc       *cases.Service
	police    *fakeAgency
	education *fakeAgency
	fwd       *cases.Forwarder
	disp      *cases.Dispatcher
	poller    *cases.Poller
}

const pollEvery = 30 * time.Second

func newHarness(t *testing.T) *harness {
	t.Helper()
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	clk := testkit.NewClock(start)
	h := &harness{
		t: t, ctx: context.Background(), clock: clk,
		jobs:   memory.NewQueue(visibility, clk.Now),
		broker: memory.NewBroker(),
		police: &fakeAgency{}, education: &fakeAgency{maxPolled: cases.MaxPollBatch},
	}
	h.store = memory.NewCaseStore(h.jobs)
	log := slog.New(slog.DiscardHandler)
	h.svc = cases.NewService(h.store, cat, allowAll{}, clk.Now, log)
	agencies := map[sp.Agency]cases.Agency{sp.AgencyPolice: h.police, sp.AgencyEducation: h.education}
	h.fwd = &cases.Forwarder{
		Store: h.store, Agencies: agencies, Jobs: h.jobs,
		GiveUpAfter: time.Hour, BackoffBase: 10 * time.Second, BackoffMax: time.Minute,
		Now: clk.Now, Log: log,
	}
	h.disp = &cases.Dispatcher{Store: h.store, Broker: h.broker, Jobs: h.jobs, Now: clk.Now, Log: log}
	h.poller = &cases.Poller{Service: h.svc, Store: h.store, Agencies: agencies, Polled: map[sp.Agency]bool{sp.AgencyEducation: true},
		Every: pollEvery, Now: clk.Now, Log: log}
	// As the workers do when they start: the education sweep, due now.
	if err := h.jobs.Enqueue(h.ctx, h.poller.Sweeps()...); err != nil {
		t.Fatal(err)
	}
	return h
}

// allowAll lets every citizen apply for anyone: the harness's citizens are
// not in any civil registry, and these tests are about the case machinery.
// Who may apply is decided by the real policy over the Dukcapil simulator
// in authorize_test.go.
type allowAll struct{}

func (allowAll) May(context.Context, sp.NIK, sp.NIK, policy.Action) (policy.Decision, error) {
	return policy.Decision{Allowed: true}, nil
}

// Sample submissions of the real catalog.
var (
	skckFields   = map[string]string{"purpose": "Melamar pekerjaan", "policeLevel": "POLRES"}
	schoolFields = map[string]string{"childNik": "3174010101150003", "level": "SD", "route": "DOMISILI", "schoolNpsn": "20100001"}
)

// noFacts fails the test if a service without eligibility rules asks for facts.
func noFacts(t *testing.T) cases.FactsFunc {
	return func(context.Context, catalog.Needs) (catalog.Facts, error) {
		t.Error("facts read for a service without eligibility rules")
		return catalog.Facts{}, nil
	}
}

// submit stores a case and fails the test on anything but a new case.
func (h *harness) submit(citizen sp.NIK, service, key string, fields map[string]string) *cases.Case {
	h.t.Helper()
	res, err := h.svc.Submit(h.ctx, cases.Submission{Citizen: citizen, ServiceID: service, IdempotencyKey: key, Fields: fields}, noFacts(h.t))
	if err != nil || !res.Created || len(res.UserErrors) > 0 {
		h.t.Fatalf("submit %s: created %v, user errors %+v, err %v", service, res.Created, res.UserErrors, err)
	}
	return res.Case
}

// claim leases every due job of kind.
func (h *harness) claim(kind queue.Kind) []lease.Claim {
	h.t.Helper()
	claims, err := h.jobs.Claim(h.ctx, kind, "test", 1000)
	if err != nil {
		h.t.Fatal(err)
	}
	return claims
}

// claimOne leases the one due job of kind, failing if there is not exactly one.
func (h *harness) claimOne(kind queue.Kind) lease.Claim {
	h.t.Helper()
	claims := h.claim(kind)
	if len(claims) != 1 {
		h.t.Fatalf("claimed %d %s jobs, want 1: %+v", len(claims), kind, claims)
	}
	return claims[0]
}

// noneDue fails if a job of kind can be claimed now.
func (h *harness) noneDue(kind queue.Kind, why string) {
	h.t.Helper()
	if claims := h.claim(kind); len(claims) > 0 {
		h.t.Fatalf("%s: %d %s jobs due, want none: %+v", why, len(claims), kind, claims)
	}
}

func (h *harness) depth(kind queue.Kind) int64 {
	h.t.Helper()
	n, err := h.jobs.Depth(h.ctx, kind)
	if err != nil {
		h.t.Fatal(err)
	}
	return n
}

// changeJobs claims every due change job.
func (h *harness) changeJobs() []lease.Claim { return h.claim(queue.Change) }

// forwardJob claims the one due forward job.
func (h *harness) forwardJob() lease.Claim { return h.claimOne(queue.Forward) }

// forwardsPending and changesPending count the jobs of their kind pending.
func (h *harness) forwardsPending() int64 { return h.depth(queue.Forward) }
func (h *harness) changesPending() int64  { return h.depth(queue.Change) }

// parked lists the parked jobs of kind.
func (h *harness) parked(kind queue.Kind) []queue.Job {
	h.t.Helper()
	jobs, err := h.jobs.Parked(h.ctx, kind, 100)
	if err != nil {
		h.t.Fatal(err)
	}
	return jobs
}

// enqueue adds jobs.
func (h *harness) enqueue(jobs ...queue.NewJob) {
	h.t.Helper()
	if err := h.jobs.Enqueue(h.ctx, jobs...); err != nil {
		h.t.Fatal(err)
	}
}

// run hands a claimed job to handle and settles the result, as a runner does.
func (h *harness) run(c lease.Claim, handle queue.Handler) {
	h.t.Helper()
	if err := h.jobs.Settle(h.ctx, c, handle(h.ctx, c.Job)); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) get(id string) *cases.Case {
	h.t.Helper()
	c, err := h.store.Get(h.ctx, id)
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

// forward works the one due forward job.
func (h *harness) forward() {
	h.t.Helper()
	h.run(h.claimOne(queue.Forward), h.fwd.Handle)
}

// dispatchAll works every due change job.
func (h *harness) dispatchAll() {
	h.t.Helper()
	for _, c := range h.claim(queue.Change) {
		h.run(c, h.disp.Handle)
	}
}

// poll works the one due poll sweep.
func (h *harness) poll() {
	h.t.Helper()
	h.run(h.claimOne(queue.Poll), h.poller.Handle)
}

// event is an agency event at the harness's present.
func (h *harness) event(seq int, st cases.Status) cases.Event {
	return cases.Event{ID: fmt.Sprintf("evt-%d", seq), Sequence: seq, Status: st, OccurredAt: h.clock.Now(),
		Source: cases.SourceAgencyWebhook}
}

// apply applies a police event that must not fail.
func (h *harness) apply(id string, e cases.Event) (cases.Outcome, *cases.Case) {
	h.t.Helper()
	out, c, err := h.svc.ApplyEvent(h.ctx, sp.AgencyPolice, id, e)
	if err != nil {
		h.t.Fatalf("event %d %s: %v", e.Sequence, e.Status, err)
	}
	return out, c
}

// forwardedSKCK is Dewi's SKCK case, forwarded to the police.
func (h *harness) forwardedSKCK() *cases.Case {
	h.t.Helper()
	c := h.submit(dewi, "skck-application", "dewi-skck-0001", skckFields)
	h.forward()
	if c = h.get(c.ID); c.Status != cases.StatusForwarded {
		h.t.Fatalf("after forwarding: %s", c.Status)
	}
	return c
}

// statuses lists the history's statuses, each with its source.
func statuses(c *cases.Case) []string {
	out := make([]string, len(c.History))
	for i, e := range c.History {
		out[i] = string(e.Status) + "/" + string(e.Source)
	}
	return out
}

func userCodes(errs []catalog.UserError) []string {
	out := make([]string, len(errs))
	for i, e := range errs {
		out[i] = e.Field + ":" + e.Code
	}
	return out
}

var errAgencyDown = errors.New("agency unavailable")
