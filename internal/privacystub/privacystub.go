// Package privacystub is a STAND-IN for the access log and consents
// engines (privacy.Log, privacy.Consents) that the privacy work builds in
// store/memory and store/postgres in parallel with the documents wallet.
//
// REPLACE AT MERGE: wire the real engines (the Stores' access log and
// consents) where cmd/satupintu uses this package, point the tests at the
// memory engine, and delete this package. It keeps everything in memory,
// in one process, and nothing more.
package privacystub

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/privacy"
)

// Log is an in-memory privacy.Log: entries by id, a resend adds nothing.
type Log struct {
	mu      sync.Mutex
	entries []privacy.Entry
	ids     map[string]bool
	// Fail, when set, is returned by Record (a log that cannot be written).
	Fail error
}

var _ privacy.Log = (*Log)(nil)

// Record keeps the entries.
func (l *Log) Record(ctx context.Context, entries ...privacy.Entry) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.Fail != nil {
		return l.Fail
	}
	if l.ids == nil {
		l.ids = map[string]bool{}
	}
	for _, e := range entries {
		if l.ids[e.ID] {
			continue
		}
		l.ids[e.ID] = true
		l.entries = append(l.entries, e)
	}
	return nil
}

// Of returns the subject's entries, oldest first.
func (l *Log) Of(subject sp.NIK) []privacy.Entry {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []privacy.Entry
	for _, e := range l.entries {
		if e.Subject == subject {
			out = append(out, e)
		}
	}
	return out
}

// Consents is an in-memory privacy.Consents.
type Consents struct {
	mu   sync.Mutex
	list []privacy.Consent
	n    int
}

var _ privacy.Consents = (*Consents)(nil)

func (c *Consents) Grant(ctx context.Context, x privacy.Consent) (privacy.Consent, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	x.ID = fmt.Sprintf("consent-%d", c.n)
	c.list = append(c.list, x)
	return x, nil
}

func (c *Consents) Withdraw(ctx context.Context, subject sp.NIK, id string, at time.Time) (privacy.Consent, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, x := range c.list {
		if x.Subject == subject && x.ID == id {
			if x.WithdrawnAt.IsZero() {
				c.list[i].WithdrawnAt = at
			}
			return c.list[i], nil
		}
	}
	return privacy.Consent{}, sp.ErrNotFound
}

func (c *Consents) Get(ctx context.Context, subject sp.NIK, id string) (privacy.Consent, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, x := range c.list {
		if x.Subject == subject && x.ID == id {
			return x, nil
		}
	}
	return privacy.Consent{}, sp.ErrNotFound
}

func (c *Consents) List(ctx context.Context, subject sp.NIK) ([]privacy.Consent, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []privacy.Consent
	for _, x := range c.list {
		if x.Subject == subject {
			out = append(out, x)
		}
	}
	slices.Reverse(out)
	return out, nil
}
