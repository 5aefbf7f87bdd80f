package notifications_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/cases/catalog"
	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/notifications"
	"github.com/satupintu/satupintu/queue"
	"github.com/satupintu/satupintu/queue/lease"
	"github.com/satupintu/satupintu/store/memory"
)

const (
	dewi sp.NIK = "3174015506900002"
	budi sp.NIK = "3273010101850001"
	skck        = "skck-application" // a police service
	maxQ        = 10000              // claim everything due
)

var start = time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)

// fakeSender is the FCM boundary: it answers each push by its token from a
// script, and records every SendEach call.
type fakeSender struct {
	mu sync.Mutex
	// answer gives the outcome for a token; nil or a missing answer is a
	// success named after the token.
	answer func(token string, call int) notifications.Outcome
	// batchErrors fail the next Send calls whole.
	batchErrors int
	// silent is a token whose outcome is never reported (a broken sender).
	silent string
	calls  [][]notifications.Push
}

func (f *fakeSender) Send(ctx context.Context, pushes []notifications.Push, done func(int, notifications.Outcome)) error {
	out, err := f.sendEach(ctx, pushes)
	if err != nil {
		return err
	}
	for i, o := range out {
		if f.silent == "" || pushes[i].Token != f.silent {
			done(i, o)
		}
	}
	return nil
}

func (f *fakeSender) sendEach(_ context.Context, pushes []notifications.Push) ([]notifications.Outcome, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, append([]notifications.Push(nil), pushes...))
	if f.batchErrors > 0 {
		f.batchErrors--
		return nil, errors.New("fcm: connection reset")
	}
	out := make([]notifications.Outcome, len(pushes))
	for i, p := range pushes {
		if f.answer != nil {
			out[i] = f.answer(p.Token, len(f.calls))
		}
		if out[i].Failure == notifications.FailureNone && out[i].Name == "" {
			out[i].Name = "projects/satupintu-test/messages/" + p.Token
		}
	}
	return out, nil
}

// sent lists every push handed to the sender, in order.
func (f *fakeSender) sent() []notifications.Push {
	f.mu.Lock()
	defer f.mu.Unlock()
	var all []notifications.Push
	for _, c := range f.calls {
		all = append(all, c...)
	}
	return all
}

func (f *fakeSender) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

// failWith answers every push of the tokens with o, others succeed.
func failWith(o notifications.Outcome, tokens ...string) func(string, int) notifications.Outcome {
	return func(token string, _ int) notifications.Outcome {
		for _, t := range tokens {
			if t == token {
				return o
			}
		}
		return notifications.Outcome{}
	}
}

// env is the notifications package wired to the real memory engines and
// the real catalog, on a test clock.
type env struct {
	t          *testing.T
	ctx        context.Context
	clock      *testkit.Clock
	cat        *catalog.Catalog
	devices    *memory.Devices
	inbox      *memory.Inbox
	deliveries *memory.Deliveries
	queue      *memory.Queue
	sender     *fakeSender
	notifier   *notifications.Notifier
	pusher     *notifications.Pusher
}

func newEnv(t *testing.T) *env {
	t.Helper()
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, ctx: context.Background(), clock: testkit.NewClock(start), cat: cat,
		devices: memory.NewDevices(), inbox: memory.NewInbox(), sender: &fakeSender{}}
	e.deliveries = memory.NewDeliveries(memory.WithNow(e.clock.Now))
	e.queue = memory.NewQueue(time.Minute, e.clock.Now)
	e.notifier = &notifications.Notifier{Inbox: e.inbox, Devices: e.devices, Jobs: e.queue, Catalog: cat,
		DeviceMaxAge: 30 * 24 * time.Hour, Now: e.clock.Now}
	// Log left nil on purpose: the Pusher must not need one.
	e.pusher = &notifications.Pusher{Devices: e.devices, Inbox: e.inbox, Deliveries: e.deliveries,
		Sender: e.sender, TTL: 72 * time.Hour, MaxAttempts: 4, SendLease: time.Minute,
		BackoffBase: time.Second, BackoffMax: 8 * time.Second, Now: e.clock.Now}
	return e
}

// register stores a device for the citizen, seen now.
func (e *env) register(citizen sp.NIK, token, locale string) notifications.Device {
	e.t.Helper()
	d, errs, err := notifications.Register(e.ctx, e.devices, citizen,
		notifications.Registration{Token: token, Locale: locale, AppVersion: "3.2.1", Platform: notifications.PlatformAndroid}, e.clock.Now())
	if err != nil || len(errs) > 0 {
		e.t.Fatalf("register %s: %v %+v", token, err, errs)
	}
	return d
}

// newCase is a police case of the citizen, submitted by them.
func newCase(id string, citizen sp.NIK) *cases.Case {
	return &cases.Case{ID: id, Citizen: citizen, ServiceID: skck, Agency: sp.AgencyPolice, Status: cases.StatusSubmitted,
		History: []cases.Entry{{At: start, Status: cases.StatusSubmitted, Source: cases.SourceCitizen}}}
}

// move appends entries to the case history and returns the change.
func move(c *cases.Case, entries ...cases.Entry) cases.Change {
	from := len(c.History)
	c.History = append(c.History, entries...)
	c.Status = entries[len(entries)-1].Status
	c.Version++
	return cases.Change{From: from, Entries: c.History[from:], Version: c.Version}
}

func entry(st cases.Status, src cases.Source) cases.Entry {
	return cases.Entry{At: start, Status: st, Source: src, Message: "agency note: SECRET-DETAIL-42"}
}

func (e *env) onChange(c *cases.Case, ch cases.Change) {
	e.t.Helper()
	if err := e.notifier.OnChange(e.ctx, c, ch); err != nil {
		e.t.Fatalf("OnChange: %v", err)
	}
}

// claim claims every due push job.
func (e *env) claim() []lease.Claim {
	e.t.Helper()
	claims, err := e.queue.Claim(e.ctx, queue.Push, "test", maxQ)
	if err != nil {
		e.t.Fatal(err)
	}
	return claims
}

// handle runs the claimed push jobs one after the other and settles each,
// as a runner does.
func (e *env) handle(claims []lease.Claim) {
	e.t.Helper()
	for _, c := range claims {
		if err := e.queue.Settle(e.ctx, c, e.pusher.Handle(e.ctx, c.Job)); err != nil {
			e.t.Fatal(err)
		}
	}
}

// work claims every due push job and runs them; it returns how many were
// claimed.
func (e *env) work() int {
	e.t.Helper()
	claims := e.claim()
	e.handle(claims)
	return len(claims)
}

func (e *env) depth() int64 {
	e.t.Helper()
	n, err := e.queue.Depth(e.ctx, queue.Push)
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// buried lists the parked push jobs.
func (e *env) buried() []queue.Job {
	e.t.Helper()
	jobs, err := e.queue.Parked(e.ctx, queue.Push, 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	return jobs
}

// delivery returns the record of a push, failing the test when there is none.
func (e *env) delivery(notificationID, token string) notifications.Delivery {
	e.t.Helper()
	d, ok, err := e.deliveries.Get(e.ctx, notificationID, token)
	if err != nil || !ok {
		e.t.Fatalf("delivery %s to %s: ok %v, %v", notificationID, token, ok, err)
	}
	return d
}

// jobID is the key the Notifier gives the push of a notification to a token.
func jobID(notificationID, token string) string {
	return notificationID + ":" + notifications.TokenKey(token)
}

// payload is a push job payload as the Notifier writes it.
func payload(notificationID string, citizen sp.NIK, token string) []byte {
	b, err := json.Marshal(map[string]string{"n": notificationID, "c": string(citizen), "t": token})
	if err != nil {
		panic(err)
	}
	return b
}

func noteID(caseID string, index int) string { return fmt.Sprintf("%s-%d", caseID, index) }
