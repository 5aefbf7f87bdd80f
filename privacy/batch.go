package privacy

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// BatchWriter writes entries, already normalized, in one step: all are
// durable when it returns nil, none when it fails. An entry whose ID and
// At are logged already is skipped.
type BatchWriter interface {
	WriteBatch(ctx context.Context, entries []Entry) error
}

// BatchOptions tune a Batcher; the zero value takes the defaults.
type BatchOptions struct {
	// MaxBatch is the most entries one write takes (default 500); a
	// request's entries are never split, so one may go over by a request.
	MaxBatch int
	// Linger is how long a batch waits for more entries after its first
	// (default 1ms): under load the writes in flight make batches bigger
	// by themselves, the linger only gathers what arrives at once.
	Linger time.Duration
	// Writers is how many writes may be in flight at once (default 4).
	Writers int
	// Timeout bounds one write (default 5s).
	Timeout time.Duration
}

func (o BatchOptions) withDefaults() BatchOptions {
	if o.MaxBatch <= 0 {
		o.MaxBatch = 500
	}
	if o.Linger < 0 {
		o.Linger = 0
	} else if o.Linger == 0 {
		o.Linger = time.Millisecond
	}
	if o.Writers <= 0 {
		o.Writers = 4
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	return o
}

// Batcher is a Log that writes by group commit: the entries of many
// requests go to the database in one write, off the requests' goroutines,
// and each Record returns once the write holding its entries committed
// (or failed). The cost of a commit is shared by every request in it,
// and an entry acknowledged is never lost.
type Batcher struct {
	w    BatchWriter
	opts BatchOptions

	in      chan *recordReq
	mu      sync.RWMutex // guards closed against sends to in
	closed  bool
	stopped chan struct{}
}

type recordReq struct {
	entries []Entry
	done    chan error
}

// ErrClosed is a Record after Close.
var ErrClosed = errors.New("privacy: the access log is closed")

// NewBatcher starts a batcher writing through w; Close stops it.
func NewBatcher(w BatchWriter, opts BatchOptions) *Batcher {
	b := &Batcher{w: w, opts: opts.withDefaults(), in: make(chan *recordReq, 1024), stopped: make(chan struct{})}
	go b.loop()
	return b
}

var _ Log = (*Batcher)(nil)

// Record hands the entries to the next write and waits for it to commit.
// An invalid entry fails its own Record only, before any write. When ctx
// ends first Record returns its error, and the entries may still be
// written.
func (b *Batcher) Record(ctx context.Context, entries ...Entry) error {
	if len(entries) == 0 {
		return nil
	}
	norm := make([]Entry, len(entries))
	for i, e := range entries {
		n, err := Normalize(e)
		if err != nil {
			return err
		}
		norm[i] = n
	}
	r := &recordReq{entries: norm, done: make(chan error, 1)}
	b.mu.RLock()
	if b.closed {
		b.mu.RUnlock()
		return ErrClosed
	}
	select {
	case b.in <- r:
		b.mu.RUnlock()
	case <-ctx.Done():
		b.mu.RUnlock()
		return ctx.Err()
	}
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close writes what was handed in and stops; a Record after it fails.
func (b *Batcher) Close() error {
	b.mu.Lock()
	if !b.closed {
		b.closed = true
		close(b.in)
	}
	b.mu.Unlock()
	<-b.stopped
	return nil
}

func (b *Batcher) loop() {
	defer close(b.stopped)
	slots := make(chan struct{}, b.opts.Writers)
	var wg sync.WaitGroup
	defer wg.Wait()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		first, ok := <-b.in
		if !ok {
			return
		}
		batch := []*recordReq{first}
		n := len(first.entries)
		open := true
		if b.opts.Linger > 0 {
			timer.Reset(b.opts.Linger)
		gather:
			for n < b.opts.MaxBatch {
				select {
				case r, more := <-b.in:
					if !more {
						open = false
						break gather
					}
					batch = append(batch, r)
					n += len(r.entries)
				case <-timer.C:
					break gather
				}
			}
			timer.Stop() // since Go 1.23 no stale tick is left to read
		}
		// Whatever came meanwhile joins too, up to the limit.
	drain:
		for open && n < b.opts.MaxBatch {
			select {
			case r, more := <-b.in:
				if !more {
					open = false
					break drain
				}
				batch = append(batch, r)
				n += len(r.entries)
			default:
				break drain
			}
		}
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			b.write(batch, n)
		})
		if !open {
			return
		}
	}
}

func (b *Batcher) write(batch []*recordReq, n int) {
	entries := make([]Entry, 0, n)
	for _, r := range batch {
		entries = append(entries, r.entries...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), b.opts.Timeout)
	defer cancel()
	err := b.w.WriteBatch(ctx, entries)
	if err != nil {
		err = fmt.Errorf("privacy: writing %d access log entries: %w", len(entries), err)
	}
	for _, r := range batch {
		r.done <- err
	}
}
