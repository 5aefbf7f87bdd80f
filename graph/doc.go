// Package graph is the GraphQL schema: one .graphqls per domain, from which
// gqlgen generates graph/exec and graph/model (go tool gqlgen), and
// schema.snapshot.graphql, the released schema. go test ./graph checks the
// schema against it (no breaking change), that every object a client
// caches has an id, and that everything in it is described.
package graph
