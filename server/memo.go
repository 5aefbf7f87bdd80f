package server

import "sync"

// memo remembers values derived from request text that repeats: an app
// sends the same few operations, and the query's hash, or a body's
// parameters, are the same each time. It holds at most max entries and is
// emptied when full, so texts that do not repeat (a client sending many
// different ones) cost a map of max entries and the work memo saves, no
// more.
type memo[V any] struct {
	mu  sync.RWMutex
	m   map[string]V
	max int
}

func newMemo[V any](max int) *memo[V] { return &memo[V]{m: make(map[string]V), max: max} }

// get looks k up without copying it into a string.
func (c *memo[V]) get(k []byte) (V, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	v, ok := c.m[string(k)]
	return v, ok
}

func (c *memo[V]) getString(k string) (V, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	v, ok := c.m[k]
	return v, ok
}

func (c *memo[V]) put(k string, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		clear(c.m)
	}
	c.m[k] = v
}
