package privacy_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/privacy"
)

// writes records each batch written; write holds every write until
// release is closed.
type writes struct {
	mu      sync.Mutex
	batches [][]privacy.Entry
	release chan struct{}
	fail    error
}

func (w *writes) WriteBatch(ctx context.Context, entries []privacy.Entry) error {
	if w.release != nil {
		<-w.release
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fail != nil {
		return w.fail
	}
	w.batches = append(w.batches, entries)
	return nil
}

func read(id string, at time.Time) privacy.Entry {
	return privacy.Entry{ID: id, At: at, Subject: "3174015708900001", Actor: privacy.Actor{Kind: privacy.ActorCitizen},
		Agency: sp.AgencyPolice, Categories: []privacy.Category{privacy.CategoryPolice}, Purpose: "graphql:home",
		LegalBasis: privacy.BasisPublicTask}
}

// Group commit: the entries of requests arriving together go in one
// write, each Record returns only once its write is done, and a request's
// entries are never split.
func TestBatcherGroupsAndWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := &writes{release: make(chan struct{})}
		b := privacy.NewBatcher(w, privacy.BatchOptions{Linger: time.Millisecond, Writers: 1})
		defer b.Close()
		t0 := time.Now()
		var done sync.WaitGroup
		returned := make(chan int, 30)
		for i := range 30 {
			done.Go(func() {
				if err := b.Record(context.Background(), read(fmt.Sprintf("r%d-a", i), t0), read(fmt.Sprintf("r%d-b", i), t0)); err != nil {
					t.Error(err)
				}
				returned <- i
			})
		}
		synctest.Wait() // the first write is held; the rest wait for it
		if len(returned) != 0 {
			t.Fatal("a Record returned before its write")
		}
		close(w.release)
		done.Wait()
		n := 0
		for _, batch := range w.batches {
			n += len(batch)
			for i := 0; i < len(batch); i += 2 {
				if batch[i].ID[:len(batch[i].ID)-2] != batch[i+1].ID[:len(batch[i+1].ID)-2] {
					t.Errorf("a request's entries were split: %s, %s", batch[i].ID, batch[i+1].ID)
				}
			}
		}
		if n != 60 || len(w.batches) > 3 {
			t.Errorf("%d entries in %d writes; want 60 in few (grouped)", n, len(w.batches))
		}
	})
}

// A failed write fails every Record in it; an invalid entry fails its own
// Record only; Close writes what was handed in, then refuses more.
func TestBatcherFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := &writes{fail: errors.New("disk full")}
		b := privacy.NewBatcher(w, privacy.BatchOptions{})
		t0 := time.Now()
		if err := b.Record(context.Background(), read("a", t0)); err == nil || !errors.Is(err, w.fail) {
			t.Errorf("Record over a failing write: %v", err)
		}
		bad := read("b", t0)
		bad.Purpose = ""
		if err := b.Record(context.Background(), bad); !errors.Is(err, privacy.ErrInvalidEntry) {
			t.Errorf("an invalid entry: %v", err)
		}
		w.fail = nil
		if err := b.Record(context.Background(), read("c", t0)); err != nil {
			t.Fatal(err)
		}
		b.Close()
		if err := b.Record(context.Background(), read("d", t0)); !errors.Is(err, privacy.ErrClosed) {
			t.Errorf("Record after Close: %v", err)
		}
		if len(w.batches) != 1 || w.batches[0][0].ID != "c" {
			t.Errorf("written: %v; want c alone", w.batches)
		}
	})
}
