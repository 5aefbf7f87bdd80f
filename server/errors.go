package server

import (
	"context"
	"net/http"

	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"

	sp "github.com/satupintu/satupintu"
)

// The edge's own error codes, besides the domain's (sp.ErrorCode) and
// gqlgen's: every error a client reads carries one in extensions.code. The
// README's table of error codes lists them all.
const (
	// The request's HTTP method, media type or Accept header.
	CodeMethodNotAllowed     sp.ErrorCode = "METHOD_NOT_ALLOWED"     // 405, e.g. a mutation over GET
	CodeUnsupportedMediaType sp.ErrorCode = "UNSUPPORTED_MEDIA_TYPE" // 415: POST bodies are application/json
	CodeNotAcceptable        sp.ErrorCode = "NOT_ACCEPTABLE"         // 406: Accept names no JSON type

	// Persisted queries (APQ) and trusted documents.
	CodePersistedQueryNotFound     sp.ErrorCode = "PERSISTED_QUERY_NOT_FOUND"     // the hash is unknown: send the query with it
	CodePersistedQueryNotSupported sp.ErrorCode = "PERSISTED_QUERY_NOT_SUPPORTED" // not version 1
	CodePersistedQueryHashMismatch sp.ErrorCode = "PERSISTED_QUERY_HASH_MISMATCH" // the hash is not the query's sha256
	CodePersistedQueryNotAllowed   sp.ErrorCode = "PERSISTED_QUERY_NOT_ALLOWED"   // not in a trusted-documents manifest

	// CodeAppUpdateRequired: the app is older than SATUPINTU_MIN_APP_VERSION.
	CodeAppUpdateRequired sp.ErrorCode = "APP_UPDATE_REQUIRED"

	// gqlgen's.
	codeParseFailed      sp.ErrorCode = errcode.ParseFailed
	codeValidationFailed sp.ErrorCode = errcode.ValidationFailed
	codeComplexityLimit  sp.ErrorCode = "COMPLEXITY_LIMIT_EXCEEDED"
)

// httpLevel are the codes whose HTTP status holds whatever media type the
// client accepts: they are about the HTTP request (a token, a rate, a
// size, a method), not a GraphQL request error, and clients act on the
// status (refresh the token on 401, back off on 429).
var httpLevel = map[sp.ErrorCode]int{
	sp.CodeUnauthenticated:   http.StatusUnauthorized,
	sp.CodeRateLimited:       http.StatusTooManyRequests,
	sp.CodePayloadTooLarge:   http.StatusRequestEntityTooLarge,
	CodeMethodNotAllowed:     http.StatusMethodNotAllowed,
	CodeUnsupportedMediaType: http.StatusUnsupportedMediaType,
	CodeNotAcceptable:        http.StatusNotAcceptable,
	sp.CodeUnavailable:       http.StatusServiceUnavailable,
	sp.CodeInternal:          http.StatusInternalServerError,
}

// requestErrorStatus is the status of a response without data (nothing was
// executed) under media (the GraphQL-over-HTTP spec):
// application/json answers 200 to a well-formed request whatever GraphQL
// request error it raised; application/graphql-response+json answers 4xx,
// 400 unless the code says better. PERSISTED_QUERY_NOT_FOUND is 200 in both:
// it is the first step of the APQ exchange, which Apollo's clients run on
// a 200.
func requestErrorStatus(errs gqlerror.List, media string) int {
	if len(errs) == 0 {
		return http.StatusOK
	}
	code := codeOf(errs[0])
	if s, ok := httpLevel[code]; ok {
		return s
	}
	if code == CodePersistedQueryNotFound || media == mediaJSON {
		return http.StatusOK
	}
	if s := code.HTTPStatus(); s >= 400 && s < 500 {
		return s
	}
	return http.StatusBadRequest
}

func codeOf(e *gqlerror.Error) sp.ErrorCode {
	if e == nil {
		return ""
	}
	c, _ := e.Extensions["code"].(string)
	return sp.ErrorCode(c)
}

// edgeError is one of the edge's errors, in the client's language.
func edgeError(ctx context.Context, code sp.ErrorCode, msg sp.Text) *gqlerror.Error {
	return &gqlerror.Error{Message: msg.In(sp.LangFrom(ctx)), Extensions: map[string]any{"code": string(code)}}
}
