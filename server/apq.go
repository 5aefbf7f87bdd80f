package server

import (
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/lru"
)

// minAPQEntries is the smallest in-process APQ cache: several releases of
// the apps, each with its few dozen operations, fit with room to spare.
const minAPQEntries = 1000

// apqCache is where automatic persisted queries are kept: the configured
// store, else an LRU in this process (each instance then learns a query
// once, from the client's retry with the full text).
func apqCache(d Deps) graphql.Cache[string] {
	if d.APQ != nil {
		return d.APQ
	}
	return lru.New[string](max(d.Limits.QueryCacheSize, minAPQEntries))
}
