package server

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"regexp"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/apprelease"
)

// persistedQueries serves operations sent by their hash
// (extensions.persistedQuery {version: 1, sha256Hash}), from the trusted
// documents first, then from the APQ store, and applies the trusted
// documents mode to every operation:
//
//	                          off / log                          enforce
//	hash alone, in manifest   the manifest's text                the manifest's text
//	hash alone, elsewhere     APQ: the stored text, or           PERSISTED_QUERY_NOT_ALLOWED
//	                          PERSISTED_QUERY_NOT_FOUND
//	text (with or without     runs; with a hash, APQ keeps it    runs if its sha256 is in a
//	a hash)                   (log: logged and counted unless    manifest, else
//	                          in a manifest)                     PERSISTED_QUERY_NOT_ALLOWED
//
// A hash that is not the text's sha256 is PERSISTED_QUERY_HASH_MISMATCH.
// It replaces gqlgen's AutomaticPersistedQuery, whose errors carry no code
// and which stores a text before it is known to be valid: here a text is
// stored only once its operation has passed every gate and limit
// (persistedCommit), so a request without a token, or one refused, stores
// nothing.
type persistedQueries struct {
	apq     graphql.Cache[string]
	trusted *TrustedDocuments
	mode    TrustedMode
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = persistedQueries{}

func (persistedQueries) ExtensionName() string                   { return "PersistedQueries" }
func (persistedQueries) Validate(graphql.ExecutableSchema) error { return nil }

// persistedState is what persistedQueries learnt of an operation, for
// persistedCommit.
type persistedState struct {
	hash     string // the client's hash, or the text's sha256
	trusted  bool   // the operation is in a manifest
	register bool   // keep the text in the APQ store once it passes
}

const persistedStat = "satupintu.persisted"

// querySums are the sha256 of the queries sent in full, by query.
var querySums = newMemo[string](256)

var sha256Pattern = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)

func (x persistedQueries) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	hash, err := persistedHash(ctx, p.Extensions)
	if err != nil {
		return err
	}
	if hash == "" && p.Query == "" {
		return nil // nothing to look up: the parser says what is missing
	}
	st := &persistedState{hash: hash}
	graphql.GetOperationContext(ctx).Stats.SetExtension(persistedStat, st)
	if p.Query == "" {
		if op, ok := x.trusted.Lookup(hash); ok {
			p.Query, st.trusted = op.Body, true
			return nil
		}
		if x.mode == TrustedEnforce {
			return notAllowed(ctx)
		}
		q, ok := x.apq.Get(ctx, hash)
		if !ok {
			return edgeError(ctx, CodePersistedQueryNotFound, sp.Text{ID: "PersistedQueryNotFound", EN: "PersistedQueryNotFound"})
		}
		p.Query = q
		return nil
	}
	sum, ok := querySums.getString(p.Query)
	if !ok {
		sum = sha256Hex(p.Query)
		querySums.put(p.Query, sum)
	}
	if hash != "" && !equalFoldASCII(hash, sum) {
		return edgeError(ctx, CodePersistedQueryHashMismatch, sp.Text{
			ID: "Hash persistedQuery bukan sha256 dari query yang dikirim.",
			EN: "The persistedQuery hash is not the sha256 of the query sent.",
		})
	}
	if _, ok := x.trusted.Lookup(sum); ok {
		st.hash, st.trusted = sum, true
		return nil
	}
	if x.mode == TrustedEnforce {
		return notAllowed(ctx)
	}
	st.register = hash != ""
	st.hash = sum
	return nil
}

// persistedHash reads extensions.persistedQuery: "" when there is none.
func persistedHash(ctx context.Context, ext map[string]any) (string, *gqlerror.Error) {
	raw, ok := ext["persistedQuery"]
	if !ok || raw == nil {
		return "", nil
	}
	pq, ok := raw.(map[string]any)
	hash, hok := pq["sha256Hash"].(string)
	if !ok || !hok || !sha256Pattern.MatchString(hash) {
		return "", edgeError(ctx, sp.CodeInvalidInput, sp.Text{
			ID: "extensions.persistedQuery harus {version: 1, sha256Hash: <64 digit heksadesimal>}.",
			EN: "extensions.persistedQuery must be {version: 1, sha256Hash: <64 hex digits>}.",
		})
	}
	if !isOne(pq["version"]) {
		e := edgeError(ctx, CodePersistedQueryNotSupported, sp.Text{
			ID: fmt.Sprintf("persistedQuery versi %v tidak didukung; hanya versi 1.", pq["version"]),
			EN: fmt.Sprintf("persistedQuery version %v is not supported; only version 1.", pq["version"]),
		})
		return "", e
	}
	return hash, nil
}

// isOne reports whether v, a decoded JSON number, is 1: json.Number from
// the HTTP transports, float64 from the websocket's.
func isOne(v any) bool {
	switch n := v.(type) {
	case json.Number:
		return n.String() == "1"
	case float64:
		return n == 1
	case int:
		return n == 1
	case int64:
		return n == 1
	}
	return false
}

func notAllowed(ctx context.Context) *gqlerror.Error {
	return edgeError(ctx, CodePersistedQueryNotAllowed, sp.Text{
		ID: "Operasi ini tidak ada dalam dokumen tepercaya aplikasi.",
		EN: "This operation is not among the apps' trusted documents.",
	})
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range len(a) {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// persistedCommit runs after every gate and limit: it keeps a new APQ
// text, and in log mode logs and counts an operation no manifest lists.
type persistedCommit struct {
	persistedQueries
	log     *slog.Logger
	metrics *GraphQLMetrics
	label   func(string) string
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = persistedCommit{}

func (persistedCommit) ExtensionName() string { return "PersistedQueriesCommit" }

func (x persistedCommit) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	st, _ := oc.Stats.GetExtension(persistedStat).(*persistedState)
	if st == nil {
		return nil
	}
	if st.register {
		x.apq.Add(ctx, st.hash, oc.RawQuery)
	}
	if x.mode == TrustedLog && !st.trusted {
		client := apprelease.RequestFrom(ctx).Client
		x.metrics.countUntrusted(x.label(client.Name))
		// The name and hash, never the text: its literals may hold a NIK.
		x.log.WarnContext(ctx, "operation not in a trusted-documents manifest", "request_id", sp.RequestIDFrom(ctx),
			"operation", oc.Operation.Name, "sha256", st.hash, "client", client.Name, "client_version", client.Version)
	}
	return nil
}
