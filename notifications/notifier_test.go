package notifications_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/notifications"
	"github.com/satupintu/satupintu/queue"
	"github.com/satupintu/satupintu/store/memory"
)

func TestOnChangeAddsOneNotificationPerAgencyEntry(t *testing.T) {
	e := newEnv(t)
	c := newCase("CASE-1", dewi)
	// One stored change can carry several entries (a poll that caught up).
	e.onChange(c, move(c,
		entry(cases.StatusForwarded, cases.SourceSystem),
		entry(cases.StatusReceived, cases.SourceAgencyWebhook),
		entry(cases.StatusInReview, cases.SourcePoll)))

	page, err := e.inbox.List(e.ctx, dewi, notifications.ListQuery{First: 50})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 3 || page.Unread != 3 {
		t.Fatalf("inbox total %d unread %d, want 3 and 3", page.Total, page.Unread)
	}
	svc, _ := e.cat.Service(skck)
	// Newest first: the history order, reversed.
	want := []struct {
		index  int
		status cases.Status
	}{{3, cases.StatusInReview}, {2, cases.StatusReceived}, {1, cases.StatusForwarded}}
	for i, w := range want {
		n := page.Items[i]
		if n.ID != noteID("CASE-1", w.index) || n.Sequence != int64(w.index) || n.Status != string(w.status) {
			t.Errorf("item %d: id %s sequence %d status %s, want %s %d %s", i, n.ID, n.Sequence, n.Status,
				noteID("CASE-1", w.index), w.index, w.status)
		}
		if n.Citizen != dewi || n.CaseID != "CASE-1" || n.DeepLink != "satupintu://cases/CASE-1" || n.Read() {
			t.Errorf("item %d: %+v", i, n)
		}
		if wantTitle := svc.Name.ID + ": " + w.status.Label().ID; n.Title.ID != wantTitle {
			t.Errorf("item %d: title %q, want %q", i, n.Title.ID, wantTitle)
		}
		if wantTitle := svc.Name.EN + ": " + w.status.Label().EN; n.Title.EN != wantTitle {
			t.Errorf("item %d: title %q, want %q", i, n.Title.EN, wantTitle)
		}
		if !strings.Contains(n.Body.ID, svc.Name.ID) || !strings.Contains(n.Body.ID, "Polri") ||
			!strings.Contains(n.Body.EN, svc.Name.EN) || !strings.Contains(n.Body.EN, "police (Polri)") {
			t.Errorf("item %d: body %+v does not name the service and the agency in both languages", i, n.Body)
		}
		if n.CreatedAt.Before(start) || n.CreatedAt.After(start.Add(time.Second)) {
			t.Errorf("item %d: created %v, want about now (%v)", i, n.CreatedAt, start)
		}
		if i > 0 && !page.Items[i-1].CreatedAt.After(n.CreatedAt) {
			t.Errorf("created %v then %v: not in history order", n.CreatedAt, page.Items[i-1].CreatedAt)
		}
	}
}

// A held agency event skipped when its turn came changed nothing for the
// citizen: no notification, no push.
func TestOnChangeIgnoresASkippedEvent(t *testing.T) {
	e := newEnv(t)
	e.register(dewi, "tok-dewi", "id")
	c := newCase("CASE-1", dewi)
	skipped := entry(cases.StatusSubmitted, cases.SourceAgencyWebhook)
	skipped.Skipped = cases.StatusCompleted
	e.onChange(c, move(c, skipped))
	if page, _ := e.inbox.List(e.ctx, dewi, notifications.ListQuery{}); page.Total != 0 {
		t.Errorf("a skipped event made %d notifications", page.Total)
	}
	if d := e.depth(); d != 0 {
		t.Errorf("push jobs %d, want none", d)
	}
}

// A fee due after approval: the agency's APPROVED and satupintu's move to
// AWAITING_PAYMENT come in one change, the bill (with its billing code) in
// the next. The citizen hears of the approval, then once of the fee due,
// when there is a billing code to pay.
func TestOnChangeTellsOfAFeeDueOnceBilled(t *testing.T) {
	e := newEnv(t)
	e.register(dewi, "tok-dewi", "id")
	c := newCase("CASE-1", dewi)
	approved := entry(cases.StatusApproved, cases.SourceAgencyWebhook)
	awaiting := cases.Entry{At: start, Status: cases.StatusAwaitingPay, Source: cases.SourceSystem}
	e.onChange(c, move(c, approved, awaiting))
	page, _ := e.inbox.List(e.ctx, dewi, notifications.ListQuery{})
	if page.Total != 1 || page.Items[0].Status != string(cases.StatusApproved) {
		t.Fatalf("after the approval: %+v; want the approval alone", page.Items)
	}
	billed := cases.Entry{At: start, Status: cases.StatusAwaitingPay, Source: cases.SourceSystem,
		Message: "Kode billing 820261204000001: bayar Rp120.000 … / Billing code 820261204000001: pay Rp120.000 …"}
	e.onChange(c, move(c, billed))
	n, err := e.inbox.Get(e.ctx, dewi, noteID("CASE-1", 3))
	if err != nil || n.Status != string(cases.StatusAwaitingPay) {
		t.Errorf("the bill's notification: %+v %v", n, err)
	}
	if d := e.depth(); d != 2 {
		t.Errorf("push jobs %d, want 2 (the approval, the fee due)", d)
	}
}

func TestOnChangeIgnoresTheCitizensOwnDoing(t *testing.T) {
	e := newEnv(t)
	e.register(dewi, "tok-dewi", "id")
	c := newCase("CASE-1", dewi)
	e.onChange(c, move(c, entry(cases.StatusCancelled, cases.SourceCitizen)))
	if page, _ := e.inbox.List(e.ctx, dewi, notifications.ListQuery{}); page.Total != 0 {
		t.Errorf("the citizen's own cancellation made %d notifications", page.Total)
	}
	if d := e.depth(); d != 0 {
		t.Errorf("push jobs %d, want none", d)
	}

	// The same status by the system (a case withdrawn for them) is news.
	c2 := newCase("CASE-2", dewi)
	e.onChange(c2, move(c2, entry(cases.StatusCancelled, cases.SourceSystem)))
	n, err := e.inbox.Get(e.ctx, dewi, noteID("CASE-2", 1))
	if err != nil || n.Status != string(cases.StatusCancelled) {
		t.Errorf("system cancellation: %+v %v", n, err)
	}
	if d := e.depth(); d != 1 {
		t.Errorf("push jobs %d, want 1", d)
	}
}

func TestOnChangeEnqueuesOnePushPerRecentDevice(t *testing.T) {
	e := newEnv(t)
	e.register(dewi, "tok-old", "id")
	e.clock.Advance(31 * 24 * time.Hour) // past DeviceMaxAge (30 days)
	e.register(dewi, "tok-phone", "id-ID")
	e.register(dewi, "tok-tablet", "en-US")
	e.register(budi, "tok-budi", "id") // another citizen's

	c := newCase("CASE-1", dewi)
	e.onChange(c, move(c, entry(cases.StatusForwarded, cases.SourceSystem), entry(cases.StatusReceived, cases.SourcePoll)))

	var got []string
	for _, j := range e.claim() {
		got = append(got, j.Key)
		if !j.EnqueuedAt.Equal(e.clock.Now()) || j.Kind != queue.Push {
			t.Errorf("job %s (%s) enqueued at %v, want a push at %v", j.Key, j.Kind, j.EnqueuedAt, e.clock.Now())
		}
	}
	var want []string
	for _, id := range []string{noteID("CASE-1", 1), noteID("CASE-1", 2)} {
		for _, tok := range []string{"tok-phone", "tok-tablet"} {
			want = append(want, jobID(id, tok))
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("push jobs %v, want %v", got, want)
	}
	for _, id := range got {
		if strings.Contains(id, "tok-") {
			t.Errorf("job id %q holds the token", id)
		}
	}
	if _, err := e.devices.Get(e.ctx, "tok-old"); !errors.Is(err, sp.ErrNotFound) {
		t.Errorf("a device unseen for 31 days: %v, want it pruned", err)
	}
	if _, err := e.devices.Get(e.ctx, "tok-budi"); err != nil {
		t.Errorf("another citizen's device: %v", err)
	}
}

func TestOnChangeRedeliveredAddsNothingButRequeuesPushes(t *testing.T) {
	e := newEnv(t)
	e.register(dewi, "tok-phone", "id")
	c := newCase("CASE-1", dewi)
	ch := move(c, entry(cases.StatusForwarded, cases.SourceSystem), entry(cases.StatusReceived, cases.SourcePoll))
	e.onChange(c, ch)
	first, _ := e.inbox.Get(e.ctx, dewi, noteID("CASE-1", 1))

	e.clock.Advance(time.Minute)
	e.onChange(c, ch)
	page, _ := e.inbox.List(e.ctx, dewi, notifications.ListQuery{})
	if page.Total != 2 {
		t.Errorf("inbox total %d after a redelivery, want 2", page.Total)
	}
	if again, _ := e.inbox.Get(e.ctx, dewi, noteID("CASE-1", 1)); !again.CreatedAt.Equal(first.CreatedAt) {
		t.Errorf("redelivery changed the notification: created %v, was %v", again.CreatedAt, first.CreatedAt)
	}
	if d := e.depth(); d != 4 {
		t.Errorf("push jobs %d, want 4 (dedup happens at sending)", d)
	}
}

func TestOnChangeWithoutDevicesFillsTheInboxOnly(t *testing.T) {
	e := newEnv(t)
	c := newCase("CASE-1", dewi)
	e.onChange(c, move(c, entry(cases.StatusForwarded, cases.SourceSystem)))
	if _, err := e.inbox.Get(e.ctx, dewi, noteID("CASE-1", 1)); err != nil {
		t.Errorf("inbox: %v", err)
	}
	if d := e.depth(); d != 0 {
		t.Errorf("push jobs %d, want none", d)
	}
}

func TestOnChangeUnknownServiceIsNamedByItsID(t *testing.T) {
	e := newEnv(t)
	c := newCase("CASE-1", dewi)
	c.ServiceID = "retired-service"
	e.onChange(c, move(c, entry(cases.StatusApproved, cases.SourcePoll)))
	n, err := e.inbox.Get(e.ctx, dewi, noteID("CASE-1", 1))
	if err != nil {
		t.Fatal(err)
	}
	if n.Title.ID != "retired-service: Disetujui" || n.Title.EN != "retired-service: Approved" {
		t.Errorf("title %+v", n.Title)
	}
}

var errStore = errors.New("store down")

type failingInbox struct{ *memory.Inbox }

func (failingInbox) Add(context.Context, notifications.Notification) (bool, error) {
	return false, errStore
}

type failingDevices struct{ *memory.Devices }

func (failingDevices) OfCitizen(context.Context, sp.NIK, time.Time) ([]notifications.Device, error) {
	return nil, errStore
}

type failingQueue struct{ *memory.Queue }

func (failingQueue) Enqueue(context.Context, ...queue.NewJob) error { return errStore }

// Errors go back to the dispatcher, which retries the change.
func TestOnChangeReturnsStoreErrors(t *testing.T) {
	for name, break_ := range map[string]func(*env){
		"inbox":   func(e *env) { e.notifier.Inbox = failingInbox{e.inbox} },
		"devices": func(e *env) { e.notifier.Devices = failingDevices{e.devices} },
		"queue":   func(e *env) { e.notifier.Jobs = failingQueue{e.queue} },
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			e.register(dewi, "tok-phone", "id")
			break_(e)
			c := newCase("CASE-1", dewi)
			err := e.notifier.OnChange(e.ctx, c, move(c, entry(cases.StatusForwarded, cases.SourceSystem)))
			if !errors.Is(err, errStore) {
				t.Errorf("OnChange: %v, want the %s error", err, name)
			}
		})
	}
}

// CursorAfter resumes an inbox listing after the notification it names.
func TestCursorAfterResumesTheList(t *testing.T) {
	e := newEnv(t)
	c := newCase("CASE-1", dewi)
	e.onChange(c, move(c, entry(cases.StatusForwarded, cases.SourceSystem), entry(cases.StatusReceived, cases.SourcePoll),
		entry(cases.StatusInReview, cases.SourcePoll)))
	newest, err := e.inbox.Get(e.ctx, dewi, noteID("CASE-1", 3))
	if err != nil {
		t.Fatal(err)
	}
	page, err := e.inbox.List(e.ctx, dewi, notifications.ListQuery{After: notifications.CursorAfter(newest)})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 2 || page.Items[0].ID != noteID("CASE-1", 2) || page.Items[1].ID != noteID("CASE-1", 1) {
		t.Errorf("after the newest: %+v", page.Items)
	}
}

// receivers is the policy's answer of who else receives a citizen's
// notifications (or its failure).
type receivers struct {
	who map[sp.NIK][]sp.NIK
	err error
}

func (r receivers) Receivers(_ context.Context, subject sp.NIK) ([]sp.NIK, error) {
	return r.who[subject], r.err
}

// A change reaches the citizen and, as a copy in their own inbox and on
// their own devices, whoever the policy lets receive it; a copy's id holds
// no NIK. When the policy cannot answer, the citizen's pushes still go.
func TestOnChangeReachesWhoMayReceiveIt(t *testing.T) {
	e := newEnv(t)
	e.notifier.Receivers = receivers{who: map[sp.NIK][]sp.NIK{dewi: {budi}}}
	e.register(dewi, "tok-dewi", "id")
	e.register(budi, "tok-budi", "en")
	c := newCase("CASE-1", dewi)
	e.onChange(c, move(c, entry(cases.StatusForwarded, cases.SourceSystem)))

	page, err := e.inbox.List(e.ctx, budi, notifications.ListQuery{First: 10})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("Budi's inbox: %+v %v; want one copy", page, err)
	}
	cp := page.Items[0]
	if cp.CaseID != "CASE-1" || cp.Status != string(cases.StatusForwarded) || !strings.HasPrefix(cp.Title.EN, "For someone you act for: ") ||
		strings.Contains(cp.ID, string(budi)) || strings.Contains(cp.ID, string(dewi)) || cp.ID == noteID("CASE-1", 1) {
		t.Errorf("the copy: %+v", cp)
	}
	if _, err := e.inbox.Get(e.ctx, dewi, noteID("CASE-1", 1)); err != nil {
		t.Errorf("Dewi's own: %v", err)
	}
	var keys []string
	for _, j := range e.claim() {
		keys = append(keys, j.Key)
	}
	slices.Sort(keys)
	want := []string{jobID(noteID("CASE-1", 1), "tok-dewi"), jobID(cp.ID, "tok-budi")}
	slices.Sort(want)
	if !slices.Equal(keys, want) {
		t.Errorf("push jobs %v, want %v", keys, want)
	}

	e.notifier.Receivers = receivers{err: errStore}
	c2 := newCase("CASE-2", dewi)
	if err := e.notifier.OnChange(e.ctx, c2, move(c2, entry(cases.StatusForwarded, cases.SourceSystem))); err == nil {
		t.Error("a policy that cannot answer: no error, so no retry")
	}
	if got := e.claim(); len(got) != 1 || got[0].Key != jobID(noteID("CASE-2", 1), "tok-dewi") {
		t.Errorf("push jobs %v; want Dewi's own all the same", got)
	}
}
