package redis

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/backoff"
	"github.com/satupintu/satupintu/cases"
)

var _ cases.Store = (*CaseStore)(nil)

// maxTxAttempts bounds the optimistic transactions of Create and Update.
const maxTxAttempts = 20

// CaseStore keeps cases in Redis (layout in keys.go). Create and Update are
// optimistic transactions (WATCH, read, MULTI/EXEC) over the keys of one
// shard, and write the case, its indexes and its job together.
type CaseStore struct {
	c    goredis.UniversalClient
	k    keyspace
	jobs *Queue
}

// NewCaseStore keeps cases under prefix, naming citizens in keys by an HMAC
// of their NIK under secret (16 bytes or more, the same for every instance
// of a deployment), and writes their forward and change jobs to jobs (a
// queue of the same prefix).
func NewCaseStore(c goredis.UniversalClient, prefix string, secret []byte, jobs *Queue) (*CaseStore, error) {
	k, err := newKeyspace(prefix, secret, true)
	if err != nil {
		return nil, err
	}
	if jobs == nil || jobs.k.prefix != prefix {
		return nil, errors.New("redis case store: a job queue of the same prefix is required")
	}
	return &CaseStore{c: c, k: k, jobs: jobs}, nil
}

// Create stores a copy of in under a new id (in is not modified), with
// Version 1, and its forward job.
func (s *CaseStore) Create(ctx context.Context, in *cases.Case) (*cases.Case, bool, error) {
	citizen, shard := s.k.citizen(in.Citizen)
	open := s.k.openKey(shard, citizen, in.ServiceID)
	watched := []string{open}
	var idem string
	if in.IdempotencyKey != "" {
		idem = s.k.idemKey(shard, citizen, in.IdempotencyKey)
		watched = append(watched, idem)
	}
	for attempt := range maxTxAttempts {
		var stored *cases.Case
		var created bool
		err := s.c.Watch(ctx, func(tx *goredis.Tx) error {
			if idem != "" {
				id, err := tx.Get(ctx, idem).Result()
				if err == nil {
					stored, err = s.get(ctx, tx, id)
					return err
				}
				if !errors.Is(err, goredis.Nil) {
					return err
				}
			}
			if in.SingleOpen && in.Status.Open() {
				if err := s.checkSingleOpen(ctx, tx, open); err != nil {
					return err
				}
			}
			c := in.Clone()
			c.ID, c.Version = newCaseID(shard), 1
			caseKey, _ := s.k.caseKey(c.ID)
			b, err := json.Marshal(c)
			if err != nil {
				return err
			}
			z := goredis.Z{Score: float64(c.CreatedAt.UnixMilli()), Member: c.ID}
			_, err = tx.TxPipelined(ctx, func(p goredis.Pipeliner) error {
				p.Set(ctx, caseKey, b, 0)
				if idem != "" {
					p.Set(ctx, idem, c.ID, 0)
				}
				p.ZAdd(ctx, s.k.listKey(shard, citizen, ""), z)
				p.ZAdd(ctx, s.k.listKey(shard, citizen, string(c.Status)), z)
				if c.Status.Open() {
					if c.SingleOpen {
						p.Set(ctx, open, c.ID, 0)
					}
					p.ZAdd(ctx, s.k.openAgencyKey(shard, c.Agency), z)
				}
				s.jobs.add(ctx, p, cases.ForwardJob(c)) // a new case: no forward of it is pending
				return nil
			})
			if err == nil {
				stored, created = c, true
			}
			return err
		}, watched...)
		if errors.Is(err, goredis.TxFailedErr) {
			if err := waitToRetry(ctx, attempt); err != nil {
				return nil, false, err
			}
			continue
		}
		var busy *cases.InProgress
		if errors.As(err, &busy) {
			return nil, false, err
		}
		if err != nil {
			return nil, false, fmt.Errorf("redis case store: create: %w", err)
		}
		return stored, created, nil
	}
	return nil, false, fmt.Errorf("redis case store: create: still conflicting after %d attempts", maxTxAttempts)
}

// checkSingleOpen refuses a second open case of a single-open service. A
// slot naming a case that is no longer open (or gone) is free.
func (s *CaseStore) checkSingleOpen(ctx context.Context, tx *goredis.Tx, open string) error {
	id, err := tx.Get(ctx, open).Result()
	if errors.Is(err, goredis.Nil) {
		return nil
	}
	if err != nil {
		return err
	}
	c, err := s.get(ctx, tx, id)
	switch {
	case errors.Is(err, sp.ErrNotFound):
		return nil
	case err != nil:
		return err
	case c.Status.Open():
		return &cases.InProgress{Case: c}
	}
	return nil
}

// waitToRetry waits a little before retrying a conflicting transaction, longer
// after each conflict, so that contenders spread out.
func waitToRetry(ctx context.Context, attempt int) error {
	t := time.NewTimer(backoff.Wait(attempt+1, time.Millisecond, 64*time.Millisecond, 0))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Get returns the case, or sp.ErrNotFound for an unknown or malformed id.
func (s *CaseStore) Get(ctx context.Context, id string) (*cases.Case, error) {
	c, err := s.get(ctx, s.c, id)
	if err != nil && !errors.Is(err, sp.ErrNotFound) {
		return nil, fmt.Errorf("redis case store: get: %w", err)
	}
	return c, err
}

// Find returns the citizen's case of an idempotency key.
func (s *CaseStore) Find(ctx context.Context, citizen sp.NIK, key string) (*cases.Case, error) {
	if key == "" {
		return nil, sp.ErrNotFound
	}
	c, shard := s.k.citizen(citizen)
	id, err := s.c.Get(ctx, s.k.idemKey(shard, c, key)).Result()
	if errors.Is(err, goredis.Nil) {
		return nil, sp.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("redis case store: find: %w", err)
	}
	return s.Get(ctx, id)
}

func (s *CaseStore) get(ctx context.Context, r goredis.Cmdable, id string) (*cases.Case, error) {
	key, ok := s.k.caseKey(id)
	if !ok {
		return nil, sp.ErrNotFound
	}
	b, err := r.Get(ctx, key).Bytes()
	if errors.Is(err, goredis.Nil) {
		return nil, sp.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	var c cases.Case
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("case %s: %w", id, err)
	}
	return &c, nil
}

// errIdentity refuses an update that would move a case out of its indexes.
var errIdentity = errors.New("an update must not change a case's id, citizen, service, agency, creation time or single-open flag")

// sameIdentity reports whether an update kept what places the case.
func sameIdentity(a, b *cases.Case) bool {
	return a.ID == b.ID && a.Citizen == b.Citizen && a.ServiceID == b.ServiceID && a.Agency == b.Agency &&
		a.CreatedAt.Equal(b.CreatedAt) && a.SingleOpen == b.SingleOpen
}

// Update applies f to a copy of the stored case and writes it back with
// Version+1, unless another writer got there first: then f runs again on the
// newer case (up to maxTxAttempts times).
func (s *CaseStore) Update(ctx context.Context, id string, f func(*cases.Case) error) (*cases.Case, error) {
	key, ok := s.k.caseKey(id)
	if !ok {
		return nil, sp.ErrNotFound
	}
	for attempt := range maxTxAttempts {
		var result *cases.Case
		err := s.c.Watch(ctx, func(tx *goredis.Tx) error {
			cur, err := s.get(ctx, tx, id)
			if err != nil {
				return err
			}
			next := cur.Clone()
			if err := f(next); errors.Is(err, cases.ErrNoChange) {
				result = cur
				return nil
			} else if err != nil {
				return err
			}
			if !sameIdentity(cur, next) {
				return errIdentity
			}
			next.Version = cur.Version + 1
			b, err := json.Marshal(next)
			if err != nil {
				return err
			}
			citizen, shard := s.k.citizen(cur.Citizen)
			open := s.k.openKey(shard, citizen, cur.ServiceID)
			leaving := cur.Status.Open() && !next.Status.Open()
			holdsSlot := false
			if leaving && cur.SingleOpen {
				if err := tx.Watch(ctx, open).Err(); err != nil {
					return err
				}
				slot, err := tx.Get(ctx, open).Result()
				if err != nil && !errors.Is(err, goredis.Nil) {
					return err
				}
				holdsSlot = slot == id
			}
			_, err = tx.TxPipelined(ctx, func(p goredis.Pipeliner) error {
				p.Set(ctx, key, b, 0)
				if next.Status != cur.Status {
					p.ZRem(ctx, s.k.listKey(shard, citizen, string(cur.Status)), id)
					p.ZAdd(ctx, s.k.listKey(shard, citizen, string(next.Status)),
						goredis.Z{Score: float64(cur.CreatedAt.UnixMilli()), Member: id})
				}
				if n := len(next.History) - len(cur.History); n > 0 {
					s.jobs.add(ctx, p, cases.ChangeJob(id, len(cur.History), len(cur.History)+n, next.Version, next.UpdatedAt))
				}
				if leaving {
					if holdsSlot {
						p.Del(ctx, open)
					}
					p.ZRem(ctx, s.k.openAgencyKey(shard, cur.Agency), id)
				}
				return nil
			})
			if err == nil {
				result = next
			}
			return err
		}, key)
		switch {
		case errors.Is(err, goredis.TxFailedErr):
			if err := waitToRetry(ctx, attempt); err != nil {
				return nil, err
			}
			continue
		case errors.Is(err, sp.ErrNotFound):
			return nil, err
		case err != nil:
			return nil, fmt.Errorf("redis case store: update %s: %w", id, err)
		}
		return result, nil
	}
	return nil, fmt.Errorf("redis case store: update %s: still conflicting after %d attempts", id, maxTxAttempts)
}

// List returns a page of the citizen's cases, newest first.
func (s *CaseStore) List(ctx context.Context, citizen sp.NIK, q cases.ListQuery) ([]*cases.Case, string, error) {
	first := q.Size()
	after, err := parseCursor(q.After, false)
	if err != nil {
		return nil, "", err
	}
	name, shard := s.k.citizen(citizen)
	items, err := s.page(ctx, s.k.listKey(shard, name, string(q.Status)), after, first+1, true)
	if err != nil {
		return nil, "", fmt.Errorf("redis case store: list: %w", err)
	}
	next := ""
	if len(items) > first {
		items = items[:first]
		next = items[first-1].cursor()
	}
	if len(items) == 0 {
		return nil, next, nil
	}
	keys := make([]string, len(items))
	for i, it := range items {
		keys[i], _ = s.k.caseKey(it.id)
	}
	// One shard: one slot, so one MGET even on a Cluster.
	values, err := s.c.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, "", fmt.Errorf("redis case store: list: %w", err)
	}
	page := make([]*cases.Case, 0, len(values))
	for _, v := range values {
		raw, ok := v.(string)
		if !ok {
			continue
		}
		var c cases.Case
		if err := json.Unmarshal([]byte(raw), &c); err != nil {
			return nil, "", fmt.Errorf("redis case store: list: %w", err)
		}
		// Moved to another status since the index was read: not this page's.
		if c.Citizen != citizen || q.Status != "" && c.Status != q.Status {
			continue
		}
		page = append(page, &c)
	}
	return page, next, nil
}

// Count is how many of the citizen's cases are in status ("" for all):
// the size of the index List pages through.
func (s *CaseStore) Count(ctx context.Context, citizen sp.NIK, status cases.Status) (int, error) {
	name, shard := s.k.citizen(citizen)
	n, err := s.c.ZCard(ctx, s.k.listKey(shard, name, string(status))).Result()
	if err != nil {
		return 0, fmt.Errorf("redis case store: count: %w", err)
	}
	return int(n), nil
}

// OpenCases lists the ids of the agency's open cases, shard by shard, oldest
// first within a shard.
func (s *CaseStore) OpenCases(ctx context.Context, a sp.Agency, after string, limit int) ([]string, string, error) {
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	cur, err := parseCursor(after, true)
	if err != nil {
		return nil, "", err
	}
	var items []item
	for shard := cur.shard; shard < shards && len(items) <= limit; shard++ {
		from := cur
		if shard != cur.shard {
			from = item{}
		}
		got, err := s.page(ctx, s.k.openAgencyKey(shard, a), from, limit+1-len(items), false)
		if err != nil {
			return nil, "", fmt.Errorf("redis case store: open cases: %w", err)
		}
		for _, it := range got {
			it.shard, it.sharded = shard, true
			items = append(items, it)
		}
	}
	next := ""
	if len(items) > limit {
		items = items[:limit]
		next = items[limit-1].cursor()
	}
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.id
	}
	return ids, next, nil
}

// item is a member of an index ZSET, and a cursor: the last item of a page.
type item struct {
	id      string
	ms      int64
	shard   int
	sharded bool // the cursor names a shard (OpenCases)
}

func (it item) cursor() string {
	if !it.sharded {
		return sp.Position{Ms: it.ms, ID: it.id}.Cursor()
	}
	s := strconv.Itoa(it.shard) + ":" + strconv.FormatInt(it.ms, 10) + ":" + it.id
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

// parseCursor decodes a cursor; "" is the start.
func parseCursor(s string, sharded bool) (item, error) {
	if s == "" {
		return item{}, nil
	}
	bad := fmt.Errorf("redis case store: cursor %q: %w", s, cases.ErrBadCursor)
	if !sharded {
		p, _, err := sp.ParsePosition(s)
		if err != nil {
			return item{}, bad
		}
		return item{id: p.ID, ms: p.Ms}, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return item{}, bad
	}
	rest := string(b)
	var it item
	if sharded {
		var shard string
		shard, rest, _ = strings.Cut(rest, ":")
		if it.shard, err = strconv.Atoi(shard); err != nil || it.shard < 0 || it.shard >= shards {
			return item{}, bad
		}
		it.sharded = true
	}
	ms, id, ok := strings.Cut(rest, ":")
	if it.ms, err = strconv.ParseInt(ms, 10, 64); err != nil || !ok || id == "" {
		return item{}, bad
	}
	it.id = id
	return it, nil
}

// page reads up to n members of an index ZSET after the cursor: by score
// and then id, descending (desc) or ascending. Members with the cursor's
// score come first in either order, so those up to the cursor are skipped.
func (s *CaseStore) page(ctx context.Context, key string, after item, n int, desc bool) ([]item, error) {
	var out []item
	for offset := int64(0); ; {
		by := &goredis.ZRangeBy{Min: "-inf", Max: "+inf", Offset: offset, Count: int64(n)}
		var zs []goredis.Z
		var err error
		if desc {
			if after.id != "" {
				by.Max = strconv.FormatInt(after.ms, 10)
			}
			zs, err = s.c.ZRevRangeByScoreWithScores(ctx, key, by).Result()
		} else {
			if after.id != "" {
				by.Min = strconv.FormatInt(after.ms, 10)
			}
			zs, err = s.c.ZRangeByScoreWithScores(ctx, key, by).Result()
		}
		if err != nil {
			return nil, err
		}
		for _, z := range zs {
			id, _ := z.Member.(string)
			it := item{id: id, ms: int64(z.Score)}
			if after.id != "" && it.ms == after.ms && (desc && id >= after.id || !desc && id <= after.id) {
				continue
			}
			out = append(out, it)
		}
		if len(out) >= n || len(zs) < n {
			return out[:min(len(out), n)], nil
		}
		offset += int64(len(zs))
	}
}
