package redis

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/queue"
	"github.com/satupintu/satupintu/queue/lease"
)

var (
	_ queue.Queue = (*Queue)(nil)
	_ lease.Store = (*Queue)(nil)
)

// group is the one consumer group of every queue stream; consumers are the
// instance names.
const group = "workers"

// Queue holds the jobs of every kind on Redis Streams, sharded like the
// cases (see keys.go): per kind and shard a stream read through a consumer
// group, a ZSET of scheduled and retried jobs, a hash of parked jobs and a
// hash of the unique keys pending. A job lives in the shard of its key, so
// a case's jobs are written in the case's transactions. Time is the Redis
// server's (TIME, stream ids, idle times), so the instances of a
// deployment agree on it; a job's At is compared with it, so app and Redis
// clocks should agree (NTP) to well under the retry delays.
//
// It needs Redis 6.2 or later (XAUTOCLAIM).
type Queue struct {
	c    goredis.UniversalClient
	k    keyspace
	opts QueueOptions
	next atomic.Uint32 // the shard the next Claim starts at
}

// QueueOptions are the settings of a Queue; Run needs every one but Log.
type QueueOptions struct {
	// Consumer is this instance's name in the consumer groups.
	Consumer string
	// Visibility is how long a claim lasts: a job whose runner stopped
	// extending it (its instance died) is claimed again after it.
	Visibility time.Duration
	// Idle is Run's pause after finding nothing due (doubling while idle,
	// up to four times).
	Idle time.Duration
	Log  *slog.Logger
}

// NewQueue returns the jobs of the deployment under prefix.
func NewQueue(c goredis.UniversalClient, prefix string, o QueueOptions) (*Queue, error) {
	if o.Visibility < time.Millisecond {
		return nil, fmt.Errorf("redis queue: visibility timeout must be at least 1ms, got %v", o.Visibility)
	}
	k, err := newKeyspace(prefix, nil, false)
	if err != nil {
		return nil, err
	}
	return &Queue{c: c, k: k, opts: o}, nil
}

// envelope is a job as stored: the one field "j" of a stream entry, a
// member of the delayed ZSET, a value of the parked hash.
type envelope struct {
	ID      string `json:"id"`
	Key     string `json:"k"`
	Payload []byte `json:"p,omitempty"`
	// Attempts are the runs before this stream entry: the entry's
	// delivery count adds to them.
	Attempts   int    `json:"a,omitempty"`
	EnqueuedAt int64  `json:"e,omitempty"` // unix ns; 0: the stream entry's time
	LastError  string `json:"err,omitempty"`
	Unique     bool   `json:"u,omitempty"`
}

func (e envelope) encode() string {
	b, _ := json.Marshal(e) // cannot fail: strings, bytes, ints and bools
	return string(b)
}

// newJobID names a new job of shard: "NN-j" and 100 random bits, so that
// Replay finds the shard of a parked job from its id.
func newJobID(shard int) string {
	return fmt.Sprintf("%02d-j%s", shard, strings.ToLower(rand.Text()[:20]))
}

// nowMS is the server's time in unix milliseconds, as text.
const nowMS = `
local t = redis.call('TIME')
local now = t[1] .. string.format('%03d', math.floor(tonumber(t[2]) / 1000))
`

// enqueueScript adds one job unless it is unique and its key has a job
// pending. KEYS: stream, delayed, unique. ARGV: envelope, due ms (0: now),
// "1" if unique, key, id.
var enqueueScript = goredis.NewScript(nowMS + `
if ARGV[3] == '1' and redis.call('HSETNX', KEYS[3], ARGV[4], ARGV[5]) == 0 then
	return 0
end
if tonumber(ARGV[2]) > tonumber(now) then
	redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
else
	redis.call('XADD', KEYS[1], '*', 'j', ARGV[1])
end
return 1
`)

// prepare is a new job as stored, in the shard of its key.
func (q *Queue) prepare(j queue.NewJob) (queueKeys, envelope, int64) {
	shard := jobShard(j.Key)
	env := envelope{ID: newJobID(shard), Key: j.Key, Payload: j.Payload, Unique: j.Unique}
	if !j.EnqueuedAt.IsZero() {
		env.EnqueuedAt = j.EnqueuedAt.UnixNano()
	}
	var due int64
	if !j.At.IsZero() {
		due = j.At.UnixMilli()
	}
	return q.k.queue(j.Kind.Queue(), shard), env, due
}

// add writes a new job in a transaction of the case store, which knows no
// job of its key is pending (a new case's forward) or that it is not
// unique (a change).
func (q *Queue) add(ctx context.Context, p goredis.Pipeliner, j queue.NewJob) {
	keys, env, due := q.prepare(j)
	if j.Unique {
		p.HSet(ctx, keys.unique, j.Key, env.ID)
	}
	if due > time.Now().UnixMilli() {
		p.ZAdd(ctx, keys.delayed, goredis.Z{Score: float64(due), Member: env.encode()})
		return
	}
	p.XAdd(ctx, &goredis.XAddArgs{Stream: keys.stream, Values: []string{"j", env.encode()}})
}

// Enqueue adds the jobs one by one (each atomically with its unique key).
func (q *Queue) Enqueue(ctx context.Context, jobs ...queue.NewJob) error {
	for _, j := range jobs {
		if err := j.Validate(); err != nil {
			return fmt.Errorf("redis queue: %w", err)
		}
	}
	for _, j := range jobs {
		keys, env, due := q.prepare(j)
		unique := ""
		if j.Unique {
			unique = "1"
		}
		err := enqueueScript.Run(ctx, q.c, []string{keys.stream, keys.delayed, keys.unique},
			env.encode(), due, unique, j.Key, env.ID).Err()
		if err != nil {
			return fmt.Errorf("redis queue: enqueue %s: %w", j.Kind, err)
		}
	}
	return nil
}

// claimScript, in one shard: moves due retries and scheduled jobs into the
// stream, then takes over entries idle past the visibility timeout (their
// runner died), then reads new entries, up to the count. It returns {entry
// id, envelope, delivery count} triples.
//
// KEYS: stream, delayed. ARGV: group, consumer, count, visibility ms.
var claimScript = goredis.NewScript(nowMS + `
local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 100)
for _, m in ipairs(due) do
	redis.call('XADD', KEYS[1], '*', 'j', m)
	redis.call('ZREM', KEYS[2], m)
end
-- The group is made lazily; BUSYGROUP when it exists is ignored.
redis.pcall('XGROUP', 'CREATE', KEYS[1], ARGV[1], '0', 'MKSTREAM')
local n = tonumber(ARGV[3])
local out = {}
local idle = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[4], '0-0', 'COUNT', n)
for _, e in ipairs(idle[2]) do
	if type(e) == 'table' and type(e[2]) == 'table' then
		local p = redis.call('XPENDING', KEYS[1], ARGV[1], e[1], e[1], 1)
		out[#out + 1] = {e[1], e[2][2], p[1][4]}
	end
end
if #out < n then
	local r = redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', n - #out, 'STREAMS', KEYS[1], '>')
	if r then
		for _, e in ipairs(r[1][2]) do
			out[#out + 1] = {e[1], e[2][2], 1}
		end
	end
end
return out
`)

// held guards Settle and Extend: the entry is still pending with the
// delivery count of the receipt, i.e. this claim was not taken over.
//
// KEYS[1]: stream. ARGV: group, entry id, delivery count.
const held = `
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)
if #p == 0 or tonumber(p[1][4]) ~= tonumber(ARGV[3]) then
	return 0
end
`

// settleScript removes the entry and, by ARGV[4]: "done" releases its
// unique key; "again" puts the envelope ARGV[5] back, due at ARGV[6] ms;
// "park" keeps it under its id ARGV[8] in the parked hash and releases its
// unique key ARGV[7].
//
// KEYS: stream, delayed, parked, parked-at, unique.
var settleScript = goredis.NewScript(held + nowMS + `
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
if ARGV[4] == 'again' then
	redis.call('ZADD', KEYS[2], ARGV[6], ARGV[5])
	return 1
end
if ARGV[4] == 'park' then
	redis.call('HSET', KEYS[3], ARGV[8], ARGV[5])
	redis.call('ZADD', KEYS[4], now, ARGV[8])
end
if redis.call('HGET', KEYS[5], ARGV[7]) == ARGV[8] then
	redis.call('HDEL', KEYS[5], ARGV[7])
end
return 1
`)

// extendScript resets the idle time of a claim still held, keeping its
// delivery count. ARGV[4]: the consumer.
var extendScript = goredis.NewScript(held + `
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[4], 0, ARGV[2], 'IDLE', 0, 'RETRYCOUNT', ARGV[3], 'JUSTID')
return 1
`)

// replayScript moves a parked job back, fresh, unless a job of its unique
// key is pending. It returns -1 when the job is not parked.
//
// KEYS: stream, parked, parked-at, unique. ARGV: id, envelope, "1" if
// unique, key.
var replayScript = goredis.NewScript(`
if redis.call('HDEL', KEYS[2], ARGV[1]) == 0 then
	return -1
end
redis.call('ZREM', KEYS[3], ARGV[1])
if ARGV[3] == '1' and redis.call('HSETNX', KEYS[4], ARGV[4], ARGV[1]) == 0 then
	return 0
end
redis.call('XADD', KEYS[1], '*', 'j', ARGV[2])
return 1
`)

// Claim takes up to max jobs of kind for consumer, shard by shard from a
// rotating start. If a shard fails after others gave jobs, those are
// returned and the next Claim meets the failure.
func (q *Queue) Claim(ctx context.Context, kind queue.Kind, consumer string, max int) ([]lease.Claim, error) {
	if !kind.Valid() {
		return nil, fmt.Errorf("redis queue: unknown kind %q", kind)
	}
	if max <= 0 {
		return nil, nil
	}
	if consumer == "" {
		return nil, errors.New("redis queue: Claim needs a consumer name")
	}
	start := int(q.next.Add(1)) % shards
	var claims []lease.Claim
	for i := range shards {
		if len(claims) >= max {
			break
		}
		shard := (start + i) % shards
		keys := q.k.queue(kind.Queue(), shard)
		res, err := claimScript.Run(ctx, q.c, []string{keys.stream, keys.delayed},
			group, consumer, max-len(claims), q.opts.Visibility.Milliseconds()).Slice()
		if err != nil {
			if len(claims) > 0 {
				return claims, nil
			}
			return nil, fmt.Errorf("redis queue: claim %s: %w", kind, err)
		}
		for _, r := range res {
			claims = append(claims, decodeClaim(kind, shard, r))
		}
	}
	return claims, nil
}

// decodeClaim reads a claimed {entry id, envelope, delivery count}.
func decodeClaim(kind queue.Kind, shard int, r any) lease.Claim {
	t, _ := r.([]any)
	var entry, raw string
	var count int64
	if len(t) == 3 {
		entry, _ = t[0].(string)
		raw, _ = t[1].(string)
		count, _ = t[2].(int64)
	}
	var env envelope
	if err := json.Unmarshal([]byte(raw), &env); err != nil || env.ID == "" || env.Key == "" {
		// Not written by this package: hand it over under a name no job
		// has (in this shard, where Park keeps it), to be dropped or parked.
		name := fmt.Sprintf("%02d-malformed-%s", shard, entry)
		env = envelope{ID: name, Key: name, Payload: []byte(raw)}
	}
	j := queue.Job{
		ID: env.ID, Kind: kind, Key: env.Key, Payload: env.Payload, Attempt: env.Attempts + int(count),
		LastError: env.LastError,
	}
	if env.EnqueuedAt != 0 {
		j.EnqueuedAt = time.Unix(0, env.EnqueuedAt)
	} else if ms, _, ok := strings.Cut(entry, "-"); ok {
		n, _ := strconv.ParseInt(ms, 10, 64)
		j.EnqueuedAt = time.UnixMilli(n)
	}
	u := "0"
	if env.Unique {
		u = "1"
	}
	return lease.Claim{Job: j, Receipt: fmt.Sprintf("%02d/%s/%d/%s", shard, entry, count, u)}
}

// receipt is a parsed Claim.Receipt: the claim of one stream entry.
type receipt struct {
	shard  int
	entry  string
	count  string
	unique bool
}

func parseReceipt(c lease.Claim) (receipt, error) {
	parts := strings.Split(c.Receipt, "/")
	if len(parts) == 4 && c.Kind.Valid() {
		shard, err := strconv.Atoi(parts[0])
		if err == nil && shard >= 0 && shard < shards && parts[1] != "" && parts[2] != "" {
			return receipt{shard: shard, entry: parts[1], count: parts[2], unique: parts[3] == "1"}, nil
		}
	}
	return receipt{}, fmt.Errorf("redis queue: %q is not a receipt of this queue (a claim from Claim is needed)", c.Receipt)
}

// Settle applies a handler's result to a claimed job. A claim that was
// taken over (its visibility timeout passed and another runner claimed the
// job) is left alone.
func (q *Queue) Settle(ctx context.Context, c lease.Claim, r queue.Result) error {
	rc, err := parseReceipt(c)
	if err != nil {
		return err
	}
	env := envelope{ID: c.ID, Key: c.Key, Payload: c.Payload, Attempts: c.Attempt, EnqueuedAt: c.EnqueuedAt.UnixNano(),
		LastError: c.LastError, Unique: rc.unique}
	op, due := "done", int64(0)
	switch r.Outcome {
	case queue.OutcomeDone:
	case queue.OutcomeRetry:
		op, due, env.LastError = "again", r.At.UnixMilli(), r.Reason
	case queue.OutcomeSnooze:
		op, due = "again", r.At.UnixMilli()
		env.Attempts-- // a snooze is not an attempt
	case queue.OutcomePark:
		op, env.LastError = "park", r.Reason
	default:
		return fmt.Errorf("redis queue: unknown outcome %d", r.Outcome)
	}
	keys := q.k.queue(c.Kind.Queue(), rc.shard)
	err = settleScript.Run(ctx, q.c, []string{keys.stream, keys.delayed, keys.parked, keys.parkedAt, keys.unique},
		group, rc.entry, rc.count, op, env.encode(), due, c.Key, c.ID).Err()
	if err != nil {
		return fmt.Errorf("redis queue: settle %s %s: %w", c.Kind, c.ID, err)
	}
	return nil
}

// Extend renews the lease of a claim still held.
func (q *Queue) Extend(ctx context.Context, c lease.Claim) error {
	rc, err := parseReceipt(c)
	if err != nil {
		return err
	}
	keys := q.k.queue(c.Kind.Queue(), rc.shard)
	err = extendScript.Run(ctx, q.c, []string{keys.stream}, group, rc.entry, rc.count, q.opts.Consumer).Err()
	if err != nil {
		return fmt.Errorf("redis queue: extend %s %s: %w", c.Kind, c.ID, err)
	}
	return nil
}

// Run works the workers' kinds as the consumer of the options (see
// queue.Runner).
func (q *Queue) Run(ctx context.Context, workers ...queue.Worker) error {
	r := &lease.Runner{Store: q, Consumer: q.opts.Consumer, Visibility: q.opts.Visibility, Idle: q.opts.Idle,
		Now: q.serverNow, Log: q.opts.Log}
	return r.Run(ctx, workers...)
}

// serverNow is the Redis server's time, which due times are compared with
// (this process's when the server cannot be asked).
func (q *Queue) serverNow() time.Time {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	t, err := q.c.Time(ctx).Result()
	if err != nil {
		return time.Now()
	}
	return t
}

// Parked lists up to limit (default 100) parked jobs of kind, oldest first.
func (q *Queue) Parked(ctx context.Context, kind queue.Kind, limit int) ([]queue.Job, error) {
	if !kind.Valid() {
		return nil, fmt.Errorf("redis queue: unknown kind %q", kind)
	}
	if limit <= 0 {
		limit = 100
	}
	// The oldest of every shard, then the oldest of those.
	ranges := make([]*goredis.ZSliceCmd, shards)
	_, err := q.c.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for s := range shards {
			ranges[s] = p.ZRangeWithScores(ctx, q.k.queue(kind.Queue(), s).parkedAt, 0, int64(limit-1))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("redis queue: parked %s: %w", kind, err)
	}
	type parked struct {
		shard int
		id    string
		ms    float64
	}
	var ids []parked
	for s, r := range ranges {
		for _, z := range r.Val() {
			member, _ := z.Member.(string)
			ids = append(ids, parked{shard: s, id: member, ms: z.Score})
		}
	}
	slices.SortStableFunc(ids, func(a, b parked) int { return cmp.Compare(a.ms, b.ms) })
	ids = ids[:min(len(ids), limit)]

	values := make([]*goredis.StringCmd, len(ids))
	_, err = q.c.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, d := range ids {
			values[i] = p.HGet(ctx, q.k.queue(kind.Queue(), d.shard).parked, d.id)
		}
		return nil
	})
	if err != nil && !errors.Is(err, goredis.Nil) { // Nil: replayed meanwhile
		return nil, fmt.Errorf("redis queue: parked %s: %w", kind, err)
	}
	jobs := make([]queue.Job, 0, len(values))
	for _, v := range values {
		var env envelope
		if v.Err() != nil || json.Unmarshal([]byte(v.Val()), &env) != nil {
			continue
		}
		j := queue.Job{ID: env.ID, Kind: kind, Key: env.Key, Payload: env.Payload, Attempt: env.Attempts, LastError: env.LastError}
		if env.EnqueuedAt != 0 {
			j.EnqueuedAt = time.Unix(0, env.EnqueuedAt)
		}
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// Replay moves the parked job id back, due now, as a fresh job.
func (q *Queue) Replay(ctx context.Context, kind queue.Kind, id string) error {
	shard, ok := shardPrefix(id)
	if !kind.Valid() || !ok {
		return sp.ErrNotFound
	}
	keys := q.k.queue(kind.Queue(), shard)
	raw, err := q.c.HGet(ctx, keys.parked, id).Result()
	if errors.Is(err, goredis.Nil) {
		return sp.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("redis queue: replay %s %s: %w", kind, id, err)
	}
	var old envelope
	if err := json.Unmarshal([]byte(raw), &old); err != nil {
		old = envelope{ID: id, Key: id, Payload: []byte(raw)}
	}
	// A replay starts afresh: attempts from 1, the give-up age from now.
	fresh := envelope{ID: id, Key: old.Key, Payload: old.Payload, EnqueuedAt: time.Now().UnixNano(), Unique: old.Unique}
	unique := ""
	if old.Unique {
		unique = "1"
	}
	n, err := replayScript.Run(ctx, q.c, []string{keys.stream, keys.parked, keys.parkedAt, keys.unique},
		id, fresh.encode(), unique, old.Key).Int()
	if err != nil {
		return fmt.Errorf("redis queue: replay %s %s: %w", kind, id, err)
	}
	if n < 0 {
		return sp.ErrNotFound // replayed meanwhile
	}
	return nil
}

// Depth counts the stream entries (waiting or in flight) and the scheduled
// jobs of kind in every shard.
func (q *Queue) Depth(ctx context.Context, kind queue.Kind) (int64, error) {
	if !kind.Valid() {
		return 0, fmt.Errorf("redis queue: unknown kind %q", kind)
	}
	counts := make([]*goredis.IntCmd, 0, 2*shards)
	_, err := q.c.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for s := range shards {
			keys := q.k.queue(kind.Queue(), s)
			counts = append(counts, p.XLen(ctx, keys.stream), p.ZCard(ctx, keys.delayed))
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("redis queue: depth %s: %w", kind, err)
	}
	var n int64
	for _, c := range counts {
		n += c.Val()
	}
	return n, nil
}
