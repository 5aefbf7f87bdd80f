package redis

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/queue"
)

var _ queue.Queue = (*Queue)(nil)

// group is the one consumer group of every queue stream; consumers are the
// instance names passed to Claim.
const group = "workers"

// Queue is a durable queue on Redis Streams, sharded like the cases (see
// keys.go): per shard a stream read through a consumer group, a ZSET of
// delayed retries and a dead-letter hash. Time is the Redis server's (TIME,
// stream ids, idle times), so the instances of a deployment agree on it;
// Retry's at is compared with it, so app and Redis clocks should agree
// (NTP) to well under the retry delays.
//
// It needs Redis 6.2 or later (XAUTOCLAIM).
type Queue struct {
	c          goredis.UniversalClient
	k          keyspace
	name       string
	visibility time.Duration
	next       atomic.Uint32 // the shard the next Claim starts at
}

var queueName = regexp.MustCompile(`^[a-z0-9_-]{1,64}$`)

// NewQueue returns the queue name under prefix. A job claimed and not
// acked, retried or buried within visibility is claimed again.
func NewQueue(c goredis.UniversalClient, prefix, name string, visibility time.Duration) (*Queue, error) {
	if !queueName.MatchString(name) {
		return nil, fmt.Errorf("redis queue name %q: want 1-64 of a-z, 0-9, _ and -", name)
	}
	if visibility < time.Millisecond {
		return nil, fmt.Errorf("redis queue %s: visibility timeout must be at least 1ms, got %v", name, visibility)
	}
	k, err := newKeyspace(prefix, nil, false)
	if err != nil {
		return nil, err
	}
	return &Queue{c: c, k: k, name: name, visibility: visibility}, nil
}

// envelope is a job as stored: the one field "j" of a stream entry, a
// member of the delayed ZSET, a line of a dead-letter hash value.
type envelope struct {
	ID      string `json:"id"`
	Payload []byte `json:"p,omitempty"`
	// Attempts are the claims before this stream entry: the entry's
	// delivery count adds to them.
	Attempts   int    `json:"a,omitempty"`
	EnqueuedAt int64  `json:"e,omitempty"` // unix ns; 0: the stream entry's time
	LastError  string `json:"err,omitempty"`
	Nonce      string `json:"n,omitempty"` // keeps equal retried jobs apart in the ZSET
}

func (e envelope) encode() string {
	b, _ := json.Marshal(e) // cannot fail: strings, bytes and ints
	return string(b)
}

// add is the XADD of a new job, for Enqueue and for the case store's
// transactions.
func (q *Queue) add(j queue.Job) *goredis.XAddArgs {
	env := envelope{ID: j.ID, Payload: j.Payload}
	if !j.EnqueuedAt.IsZero() {
		env.EnqueuedAt = j.EnqueuedAt.UnixNano()
	}
	return &goredis.XAddArgs{
		Stream: q.k.queue(q.name, jobShard(j.ID)).stream,
		Values: []string{"j", env.encode()},
	}
}

// Enqueue adds j, due now. Its Attempts, LastError and Receipt are ignored;
// a zero EnqueuedAt takes the server's time.
func (q *Queue) Enqueue(ctx context.Context, j queue.Job) error {
	if j.ID == "" {
		return errors.New("redis queue: job without an id")
	}
	if err := q.c.XAdd(ctx, q.add(j)).Err(); err != nil {
		return fmt.Errorf("redis queue %s: enqueue: %w", q.name, err)
	}
	return nil
}

// nowMS is the server's time in unix milliseconds, as text.
const nowMS = `
local t = redis.call('TIME')
local now = t[1] .. string.format('%03d', math.floor(tonumber(t[2]) / 1000))
`

// claimScript, in one shard: moves due retries into the stream, then takes
// over entries idle past the visibility timeout (their consumer crashed),
// then reads new entries, up to the count. It returns {entry id, envelope,
// delivery count} triples.
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

// held is the guard of Ack, Retry and Bury: the entry is still pending with
// the delivery count of the receipt, i.e. this claim was not taken over.
//
// KEYS[1]: stream. ARGV: group, entry id, delivery count.
const held = `
local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)
if #p == 0 or tonumber(p[1][4]) ~= tonumber(ARGV[3]) then
	return 0
end
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
`

var ackScript = goredis.NewScript(held + `return 1`)

// retryScript: ARGV[4] the envelope, ARGV[5] the due ms. KEYS[2]: delayed.
var retryScript = goredis.NewScript(held + `
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[4])
return 1
`)

// buryScript appends "<ms> <envelope>" to the job id's line in the dead
// hash. ARGV[4] the job id, ARGV[5] the envelope. KEYS[2]: dead, KEYS[3]:
// dead-at.
var buryScript = goredis.NewScript(held + nowMS + `
local line = now .. ' ' .. ARGV[5]
local old = redis.call('HGET', KEYS[2], ARGV[4])
if old then
	line = old .. '\n' .. line
end
redis.call('HSET', KEYS[2], ARGV[4], line)
redis.call('ZADD', KEYS[3], 'NX', now, ARGV[4])
return 1
`)

// reviveScript moves the buried jobs of an id to the stream, if the dead
// hash still holds what the caller read (ARGV[2]).
//
// KEYS: stream, dead, dead-at. ARGV: job id, old value, envelopes...
var reviveScript = goredis.NewScript(`
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then
	return 0
end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
for i = 3, #ARGV do
	redis.call('XADD', KEYS[1], '*', 'j', ARGV[i])
end
return 1
`)

// Claim takes up to max jobs for consumer, shard by shard from a rotating
// start. If a shard fails after others gave jobs, those are returned and the
// next Claim meets the failure.
func (q *Queue) Claim(ctx context.Context, consumer string, max int) ([]queue.Job, error) {
	if max <= 0 {
		return nil, nil
	}
	if consumer == "" {
		return nil, errors.New("redis queue: Claim needs a consumer name")
	}
	start := int(q.next.Add(1)) % shards
	var jobs []queue.Job
	for i := range shards {
		if len(jobs) >= max {
			break
		}
		shard := (start + i) % shards
		keys := q.k.queue(q.name, shard)
		res, err := claimScript.Run(ctx, q.c, []string{keys.stream, keys.delayed},
			group, consumer, max-len(jobs), q.visibility.Milliseconds()).Slice()
		if err != nil {
			if len(jobs) > 0 {
				return jobs, nil
			}
			return nil, fmt.Errorf("redis queue %s: claim: %w", q.name, err)
		}
		for _, r := range res {
			jobs = append(jobs, q.job(shard, r))
		}
	}
	return jobs, nil
}

// job decodes a claimed {entry id, envelope, delivery count}.
func (q *Queue) job(shard int, r any) queue.Job {
	t, _ := r.([]any)
	var entry, raw string
	var count int64
	if len(t) == 3 {
		entry, _ = t[0].(string)
		raw, _ = t[1].(string)
		count, _ = t[2].(int64)
	}
	var env envelope
	if err := json.Unmarshal([]byte(raw), &env); err != nil || env.ID == "" {
		// Not written by this package: hand it over under a name no case
		// has (in this shard, where Bury keeps it), to be acked or buried.
		env = envelope{ID: fmt.Sprintf("%02d-malformed:%s", shard, entry), Payload: []byte(raw)}
	}
	j := queue.Job{
		ID: env.ID, Payload: env.Payload, Attempts: env.Attempts + int(count), LastError: env.LastError,
		Receipt: fmt.Sprintf("%02d/%s/%d", shard, entry, count),
	}
	if env.EnqueuedAt != 0 {
		j.EnqueuedAt = time.Unix(0, env.EnqueuedAt)
	} else if ms, _, ok := strings.Cut(entry, "-"); ok {
		n, _ := strconv.ParseInt(ms, 10, 64)
		j.EnqueuedAt = time.UnixMilli(n)
	}
	return j
}

// receipt is a parsed Job.Receipt: the claim of one stream entry.
type receipt struct {
	shard int
	entry string
	count string
}

func parseReceipt(s string) (receipt, error) {
	parts := strings.Split(s, "/")
	if len(parts) == 3 {
		shard, err := strconv.Atoi(parts[0])
		if err == nil && shard >= 0 && shard < shards && parts[1] != "" && parts[2] != "" {
			return receipt{shard: shard, entry: parts[1], count: parts[2]}, nil
		}
	}
	return receipt{}, fmt.Errorf("redis queue: %q is not a receipt of this queue (a job from Claim is needed)", s)
}

// Ack removes the claimed job. A claim that was taken over (its visibility
// timeout passed and another consumer claimed the job) is left alone.
func (q *Queue) Ack(ctx context.Context, j queue.Job) error {
	r, err := parseReceipt(j.Receipt)
	if err != nil {
		return err
	}
	keys := q.k.queue(q.name, r.shard)
	if err := ackScript.Run(ctx, q.c, []string{keys.stream}, group, r.entry, r.count).Err(); err != nil {
		return fmt.Errorf("redis queue %s: ack: %w", q.name, err)
	}
	return nil
}

// Retry puts the claimed job back, due at at, keeping its attempts.
func (q *Queue) Retry(ctx context.Context, j queue.Job, at time.Time, reason string) error {
	r, err := parseReceipt(j.Receipt)
	if err != nil {
		return err
	}
	env := envelope{ID: j.ID, Payload: j.Payload, Attempts: j.Attempts, EnqueuedAt: j.EnqueuedAt.UnixNano(),
		LastError: reason, Nonce: r.entry}
	keys := q.k.queue(q.name, r.shard)
	err = retryScript.Run(ctx, q.c, []string{keys.stream, keys.delayed},
		group, r.entry, r.count, env.encode(), at.UnixMilli()).Err()
	if err != nil {
		return fmt.Errorf("redis queue %s: retry: %w", q.name, err)
	}
	return nil
}

// Bury moves the claimed job to the dead letters of its id.
func (q *Queue) Bury(ctx context.Context, j queue.Job, reason string) error {
	r, err := parseReceipt(j.Receipt)
	if err != nil {
		return err
	}
	env := envelope{ID: j.ID, Payload: j.Payload, Attempts: j.Attempts, EnqueuedAt: j.EnqueuedAt.UnixNano(), LastError: reason}
	// The dead letters live in the shard of the id, where Revive looks.
	keys := q.k.queue(q.name, r.shard)
	if jobShard(j.ID) != r.shard {
		return fmt.Errorf("redis queue %s: bury: job id %q does not match its receipt", q.name, j.ID)
	}
	err = buryScript.Run(ctx, q.c, []string{keys.stream, keys.dead, keys.deadAt},
		group, r.entry, r.count, j.ID, env.encode()).Err()
	if err != nil {
		return fmt.Errorf("redis queue %s: bury: %w", q.name, err)
	}
	return nil
}

// buried is one dead letter and when it was buried.
type buried struct {
	job queue.Job
	ms  int64
}

// parseDead splits a dead hash value into its jobs.
func parseDead(value string) []buried {
	var out []buried
	for line := range strings.SplitSeq(value, "\n") {
		ms, raw, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		var env envelope
		if json.Unmarshal([]byte(raw), &env) != nil {
			continue
		}
		n, _ := strconv.ParseInt(ms, 10, 64)
		j := queue.Job{ID: env.ID, Payload: env.Payload, Attempts: env.Attempts, LastError: env.LastError}
		if env.EnqueuedAt != 0 {
			j.EnqueuedAt = time.Unix(0, env.EnqueuedAt)
		}
		out = append(out, buried{job: j, ms: n})
	}
	return out
}

// Buried lists up to limit (default 100) dead letters, oldest first.
func (q *Queue) Buried(ctx context.Context, limit int) ([]queue.Job, error) {
	if limit <= 0 {
		limit = 100
	}
	// The oldest ids of every shard, then the oldest of those: the limit
	// oldest jobs are among their dead letters.
	ranges := make([]*goredis.ZSliceCmd, shards)
	_, err := q.c.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for s := range shards {
			ranges[s] = p.ZRangeWithScores(ctx, q.k.queue(q.name, s).deadAt, 0, int64(limit-1))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("redis queue %s: buried: %w", q.name, err)
	}
	type id struct {
		shard int
		id    string
		ms    float64
	}
	var ids []id
	for s, r := range ranges {
		for _, z := range r.Val() {
			member, _ := z.Member.(string)
			ids = append(ids, id{shard: s, id: member, ms: z.Score})
		}
	}
	slices.SortStableFunc(ids, func(a, b id) int { return cmp.Compare(a.ms, b.ms) })
	ids = ids[:min(len(ids), limit)]

	values := make([]*goredis.StringCmd, len(ids))
	_, err = q.c.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, d := range ids {
			values[i] = p.HGet(ctx, q.k.queue(q.name, d.shard).dead, d.id)
		}
		return nil
	})
	if err != nil && !errors.Is(err, goredis.Nil) { // Nil: revived meanwhile
		return nil, fmt.Errorf("redis queue %s: buried: %w", q.name, err)
	}
	var all []buried
	for _, v := range values {
		all = append(all, parseDead(v.Val())...)
	}
	slices.SortStableFunc(all, func(a, b buried) int { return cmp.Compare(a.ms, b.ms) })
	jobs := make([]queue.Job, 0, min(len(all), limit))
	for _, b := range all[:min(len(all), limit)] {
		jobs = append(jobs, b.job)
	}
	return jobs, nil
}

// Revive moves the buried jobs of id back to the queue, due now, with their
// attempts reset.
func (q *Queue) Revive(ctx context.Context, id string) error {
	keys := q.k.queue(q.name, jobShard(id))
	for range 10 {
		old, err := q.c.HGet(ctx, keys.dead, id).Result()
		if errors.Is(err, goredis.Nil) {
			return sp.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("redis queue %s: revive: %w", q.name, err)
		}
		args := []any{id, old}
		now := time.Now().UnixNano() // a replay starts afresh
		for _, b := range parseDead(old) {
			env := envelope{ID: b.job.ID, Payload: b.job.Payload, LastError: b.job.LastError, EnqueuedAt: now}
			args = append(args, env.encode())
		}
		done, err := reviveScript.Run(ctx, q.c, []string{keys.stream, keys.dead, keys.deadAt}, args...).Int()
		if err != nil {
			return fmt.Errorf("redis queue %s: revive: %w", q.name, err)
		}
		if done == 1 {
			return nil
		}
		// Buried again or revived meanwhile: read again.
	}
	return fmt.Errorf("redis queue %s: revive %s: too much contention", q.name, id)
}

// Depth counts the stream entries (waiting or in flight) and the delayed
// retries of every shard.
func (q *Queue) Depth(ctx context.Context) (int64, error) {
	counts := make([]*goredis.IntCmd, 0, 2*shards)
	_, err := q.c.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for s := range shards {
			keys := q.k.queue(q.name, s)
			counts = append(counts, p.XLen(ctx, keys.stream), p.ZCard(ctx, keys.delayed))
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("redis queue %s: depth: %w", q.name, err)
	}
	var n int64
	for _, c := range counts {
		n += c.Val()
	}
	return n, nil
}
