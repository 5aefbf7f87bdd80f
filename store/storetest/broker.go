package storetest

import (
	"context"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
)

// NewBroker returns a broker under test with no subscribers.
type NewBroker func(t *testing.T) cases.Broker

// deliveryTimeout bounds the wait for an update that must arrive.
const deliveryTimeout = 5 * time.Second

func update(citizen sp.NIK, caseID string, version int64) cases.Update {
	at := t0.Add(time.Duration(version) * time.Minute)
	return cases.Update{
		CaseID: caseID, Citizen: citizen, Status: cases.StatusInReview, Version: version,
		Entry: cases.Entry{At: at, Status: cases.StatusInReview, Source: cases.SourceAgencyWebhook,
			Message: "Berkas sedang diperiksa", EventID: "evt-1", Sequence: 2},
	}
}

// TestBroker runs the cases.Broker conformance suite.
func TestBroker(t *testing.T, newBroker NewBroker) {
	ctx := context.Background()

	t.Run("OwnCitizenOnly", func(t *testing.T) {
		b := newBroker(t)
		a := mustSubscribe(t, b, citizenA)
		other := mustSubscribe(t, b, citizenB)
		ua, ub := update(citizenA, "case-a", 2), update(citizenB, "case-b", 3)
		mustPublish(t, b, ua)
		mustPublish(t, b, ub)
		wantUpdate(t, a, ua)
		// Published after A's update: had B's subscriber got A's, it would
		// come first.
		wantUpdate(t, other, ub)
		wantNothing(t, a)
		wantNothing(t, other)
	})

	t.Run("OneCaseOnly", func(t *testing.T) {
		b := newBroker(t)
		one := mustSubscribeCase(t, b, citizenA, "case-a")
		all := mustSubscribe(t, b, citizenA)
		other, mine := update(citizenA, "case-b", 2), update(citizenA, "case-a", 3)
		mustPublish(t, b, other)
		mustPublish(t, b, mine)
		wantUpdate(t, all, other)
		wantUpdate(t, all, mine)
		// Published after case-b's: had it come through, it would come first.
		wantUpdate(t, one, mine)
		wantNothing(t, one)
	})

	t.Run("TwoSubscribersOfOneCitizen", func(t *testing.T) {
		b := newBroker(t)
		one := mustSubscribe(t, b, citizenA)
		two := mustSubscribe(t, b, citizenA)
		u := update(citizenA, "case-a", 2)
		mustPublish(t, b, u)
		wantUpdate(t, one, u)
		wantUpdate(t, two, u)
	})

	t.Run("Cancel", func(t *testing.T) {
		b := newBroker(t)
		stays := mustSubscribe(t, b, citizenA)
		ch, cancel, err := b.Subscribe(ctx, citizenA, "")
		if err != nil {
			t.Fatal(err)
		}
		cancel()
		cancel() // twice is harmless
		wantClosed(t, ch)
		u := update(citizenA, "case-a", 2)
		mustPublish(t, b, u)
		wantUpdate(t, stays, u) // the other subscription is untouched
	})

	t.Run("ContextEnds", func(t *testing.T) {
		b := newBroker(t)
		sctx, stop := context.WithCancel(ctx)
		ch, cancel, err := b.Subscribe(sctx, citizenA, "")
		if err != nil {
			t.Fatal(err)
		}
		defer cancel()
		stop()
		wantClosed(t, ch)
		mustPublish(t, b, update(citizenA, "case-a", 2))
	})

	t.Run("ResubscribeAfterLastLeft", func(t *testing.T) {
		b := newBroker(t)
		_, cancel, err := b.Subscribe(ctx, citizenA, "")
		if err != nil {
			t.Fatal(err)
		}
		cancel()
		again := mustSubscribe(t, b, citizenA)
		u := update(citizenA, "case-a", 2)
		mustPublish(t, b, u)
		wantUpdate(t, again, u)
	})

	t.Run("PublishWithoutSubscribers", func(t *testing.T) {
		b := newBroker(t)
		mustPublish(t, b, update(citizenA, "case-a", 2))
	})

	t.Run("SlowSubscriberDoesNotBlock", func(t *testing.T) {
		b := newBroker(t)
		mustSubscribe(t, b, citizenA) // never read: its buffer fills
		reader := mustSubscribe(t, b, citizenA)
		// Well past any buffer, each update still reaches the reader.
		for i := range 100 {
			u := update(citizenA, "case-a", int64(i+1))
			mustPublish(t, b, u)
			wantUpdate(t, reader, u)
		}
	})
}

func mustSubscribe(t *testing.T, b cases.Broker, citizen sp.NIK) <-chan *cases.Update {
	t.Helper()
	return mustSubscribeCase(t, b, citizen, "")
}

func mustSubscribeCase(t *testing.T, b cases.Broker, citizen sp.NIK, caseID string) <-chan *cases.Update {
	t.Helper()
	ch, cancel, err := b.Subscribe(context.Background(), citizen, caseID)
	if err != nil {
		t.Fatalf("Subscribe: %v", err)
	}
	t.Cleanup(cancel)
	return ch
}

func mustPublish(t *testing.T, b cases.Broker, u cases.Update) {
	t.Helper()
	if err := b.Publish(context.Background(), u); err != nil {
		t.Fatalf("Publish: %v", err)
	}
}

// wantUpdate waits for the next update and wants it equal to want.
func wantUpdate(t *testing.T, ch <-chan *cases.Update, want cases.Update) {
	t.Helper()
	select {
	case got, ok := <-ch:
		if !ok {
			t.Fatalf("channel closed; want update %s v%d", want.CaseID, want.Version)
		}
		if got.CaseID != want.CaseID || got.Citizen != want.Citizen || got.Status != want.Status ||
			got.Version != want.Version || !got.Entry.At.Equal(want.Entry.At) || got.Entry.Message != want.Entry.Message ||
			got.Entry.EventID != want.Entry.EventID || got.Entry.Sequence != want.Entry.Sequence || got.Entry.Source != want.Entry.Source {
			t.Fatalf("got update %+v; want %+v", got, want)
		}
	case <-time.After(deliveryTimeout):
		t.Fatalf("no update within %v; want %s v%d", deliveryTimeout, want.CaseID, want.Version)
	}
}

// wantNothing checks that nothing more is waiting. Updates published before
// one that arrived have arrived too, so there is nothing to wait for.
func wantNothing(t *testing.T, ch <-chan *cases.Update) {
	t.Helper()
	select {
	case u := <-ch:
		t.Fatalf("unexpected update %+v", u)
	default:
	}
}

func wantClosed(t *testing.T, ch <-chan *cases.Update) {
	t.Helper()
	deadline := time.After(deliveryTimeout)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("channel still open after cancel")
		}
	}
}
