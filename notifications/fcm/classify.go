package fcm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"firebase.google.com/go/v4/errorutils"
	"firebase.google.com/go/v4/messaging"

	"github.com/satupintu/satupintu/notifications"
)

// classify turns the SDK's error for one message into an outcome. The SDK's
// helpers match by type assertion, so err must be the SDK's own value, not
// a wrapped one.
func classify(err error, now time.Time) notifications.Outcome {
	o := notifications.Outcome{Failure: notifications.FailureUnknown, Detail: err.Error()}
	resp := errorutils.HTTPResponse(err) // nil when no answer came
	var body rpcStatus
	if resp != nil {
		body = readStatus(resp)
		o.Detail = body.detail(resp.StatusCode, err.Error())
		o.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), now)
	}
	switch {
	case messaging.IsUnregistered(err):
		o.Failure = notifications.FailureUnregistered
	case messaging.IsSenderIDMismatch(err):
		o.Failure = notifications.FailureSenderIDMismatch
	// FCM answers some INVALID_ARGUMENTs (a payload too big, a parse error)
	// without the FcmError detail messaging.IsInvalidArgument looks for.
	case messaging.IsInvalidArgument(err), errorutils.IsInvalidArgument(err):
		o.Failure = notifications.FailureInvalidMessage
		if body.tokenAtFault() {
			o.Failure = notifications.FailureInvalidToken
		}
	case messaging.IsQuotaExceeded(err), errorutils.IsResourceExhausted(err):
		o.Failure = notifications.FailureQuotaExceeded
	case messaging.IsInternal(err), resp != nil && errorutils.IsInternal(err):
		o.Failure = notifications.FailureInternal
	case messaging.IsUnavailable(err), resp != nil && errorutils.IsUnavailable(err):
		o.Failure = notifications.FailureUnavailable
	case resp == nil && isTransport(err):
		o.Failure = notifications.FailureNetwork
	}
	return o
}

// isTransport reports whether err means no answer came: the SDK's
// transport errors (connection refused, timeout, other I/O) or the
// deadline that ended its retries.
func isTransport(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errorutils.IsUnavailable(err) || errorutils.IsDeadlineExceeded(err) || errorutils.IsUnknown(err)
}

// invalidTokenMessage is FCM's message when the token is malformed.
const invalidTokenMessage = "The registration token is not a valid FCM registration token"

// rpcStatus is the part of FCM's error body the sender reads.
type rpcStatus struct {
	Error struct {
		Message string `json:"message"`
		Status  string `json:"status"`
		Details []struct {
			Type            string `json:"@type"`
			FieldViolations []struct {
				Field       string `json:"field"`
				Description string `json:"description"`
			} `json:"fieldViolations"`
		} `json:"details"`
	} `json:"error"`
}

// readStatus parses an error answer; a body that is not FCM's shape (an
// HTML 502 from a proxy) gives a zero value.
func readStatus(resp *http.Response) rpcStatus {
	var st rpcStatus
	if b, err := io.ReadAll(resp.Body); err == nil { // a buffered copy: safe to read
		_ = json.Unmarshal(b, &st)
	}
	return st
}

// tokenAtFault reports whether an INVALID_ARGUMENT answer blames the
// registration token. FCM has said so two ways: a BadRequest field
// violation on message.token, or only this message (with an FcmError).
func (st rpcStatus) tokenAtFault() bool {
	if strings.HasPrefix(st.Error.Message, invalidTokenMessage) {
		return true
	}
	for _, d := range st.Error.Details {
		for _, v := range d.FieldViolations {
			if d.Type == "type.googleapis.com/google.rpc.BadRequest" && v.Field == "message.token" {
				return true
			}
		}
	}
	return false
}

// detail is the outcome's text for logs: status, message and the first
// field at fault, e.g. "400 INVALID_ARGUMENT: Request contains an invalid
// argument. (message.data: Invalid data payload key)".
func (st rpcStatus) detail(code int, fallback string) string {
	if st.Error.Message == "" {
		return fmt.Sprintf("%d: %s", code, fallback)
	}
	d := fmt.Sprintf("%d %s: %s", code, st.Error.Status, st.Error.Message)
	for _, det := range st.Error.Details {
		if len(det.FieldViolations) > 0 {
			v := det.FieldViolations[0]
			return d + " (" + v.Field + ": " + v.Description + ")"
		}
	}
	return d
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(h string, now time.Time) time.Duration {
	if h == "" {
		return 0
	}
	if s, err := strconv.Atoi(h); err == nil {
		return max(time.Duration(s)*time.Second, 0)
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}
