package redis

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	goredis "github.com/redis/go-redis/v9"
)

var _ graphql.Cache[string] = (*APQCache)(nil)

// APQTTL is how long a persisted query is kept after it was last sent in
// full. A client whose query expired gets PERSISTED_QUERY_NOT_FOUND and
// sends it again.
const APQTTL = 24 * time.Hour

// apqWarnEvery is how often a failing Redis is logged at most.
const apqWarnEvery = 10 * time.Second

// APQCache keeps automatic persisted queries in Redis, shared by every
// instance: one string key per query, <prefix>apq:<sha256>, for APQTTL.
// The port cannot fail, so a Redis error is a miss on Get (the client then
// sends the full query) and a log line on Add.
type APQCache struct {
	c        goredis.UniversalClient
	prefix   string
	log      *slog.Logger
	lastWarn atomic.Int64 // unix nanoseconds; 0: none yet
}

// NewAPQCache stores queries under prefix + "apq:" + sha256. A nil log
// discards.
func NewAPQCache(c goredis.UniversalClient, prefix string, log *slog.Logger) *APQCache {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &APQCache{c: c, prefix: prefix + "apq:", log: log}
}

// Get returns the query persisted under hash. A hash that is not a
// sha256 in hex is a miss without asking Redis: the client chose it.
func (a *APQCache) Get(ctx context.Context, hash string) (string, bool) {
	if !isSHA256Hex(hash) {
		return "", false
	}
	q, err := a.c.Get(ctx, a.prefix+hash).Result()
	if errors.Is(err, goredis.Nil) {
		return "", false
	}
	if err != nil {
		a.warn(ctx, "get", err)
		return "", false
	}
	return q, true
}

// Add persists query under hash (gqlgen has checked that it is its
// sha256), for APQTTL from now.
func (a *APQCache) Add(ctx context.Context, hash, query string) {
	if err := a.c.Set(ctx, a.prefix+hash, query, APQTTL).Err(); err != nil {
		a.warn(ctx, "add", err)
	}
}

func (a *APQCache) warn(ctx context.Context, op string, err error) {
	now := time.Now().UnixNano()
	last := a.lastWarn.Load()
	if last != 0 && now-last < int64(apqWarnEvery) || !a.lastWarn.CompareAndSwap(last, now) {
		return
	}
	a.log.WarnContext(ctx, "persisted query cache failed: clients send full queries until Redis is back",
		"op", op, "error", err.Error())
}

func isSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
