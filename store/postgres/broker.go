package postgres

import (
	"context"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/backoff"
	"github.com/satupintu/satupintu/cases"
)

var _ cases.Broker = (*Broker)(nil)

//go:embed queries/notify.sql
var notifySQL string

const (
	// subscriberBuffer is how many updates a slow subscriber may fall
	// behind before it loses some.
	subscriberBuffer = 16
	// readyTimeout bounds Subscribe's wait for the listening connection.
	readyTimeout = 5 * time.Second
	// maxNotify is the most bytes PostgreSQL takes in one notification.
	maxNotify = 7999
)

// Broker fans case updates out over PostgreSQL's LISTEN/NOTIFY, for a
// deployment without Redis: every instance listens on one channel of the
// schema on a connection of its own (outside the pool), and hands each
// notification to its local subscribers of that citizen. A notification
// names the citizen by lookup hash and carries the update sealed, or,
// when that would not fit PostgreSQL's 8000 bytes, only the case and its
// version: subscribers then get the case's latest entry, read afresh.
// The connection is made again when it drops; what is published
// meanwhile is lost (at most once: the history is the record).
type Broker struct {
	db      *DB
	cases   *CaseStore // reads a case whose update was too large to send
	channel string
	log     *slog.Logger

	mu     sync.Mutex
	subs   map[string]map[*subscriber]struct{} // by citizen hash
	ready  chan struct{}                       // closed while listening
	closed bool
	stop   context.CancelFunc
	done   chan struct{}
}

type subscriber struct {
	citizen sp.NIK
	caseID  string // "" for all the citizen's cases
	ch      chan *cases.Update
}

// NewBroker listens for case updates on db until Close.
func NewBroker(ctx context.Context, db *DB, log *slog.Logger) (*Broker, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var schema string
	if err := db.pool.QueryRow(ctx, currentSchemaSQL).Scan(&schema); err != nil {
		return nil, fmt.Errorf("postgres broker: %w", err)
	}
	runCtx, stop := context.WithCancel(context.Background())
	b := &Broker{db: db, cases: &CaseStore{db: db}, channel: "satupintu_updates." + schema, log: log,
		subs: map[string]map[*subscriber]struct{}{}, ready: make(chan struct{}), stop: stop, done: make(chan struct{})}
	go b.listen(runCtx)
	return b, nil
}

// Publish sends u to the subscribers of u.Citizen on every instance.
func (b *Broker) Publish(ctx context.Context, u cases.Update) error {
	payload, err := b.payload(u)
	if err != nil {
		return err
	}
	if _, err := b.db.pool.Exec(ctx, notifySQL, b.channel, payload); err != nil {
		return fmt.Errorf("postgres broker: publish: %w", err)
	}
	return nil
}

// payload is "u <hash> <sealed update>", or "r <hash> <case id> <version>"
// for an update too large (base64 where binary).
func (b *Broker) payload(u cases.Update) (string, error) {
	hash := b64(b.db.keys.Hash(citizenPurpose, []byte(u.Citizen)))
	plain, err := json.Marshal(u)
	if err != nil {
		return "", err
	}
	whole := "u " + hash + " " + b64(b.db.keys.Seal(plain, updateContext(hash)))
	if len(whole) <= maxNotify {
		return whole, nil
	}
	return "r " + hash + " " + u.CaseID + " " + strconv.FormatInt(u.Version, 10), nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func updateContext(hash string) []byte { return []byte("case_update\x00" + hash) }

// Subscribe delivers the citizen's updates (of caseID only, unless "")
// until ctx ends or cancel is called; then the channel is closed. It
// returns once this instance listens, so an update published afterwards
// is delivered.
func (b *Broker) Subscribe(ctx context.Context, citizen sp.NIK, caseID string) (<-chan *cases.Update, func(), error) {
	hash := b64(b.db.keys.Hash(citizenPurpose, []byte(citizen)))
	s := &subscriber{citizen: citizen, caseID: caseID, ch: make(chan *cases.Update, subscriberBuffer)}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, nil, errors.New("postgres broker: closed")
	}
	if b.subs[hash] == nil {
		b.subs[hash] = map[*subscriber]struct{}{}
	}
	b.subs[hash][s] = struct{}{}
	ready := b.ready
	b.mu.Unlock()

	var once sync.Once
	leave := func() { once.Do(func() { b.remove(hash, s) }) }
	stopAfter := context.AfterFunc(ctx, leave)
	cancel := func() { stopAfter(); leave() }

	timer := time.NewTimer(readyTimeout)
	defer timer.Stop()
	select {
	case <-ready:
		return s.ch, cancel, nil
	case <-ctx.Done():
		cancel()
		return nil, nil, ctx.Err()
	case <-timer.C:
		cancel()
		return nil, nil, errors.New("postgres broker: subscribe: not listening (PostgreSQL unreachable?)")
	}
}

// remove drops a local subscriber and closes its channel.
func (b *Broker) remove(hash string, s *subscriber) {
	b.mu.Lock()
	defer b.mu.Unlock()
	subs := b.subs[hash]
	if _, ok := subs[s]; !ok {
		return // closed
	}
	delete(subs, s)
	close(s.ch)
	if len(subs) == 0 {
		delete(b.subs, hash)
	}
}

// listen keeps a connection listening on the channel and dispatches its
// notifications, connecting again after a drop, until ctx ends.
func (b *Broker) listen(ctx context.Context) {
	defer close(b.done)
	for attempt := 0; ctx.Err() == nil; attempt++ {
		err := b.listenOnce(ctx)
		if ctx.Err() != nil {
			return
		}
		b.mu.Lock()
		select {
		case <-b.ready: // it was listening: not any more
			b.ready = make(chan struct{})
			attempt = 0
		default:
		}
		b.mu.Unlock()
		b.log.Warn("case updates: the listening connection to PostgreSQL failed; connecting again", "error", err)
		t := time.NewTimer(backoff.Wait(attempt+1, 100*time.Millisecond, 5*time.Second, 0))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

func (b *Broker) listenOnce(ctx context.Context) error {
	cc := b.db.pool.Config().ConnConfig.Copy()
	connectCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	conn, err := pgx.ConnectConfig(connectCtx, cc)
	cancel()
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{b.channel}.Sanitize()); err != nil {
		return err
	}
	b.mu.Lock()
	close(b.ready)
	b.mu.Unlock()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		b.dispatch(ctx, n.Payload)
	}
}

// dispatch hands one notification to the local subscribers it concerns.
func (b *Broker) dispatch(ctx context.Context, payload string) {
	parts := strings.Split(payload, " ")
	if len(parts) < 3 {
		return
	}
	kind, hash := parts[0], parts[1]
	b.mu.Lock()
	wanted := len(b.subs[hash]) > 0
	b.mu.Unlock()
	if !wanted {
		return
	}
	switch {
	case kind == "u" && len(parts) == 3:
		sealed, err := base64.RawURLEncoding.DecodeString(parts[2])
		if err != nil {
			return
		}
		plain, err := b.db.keys.Open(sealed, updateContext(hash))
		if err != nil {
			b.log.Warn("case updates: a notification that does not open", "error", err)
			return
		}
		u := &cases.Update{} // shared by the subscribers, who only read it
		if json.Unmarshal(plain, u) == nil {
			b.deliver(hash, u)
		}
	case kind == "r" && len(parts) == 4:
		version, err := strconv.ParseInt(parts[3], 10, 64)
		if err != nil {
			return
		}
		// Read afresh, off the listening connection's loop.
		go b.reread(ctx, hash, parts[2], version)
	}
}

// reread reads a case whose update was too large to send and delivers its
// latest entry, if the case is at the update's version or later.
func (b *Broker) reread(ctx context.Context, hash, caseID string, version int64) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c, err := b.cases.Get(ctx, caseID)
	if err != nil {
		b.log.Warn("case updates: reading a case to send its update failed", "case", caseID, "error", err)
		return
	}
	if c.Version < version || len(c.History) == 0 {
		return
	}
	last := c.History[len(c.History)-1]
	b.deliver(hash, &cases.Update{CaseID: c.ID, Citizen: c.Citizen, Status: c.Status, Entry: last, Version: c.Version})
}

// deliver hands u to the subscribers of its citizen (and case), dropping
// it for those whose buffer is full.
func (b *Broker) deliver(hash string, u *cases.Update) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs[hash] {
		if s.citizen != u.Citizen || s.caseID != "" && s.caseID != u.CaseID {
			continue
		}
		select {
		case s.ch <- u:
		default:
		}
	}
}

// Close ends every subscription (their channels close) and the listening
// connection. Publish keeps working: it uses the pool.
func (b *Broker) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	for _, subs := range b.subs {
		for s := range subs {
			close(s.ch)
		}
	}
	clear(b.subs)
	b.mu.Unlock()
	b.stop()
	<-b.done
	return nil
}
