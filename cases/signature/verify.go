package signature

import (
	"context"
	"crypto/hmac"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// ReplayGuard remembers the signatures already used. First reports whether
// key is seen for the first time within ttl, and remembers it for ttl; a
// repeat does not extend the ttl. Engines: store/memory (one process) and
// store/redis (shared, so a replay seen by any instance is refused by every
// instance).
type ReplayGuard interface {
	First(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

// Verifier checks signatures and refuses replays.
type Verifier struct {
	now   func() time.Time
	guard ReplayGuard
}

// NewVerifier returns a Verifier reading the clock from now (nil:
// time.Now) that remembers signatures in guard. A nil guard is a
// programming error: it panics.
func NewVerifier(now func() time.Time, guard ReplayGuard) *Verifier {
	if guard == nil {
		panic("signature.NewVerifier: a replay guard is required")
	}
	if now == nil {
		now = time.Now
	}
	return &Verifier{now: now, guard: guard}
}

// Verify checks that header signs body with one of secrets, within the
// tolerance, and that it was not used before. Empty secrets never match.
// Only a signature that verifies is remembered.
func (v *Verifier) Verify(header string, body []byte, secrets [][]byte) error {
	return v.VerifyContext(context.Background(), header, body, secrets)
}

// VerifyContext is Verify with a context for the replay store.
func (v *Verifier) VerifyContext(ctx context.Context, header string, body []byte, secrets [][]byte) error {
	p, err := parse(header)
	if err != nil {
		return err
	}
	now := v.now()
	skew := now.Sub(time.Unix(p.ts, 0))
	if skew > Tolerance || skew < -Tolerance {
		return fmt.Errorf("%w: t=%d is %s away from satupintu's clock (%d); the tolerance is %s either way",
			ErrStale, p.ts, skew.Abs().Round(time.Second), now.Unix(), Tolerance)
	}
	// Every v1 that matches is recorded, so stripping one v1 off a rotation
	// header does not make a fresh signature of it.
	want := make([][]byte, 0, len(secrets))
	for _, s := range secrets {
		if len(s) > 0 {
			want = append(want, mac(s, p.ts, body))
		}
	}
	var matched []string
	for _, got := range p.v1s {
		for _, w := range want {
			if hmac.Equal(got, w) {
				if m := hex.EncodeToString(got); !slices.Contains(matched, m) {
					matched = append(matched, m)
				}
				break
			}
		}
	}
	if len(matched) == 0 {
		return fmt.Errorf(`%w: no v1 is HMAC-SHA256 of "<t>.<raw body>" with a current secret`, ErrMismatch)
	}
	// Remember it until it could no longer pass the timestamp check (a
	// second more: that check is inclusive).
	ttl := time.Unix(p.ts, 0).Add(Tolerance + time.Second).Sub(now)
	first := true
	for _, m := range matched {
		ok, err := v.guard.First(ctx, "sig:"+strconv.FormatInt(p.ts, 10)+":"+m, ttl)
		if err != nil {
			return &storeError{err}
		}
		first = first && ok
	}
	if !first {
		return fmt.Errorf("%w: sign every delivery anew (a fresh t)", ErrReplayed)
	}
	return nil
}

// storeError is ErrUnavailable with its cause, which stays out of the
// message: the message goes back to the sender.
type storeError struct{ err error }

func (e *storeError) Error() string   { return ErrUnavailable.Error() + "; send it again later" }
func (e *storeError) Unwrap() []error { return []error{ErrUnavailable, e.err} }
