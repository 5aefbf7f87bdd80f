package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/notifications"
)

var _ notifications.Inbox = (*Inbox)(nil)

// maxInbox is how many notifications a citizen keeps; Add drops the oldest.
const maxInbox = 1000

// Inbox keeps each citizen's notifications in Redis (layout in keys.go):
// four keys in the citizen's shard, changed together by scripts. A
// notification's JSON never changes; whether it was read, and when, is in
// the unread ZSET and the read hash.
type Inbox struct {
	c goredis.UniversalClient
	k keyspace
}

// NewInbox keeps inboxes under prefix, naming citizens in keys by an HMAC
// of their NIK under secret (as NewCaseStore).
func NewInbox(c goredis.UniversalClient, prefix string, secret []byte) (*Inbox, error) {
	k, err := newKeyspace(prefix, secret, true)
	if err != nil {
		return nil, err
	}
	return &Inbox{c: c, k: k}, nil
}

func (s *Inbox) keys(citizen sp.NIK) inboxKeys {
	name, shard := s.k.citizen(citizen)
	return s.k.inbox(shard, name)
}

func (k inboxKeys) list() []string { return []string{k.all, k.unread, k.items, k.read} }

// addScript stores a notification unless its id exists (0), then trims the
// inbox to its newest ARGV[5] and reports whether the new one stayed (1) or
// was itself the oldest (0).
//
// KEYS: all, unread, items, read. ARGV: id, JSON, created ms, readAt ("" if
// unread), limit.
var addScript = goredis.NewScript(`
if redis.call('HSETNX', KEYS[3], ARGV[1], ARGV[2]) == 0 then
	return 0
end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
if ARGV[4] == '' then
	redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
else
	redis.call('HSET', KEYS[4], ARGV[1], ARGV[4])
end
local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[5])
if over > 0 then
	for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, over - 1)) do
		redis.call('ZREM', KEYS[2], id)
		redis.call('HDEL', KEYS[3], id)
		redis.call('HDEL', KEYS[4], id)
	end
	redis.call('ZREMRANGEBYRANK', KEYS[1], 0, over - 1)
end
return redis.call('HEXISTS', KEYS[3], ARGV[1])
`)

// markReadScript marks the ids (all unread when none are given) read at
// ARGV[1] and returns how many were unread.
//
// KEYS: all, unread, items, read. ARGV: readAt, ids...
var markReadScript = goredis.NewScript(`
local n = 0
if #ARGV == 1 then
	for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
		redis.call('HSET', KEYS[4], id, ARGV[1])
		n = n + 1
	end
	redis.call('DEL', KEYS[2])
	return n
end
for i = 2, #ARGV do
	if redis.call('ZREM', KEYS[2], ARGV[i]) == 1 then
		redis.call('HSET', KEYS[4], ARGV[i], ARGV[1])
		n = n + 1
	end
end
return n
`)

// deleteNoteScript removes one notification; 0 if there was none.
//
// KEYS: all, unread, items, read. ARGV[1]: id.
var deleteNoteScript = goredis.NewScript(`
if redis.call('HDEL', KEYS[3], ARGV[1]) == 0 then
	return 0
end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
return 1
`)

// Add stores n unless the citizen has a notification with its id. An inbox
// keeps the newest maxInbox (by CreatedAt, then ID): the oldest goes, and
// Add of one older than all of those reports false.
func (s *Inbox) Add(ctx context.Context, n notifications.Notification) (bool, error) {
	if n.ID == "" || n.Citizen == "" {
		return false, errors.New("redis inbox: add: a notification needs an id and a citizen")
	}
	readAt := ""
	if n.Read() {
		readAt = formatTime(n.ReadAt)
	}
	n.ReadAt = time.Time{}
	b, err := json.Marshal(n)
	if err != nil {
		return false, fmt.Errorf("redis inbox: add: %w", err)
	}
	created, err := addScript.Run(ctx, s.c, s.keys(n.Citizen).list(),
		n.ID, b, n.CreatedAt.UnixMilli(), readAt, maxInbox).Int()
	if err != nil {
		return false, fmt.Errorf("redis inbox: add: %w", err)
	}
	return created == 1, nil
}

// Get returns one of the citizen's notifications, or
// sp.ErrNotFound.
func (s *Inbox) Get(ctx context.Context, citizen sp.NIK, id string) (notifications.Notification, error) {
	k := s.keys(citizen)
	var item, read *goredis.StringCmd
	_, err := s.c.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		item = p.HGet(ctx, k.items, id)
		read = p.HGet(ctx, k.read, id)
		return nil
	})
	if err != nil && !errors.Is(err, goredis.Nil) { // Nil: a field is absent
		return notifications.Notification{}, fmt.Errorf("redis inbox: get: %w", err)
	}
	if errors.Is(item.Err(), goredis.Nil) {
		return notifications.Notification{}, sp.ErrNotFound
	}
	n, err := decodeNote(item.Val(), read.Val())
	if err != nil {
		return notifications.Notification{}, fmt.Errorf("redis inbox: get: %w", err)
	}
	return n, nil
}

func decodeNote(raw, readAt string) (notifications.Notification, error) {
	var n notifications.Notification
	if err := json.Unmarshal([]byte(raw), &n); err != nil {
		return n, err
	}
	if readAt != "" {
		n.ReadAt = parseTime(readAt)
	}
	return n, nil
}

// List pages through the citizen's notifications, newest first by
// CreatedAt (to the millisecond) and then ID. Total and Unread count the
// whole inbox, whatever the filter.
func (s *Inbox) List(ctx context.Context, citizen sp.NIK, q notifications.ListQuery) (notifications.Page, error) {
	first := q.Size()
	after, err := parseInboxCursor(q.After)
	if err != nil {
		return notifications.Page{}, err
	}
	k := s.keys(citizen)
	index := k.all
	if q.UnreadOnly {
		index = k.unread
	}
	items, err := revPage(ctx, s.c, index, after, first+1)
	if err != nil {
		return notifications.Page{}, fmt.Errorf("redis inbox: list: %w", err)
	}
	var page notifications.Page
	if len(items) > first {
		items = items[:first]
		page.Next = items[first-1].cursor()
	}
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.id
	}
	// One slot: the counts and the items in one MULTI, even on a Cluster.
	var total, unread *goredis.IntCmd
	var values, reads *goredis.SliceCmd
	_, err = s.c.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		total, unread = p.ZCard(ctx, k.all), p.ZCard(ctx, k.unread)
		if len(ids) > 0 {
			values, reads = p.HMGet(ctx, k.items, ids...), p.HMGet(ctx, k.read, ids...)
		}
		return nil
	})
	if err != nil {
		return notifications.Page{}, fmt.Errorf("redis inbox: list: %w", err)
	}
	page.Total, page.Unread = int(total.Val()), int(unread.Val())
	if len(ids) == 0 {
		return page, nil
	}
	readAts := reads.Val()
	for i, v := range values.Val() {
		raw, ok := v.(string)
		if !ok {
			continue // deleted since the index was read
		}
		readAt, _ := readAts[i].(string)
		if q.UnreadOnly && readAt != "" {
			continue // read since the index was read
		}
		n, err := decodeNote(raw, readAt)
		if err != nil {
			return notifications.Page{}, fmt.Errorf("redis inbox: list: %w", err)
		}
		page.Items = append(page.Items, n)
	}
	return page, nil
}

// parseInboxCursor decodes a cursor; "" is the start.
func parseInboxCursor(s string) (item, error) {
	p, _, err := sp.ParsePosition(s)
	if err != nil {
		return item{}, fmt.Errorf("redis inbox: cursor %q: %w", s, err)
	}
	return item{id: p.ID, ms: p.Ms}, nil
}

// revPage reads up to n members of a ZSET after the cursor, by score and
// then member, descending. Members with the cursor's score come first, so
// those up to the cursor are skipped (in Go: Lua would compare strings by
// the server's locale, not byte by byte as the ZSET orders them).
func revPage(ctx context.Context, c goredis.Cmdable, key string, after item, n int) ([]item, error) {
	by := &goredis.ZRangeBy{Min: "-inf", Max: "+inf", Count: int64(n)}
	if after.id != "" {
		by.Max = strconv.FormatInt(after.ms, 10)
	}
	var out []item
	for {
		zs, err := c.ZRevRangeByScoreWithScores(ctx, key, by).Result()
		if err != nil {
			return nil, err
		}
		for _, z := range zs {
			id, _ := z.Member.(string)
			it := item{id: id, ms: int64(z.Score)}
			if after.id != "" && it.ms == after.ms && id >= after.id {
				continue
			}
			out = append(out, it)
		}
		if len(out) >= n || len(zs) < n {
			return out[:min(len(out), n)], nil
		}
		by.Offset += int64(len(zs))
	}
}

// MarkRead marks the citizen's given notifications (all when ids is empty)
// read at at; ids not in the citizen's inbox are ignored.
func (s *Inbox) MarkRead(ctx context.Context, citizen sp.NIK, ids []string, at time.Time) (int, error) {
	if at.IsZero() {
		return 0, errors.New("redis inbox: mark read: a zero time would leave them unread")
	}
	args := make([]any, 0, 1+len(ids))
	args = append(args, formatTime(at))
	for _, id := range ids {
		args = append(args, id)
	}
	n, err := markReadScript.Run(ctx, s.c, s.keys(citizen).list(), args...).Int()
	if err != nil {
		return 0, fmt.Errorf("redis inbox: mark read: %w", err)
	}
	return n, nil
}

// Delete removes one of the citizen's notifications.
func (s *Inbox) Delete(ctx context.Context, citizen sp.NIK, id string) (bool, error) {
	n, err := deleteNoteScript.Run(ctx, s.c, s.keys(citizen).list(), id).Int()
	if err != nil {
		return false, fmt.Errorf("redis inbox: delete: %w", err)
	}
	return n == 1, nil
}
