// Package signature is the signature scheme of satupintu's case contract
// with the agencies (api/agency.yaml), in the style of Stripe's signed
// webhooks:
//
//	Satupintu-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>[,v1=…]
//
// satupintu signs its forwards and polls with Sign/SignAll and checks the
// agencies' status events with a Verifier. Each agency shares one secret
// with satupintu; during a rotation several are valid at once, so a header
// may carry several v1 values and a receiver accepts any v1 that matches any
// of its secrets. The HMAC key is the secret's bytes as configured (no hex
// or base64 decoding).
package signature

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

const (
	// Header carries the signature on every signed request, both ways.
	Header = "Satupintu-Signature"
	// AgencyHeader names the sending agency on agency → satupintu calls;
	// the signature is checked with that agency's secrets.
	AgencyHeader = "Satupintu-Agency"
	// Tolerance is how far a signature's timestamp may be from the
	// receiver's clock, either way.
	Tolerance = 5 * time.Minute
)

// Reasons a signature is refused. Verify wraps them with detail meant for
// the sender's developer; match them with errors.Is.
var (
	ErrMissing   = errors.New("signature missing")
	ErrMalformed = errors.New("signature malformed")
	ErrStale     = errors.New("signature timestamp outside the tolerance")
	ErrMismatch  = errors.New("signature does not match")
	ErrReplayed  = errors.New("signature already used")
	// ErrUnavailable is a replay guard that could not answer: the request
	// is refused (fail closed) but may be sent again.
	ErrUnavailable = errors.New("signature replay check unavailable")
)

// Limits of a header, so a hostile one costs little to refuse.
const (
	maxHeaderLen = 2048
	maxV1        = 8
	macHexLen    = 2 * sha256.Size
)

// Sign returns the header value signing body at time t with secret.
func Sign(secret []byte, t time.Time, body []byte) string {
	return SignAll([][]byte{secret}, t, body)
}

// SignAll signs with every secret (a rotation): one v1 per secret, in
// order, after a single t.
func SignAll(secrets [][]byte, t time.Time, body []byte) string {
	ts := t.Unix()
	var b strings.Builder
	b.Grow(16 + len(secrets)*(4+macHexLen))
	b.WriteString("t=")
	b.WriteString(strconv.FormatInt(ts, 10))
	for _, s := range secrets {
		b.WriteString(",v1=")
		b.WriteString(hex.EncodeToString(mac(s, ts, body)))
	}
	return b.String()
}

// mac is HMAC-SHA256(secret, "<t>.<body>").
func mac(secret []byte, ts int64, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	var buf [24]byte
	m.Write(strconv.AppendInt(buf[:0], ts, 10))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// parsed is a header taken apart.
type parsed struct {
	ts  int64
	v1s [][]byte // decoded MACs
}

// parse reads "t=…,v1=…[,v1=…]". Unknown keys (a future v2, say) are
// skipped; spaces around the parts are tolerated.
func parse(header string) (parsed, error) {
	var p parsed
	header = strings.TrimSpace(header)
	if header == "" {
		return p, ErrMissing
	}
	if len(header) > maxHeaderLen {
		return p, malformed("longer than %d bytes", maxHeaderLen)
	}
	haveT := false
	for part := range strings.SplitSeq(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return p, malformed("%q is not key=value", clip(part))
		}
		switch k {
		case "t":
			if haveT {
				return p, malformed("t appears twice")
			}
			ts, err := parseUnix(v)
			if err != nil {
				return p, err
			}
			p.ts, haveT = ts, true
		case "v1":
			if len(p.v1s) == maxV1 {
				return p, malformed("more than %d v1 values", maxV1)
			}
			if len(v) != macHexLen {
				return p, malformed("v1 must be %d hex digits (HMAC-SHA256)", macHexLen)
			}
			m, err := hex.DecodeString(v)
			if err != nil {
				return p, malformed("v1 must be %d hex digits (HMAC-SHA256)", macHexLen)
			}
			p.v1s = append(p.v1s, m)
		}
	}
	switch {
	case !haveT:
		return p, malformed("no t=<unix seconds>")
	case len(p.v1s) == 0:
		return p, malformed("no v1=<hex HMAC-SHA256>")
	}
	return p, nil
}

// parseUnix reads unsigned decimal seconds: no sign, no exponent.
func parseUnix(v string) (int64, error) {
	if v == "" || len(v) > 12 {
		return 0, malformed("t must be unix seconds")
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return 0, malformed("t must be unix seconds")
		}
	}
	ts, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, malformed("t must be unix seconds")
	}
	return ts, nil
}

// clip keeps an echoed fragment of a bad header short.
func clip(s string) string {
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return s
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format+`; expected "t=<unix seconds>,v1=<hex HMAC-SHA256>"`, append([]any{ErrMalformed}, args...)...)
}
