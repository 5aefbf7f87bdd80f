package statuslist_test

import (
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/satupintu/satupintu/documents/statuslist"
	"github.com/satupintu/satupintu/signing"
)

// The draft's own example of a 2-bit list (draft-ietf-oauth-status-list,
// "Status List" section): statuses 1,2,0,3,0,1,0,1,1,2,3,3 are the bytes
// C9 44 F9 and lst "eNo76fITAAPfAgc".
func TestDraftExampleTwoBits(t *testing.T) {
	want := []uint8{1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3}
	l, err := statuslist.Decode(2, "eNo76fITAAPfAgc")
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range want {
		if got, err := l.Get(i); err != nil || got != w {
			t.Errorf("idx %d = %d (%v), want %d", i, got, err, w)
		}
	}
	// Written by this package, it reads back the same through Decode.
	mine := statuslist.New(12)
	for i, w := range want {
		if w < 3 {
			if err := mine.Set(i, w); err != nil {
				t.Fatal(err)
			}
		}
	}
	back, err := statuslist.Decode(2, mine.Encoded())
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range want {
		if w == 3 {
			w = 0
		}
		if got, _ := back.Get(i); got != w {
			t.Errorf("written idx %d reads %d, want %d", i, got, w)
		}
	}
	if err := mine.Set(12, 1); err == nil {
		t.Error("an index past the end was accepted")
	}
	if err := mine.Set(0, 4); err == nil {
		t.Error("a status of 3 bits was accepted in a 2-bit list")
	}
}

func TestTokenRoundTripAndFreshness(t *testing.T) {
	keys := signing.Dev("statuslist-test")
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	l := statuslist.New(1 << 16)
	_ = l.Set(42, statuslist.Suspended)
	raw, err := statuslist.Token{URI: "https://example.test/credentials/status/1", IAT: now, EXP: now.Add(24 * time.Hour),
		TTL: 5 * time.Minute, List: l}.Sign(keys)
	if err != nil {
		t.Fatal(err)
	}
	parse := func(uri string, at time.Time) (statuslist.Token, error) {
		return statuslist.ParseToken(raw, statuslist.ParseOptions{Keyfunc: keys.Keyfunc, URI: uri, Now: func() time.Time { return at }})
	}
	tok, err := parse("https://example.test/credentials/status/1", now)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := tok.Get(42); v != statuslist.Suspended {
		t.Errorf("idx 42 = %d, want SUSPENDED", v)
	}
	if v, _ := tok.Get(41); v != statuslist.Valid {
		t.Errorf("idx 41 = %d, want VALID", v)
	}
	if !tok.Fresh(now.Add(4*time.Minute)) || tok.Fresh(now.Add(5*time.Minute)) {
		t.Error("a copy is fresh for ttl (5 minutes) from iat, and no longer")
	}
	if _, err := parse("https://example.test/credentials/status/2", now); err == nil {
		t.Error("a list served for another uri was accepted")
	}
	if _, err := parse("https://example.test/credentials/status/1", now.Add(25*time.Hour)); err == nil {
		t.Error("an expired list was accepted")
	}
	// A token of another typ (a credential, say) is not a status list.
	other, _ := keys.Sign("dc+sd-jwt", jwt.MapClaims{"sub": "https://example.test/credentials/status/1", "iat": now.Unix()})
	if _, err := statuslist.ParseToken(other, statuslist.ParseOptions{Keyfunc: keys.Keyfunc, URI: "https://example.test/credentials/status/1",
		Now: func() time.Time { return now }}); err == nil {
		t.Error("a token of typ dc+sd-jwt was read as a status list")
	}
}

func TestReferenceRoundTrip(t *testing.T) {
	r := statuslist.Reference{Idx: 7, URI: "https://example.test/credentials/status/3"}
	// As a verifier decodes it from JSON, numbers are float64.
	claim := map[string]any{"status_list": map[string]any{"idx": float64(7), "uri": r.URI}}
	got, err := statuslist.ReferenceOf(claim)
	if err != nil || got != r {
		t.Errorf("ReferenceOf = %+v, %v", got, err)
	}
	if _, err := statuslist.ReferenceOf(map[string]any{"status_list": map[string]any{"idx": 1.5, "uri": "x"}}); err == nil {
		t.Error("a fractional index was accepted")
	}
}
