package satupintu

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// ErrorCode is the one taxonomy of failures. It is what GraphQL clients see
// in errors[].extensions.code and what decides the HTTP status.
type ErrorCode string

const (
	CodeNotFound        ErrorCode = "NOT_FOUND"
	CodeUnauthenticated ErrorCode = "UNAUTHENTICATED"
	CodeForbidden       ErrorCode = "FORBIDDEN"
	CodeInvalidInput    ErrorCode = "INVALID_INPUT"
	CodePayloadTooLarge ErrorCode = "PAYLOAD_TOO_LARGE"
	// CodeQueryLimit is a GraphQL operation over the depth, alias, field or
	// complexity limits.
	CodeQueryLimit  ErrorCode = "QUERY_LIMIT_EXCEEDED"
	CodeConflict    ErrorCode = "CONFLICT"
	CodeRateLimited ErrorCode = "RATE_LIMITED"
	CodeUnavailable ErrorCode = "UNAVAILABLE"
	CodeInternal    ErrorCode = "INTERNAL"

	// Agency failures: extensions.agency says which one.
	CodeAgencyUnavailable ErrorCode = "AGENCY_UNAVAILABLE"  // down, 5xx, breaker open, too many calls in flight
	CodeAgencyTimeout     ErrorCode = "AGENCY_TIMEOUT"      // no answer within the agency's timeout
	CodeAgencyBadResponse ErrorCode = "AGENCY_BAD_RESPONSE" // malformed, undecryptable or unexpected reply
	CodeAgencyRejected    ErrorCode = "AGENCY_REJECTED"     // the agency refused our credentials or request
)

// HTTPStatus is the one mapping from error code to HTTP status.
func (c ErrorCode) HTTPStatus() int {
	switch c {
	case CodeNotFound:
		return http.StatusNotFound
	case CodeUnauthenticated:
		return http.StatusUnauthorized
	case CodeForbidden:
		return http.StatusForbidden
	case CodeInvalidInput, CodeQueryLimit:
		return http.StatusBadRequest
	case CodePayloadTooLarge:
		return http.StatusRequestEntityTooLarge
	case CodeConflict:
		return http.StatusConflict
	case CodeRateLimited:
		return http.StatusTooManyRequests
	case CodeUnavailable:
		return http.StatusServiceUnavailable
	case CodeAgencyUnavailable, CodeAgencyTimeout, CodeAgencyBadResponse, CodeAgencyRejected:
		return http.StatusBadGateway
	}
	return http.StatusInternalServerError
}

// Error is an error with a code, safe to show: Message is written for the
// client; Err is the cause, for logs only.
type Error struct {
	Code    ErrorCode
	Agency  Agency // set when an agency failed
	Message string
	Err     error
}

func (e *Error) Error() string {
	s := string(e.Code)
	if e.Agency != "" {
		s += " (" + string(e.Agency) + ")"
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// ErrNotFound is the one "no such thing" of every store and service: a
// case, a job, a device, a notification. Match it with errors.Is; any
// *Error with CodeNotFound is one, whatever its message.
var ErrNotFound = &Error{Code: CodeNotFound, Message: "not found"}

// Is matches every NOT_FOUND to ErrNotFound. Other errors match by
// identity, so that two refusals of one code stay apart.
func (e *Error) Is(target error) bool {
	return target == error(ErrNotFound) && e.Code == CodeNotFound
}

// Errorf returns an *Error with a client-safe message.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// AgencyError returns the error of a failed agency call.
func AgencyError(a Agency, code ErrorCode, message string, cause error) *Error {
	return &Error{Code: code, Agency: a, Message: message, Err: cause}
}

// ErrorCodeOf returns the code of the first *Error in err's chain,
// CodeInternal for anything else.
func ErrorCodeOf(err error) ErrorCode {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return CodeUnavailable
	}
	return CodeInternal
}

// ErrorMessageOf returns what a client may read about err: the message of an
// *Error, "internal error" for anything unexpected.
func ErrorMessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	return "internal error"
}

// AgencyOf returns the agency a failure came from, if any.
func AgencyOf(err error) Agency {
	var e *Error
	if errors.As(err, &e) {
		return e.Agency
	}
	return ""
}
