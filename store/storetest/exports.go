package storetest

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/privacy"
)

// NewExports returns an empty export store under test.
type NewExports func(t *testing.T) privacy.Exports

// TestExports runs the privacy.Exports conformance suite.
func TestExports(t *testing.T, newStore NewExports) {
	ctx := context.Background()
	doc := []byte(`{"format":"satupintu-data-export"}`)

	t.Run("Lifecycle", func(t *testing.T) {
		s := newStore(t)
		if err := s.Create(ctx, privacy.Export{ID: "x1", Subject: citizenA, RequestedAt: t0}); err != nil {
			t.Fatal(err)
		}
		if err := s.Create(ctx, privacy.Export{ID: "x2", Subject: citizenB, RequestedAt: t0}); err != nil {
			t.Fatal(err)
		}
		e, err := s.Find(ctx, "x1")
		if err != nil || e.Subject != citizenA || !e.RequestedAt.Equal(t0) || e.Status(t0) != privacy.ExportPreparing || e.Token != "" {
			t.Fatalf("Find = %+v, %v; want A's export, preparing", e, err)
		}
		if _, err := s.Find(ctx, "nope"); !errors.Is(err, sp.ErrNotFound) {
			t.Errorf("Find of an unknown id: %v", err)
		}
		ready, expires := t0.Add(time.Minute), t0.Add(time.Minute+privacy.ExportValidFor)
		token := privacy.NewToken()
		if err := s.Complete(ctx, "x1", doc, token, ready, expires); err != nil {
			t.Fatal(err)
		}
		// A job run twice changes nothing.
		if err := s.Complete(ctx, "x1", []byte("other"), privacy.NewToken(), ready.Add(time.Hour), expires.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		list, err := s.List(ctx, citizenA)
		if err != nil || len(list) != 1 || list[0].Token != token || !list[0].ReadyAt.Equal(ready) || !list[0].ExpiresAt.Equal(expires) ||
			list[0].Status(ready) != privacy.ExportReady {
			t.Fatalf("List = %+v, %v; want x1 ready with its token", list, err)
		}
		if b, _ := s.List(ctx, citizenB); len(b) != 1 || b[0].ID != "x2" {
			t.Errorf("B's exports: %+v", b)
		}
		got, err := s.Take(ctx, token, ready.Add(time.Hour))
		if err != nil || !bytes.Equal(got, doc) {
			t.Fatalf("Take = %q, %v; want the document", got, err)
		}
		if _, err := s.Take(ctx, token, ready.Add(2*time.Hour)); !errors.Is(err, privacy.ErrExportGone) {
			t.Errorf("a second Take: %v; want ErrExportGone", err)
		}
		if _, err := s.Take(ctx, privacy.NewToken(), ready); !errors.Is(err, sp.ErrNotFound) {
			t.Errorf("Take of a token never made: %v; want ErrNotFound", err)
		}
		after, _ := s.Find(ctx, "x1")
		if after.Status(ready.Add(3*time.Hour)) != privacy.ExportDownloaded || after.Token != "" {
			t.Errorf("after the download: %+v; want DOWNLOADED, without its token", after)
		}
	})

	t.Run("Expiry", func(t *testing.T) {
		s := newStore(t)
		_ = s.Create(ctx, privacy.Export{ID: "x1", Subject: citizenA, RequestedAt: t0})
		token := privacy.NewToken()
		expires := t0.Add(privacy.ExportValidFor)
		_ = s.Complete(ctx, "x1", doc, token, t0, expires)
		if _, err := s.Take(ctx, token, expires); !errors.Is(err, privacy.ErrExportGone) {
			t.Errorf("Take at the expiry: %v; want ErrExportGone", err)
		}
		_ = s.Create(ctx, privacy.Export{ID: "x2", Subject: citizenA, RequestedAt: t0.Add(time.Hour)}) // never ready
		_ = s.Create(ctx, privacy.Export{ID: "x3", Subject: citizenA, RequestedAt: expires})
		n, err := s.PurgeExpiredBefore(ctx, expires.Add(2*time.Hour))
		if err != nil || n != 2 {
			t.Errorf("purge: %d, %v; want the expired and the one never ready a day on", n, err)
		}
		if list, _ := s.List(ctx, citizenA); len(list) != 1 || list[0].ID != "x3" {
			t.Errorf("left: %+v; want x3", list)
		}
	})

	t.Run("TakeOnceUnderRace", func(t *testing.T) {
		s := newStore(t)
		_ = s.Create(ctx, privacy.Export{ID: "x1", Subject: citizenA, RequestedAt: t0})
		token := privacy.NewToken()
		_ = s.Complete(ctx, "x1", doc, token, t0, t0.Add(privacy.ExportValidFor))
		var wg sync.WaitGroup
		var mu sync.Mutex
		got := 0
		for range 8 {
			wg.Go(func() {
				if _, err := s.Take(ctx, token, t0.Add(time.Minute)); err == nil {
					mu.Lock()
					got++
					mu.Unlock()
				} else if !errors.Is(err, privacy.ErrExportGone) {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if got != 1 {
			t.Errorf("%d of 8 concurrent downloads got the document; want 1", got)
		}
	})

	t.Run("EraseCitizen", func(t *testing.T) {
		s := newStore(t)
		_ = s.Create(ctx, privacy.Export{ID: "x1", Subject: citizenA, RequestedAt: t0})
		_ = s.Create(ctx, privacy.Export{ID: "x2", Subject: citizenA, RequestedAt: t0})
		_ = s.Create(ctx, privacy.Export{ID: "x3", Subject: citizenB, RequestedAt: t0})
		token := privacy.NewToken()
		_ = s.Complete(ctx, "x1", doc, token, t0, t0.Add(privacy.ExportValidFor))
		if n, err := s.EraseCitizen(ctx, citizenA); err != nil || n != 2 {
			t.Errorf("EraseCitizen = %d, %v; want 2", n, err)
		}
		if _, err := s.Take(ctx, token, t0); !errors.Is(err, sp.ErrNotFound) {
			t.Errorf("Take of an erased export's token: %v; want ErrNotFound", err)
		}
		if b, _ := s.List(ctx, citizenB); len(b) != 1 {
			t.Errorf("B's export was erased with A's")
		}
	})
}
