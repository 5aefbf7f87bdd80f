package cases_test

import (
	"encoding/base64"
	"testing"
	"time"

	"github.com/satupintu/satupintu/cases"
)

func TestChangePayloadRoundTrip(t *testing.T) {
	for _, c := range []struct {
		from, to int
		version  int64
	}{{0, 1, 1}, {1, 2, 2}, {3, 5, 9}, {199, 400, 1 << 40}} {
		p := cases.ChangePayload(c.from, c.to, c.version)
		from, to, version, ok := cases.ParseChange(p)
		if !ok || from != c.from || to != c.to || version != c.version {
			t.Errorf("%q: %d %d %d %v", p, from, to, version, ok)
		}
	}
	if p := string(cases.ChangePayload(3, 5, 9)); p != "3:5:9" {
		t.Errorf("payload %q: the Redis engine writes the same format", p)
	}
}

func TestParseChangeMalformed(t *testing.T) {
	for _, p := range []string{
		"", "3", "3:5", "3:5:9:1", "a:5:9", "3:b:9", "3:5:c", "3:5:", ":5:9",
		"-1:5:9", // from before the history
		"5:5:9",  // no entries
		"6:5:9",  // backwards
		"3:5:99999999999999999999", " 3:5:9",
	} {
		if from, to, v, ok := cases.ParseChange([]byte(p)); ok {
			t.Errorf("ParseChange(%q) = %d %d %d, ok", p, from, to, v)
		}
	}
}

func TestCursorAfter(t *testing.T) {
	c := &cases.Case{ID: "abc123", CreatedAt: time.Date(2026, 3, 2, 2, 0, 0, 123_456_789, time.UTC)}
	cur := cases.CursorAfter(c)
	raw, err := base64.RawURLEncoding.DecodeString(cur)
	if err != nil {
		t.Fatalf("%q is not unpadded base64url: %v", cur, err)
	}
	if want := "1772416800123:abc123"; string(raw) != want {
		t.Errorf("cursor reads %q, want %q (milliseconds, then the id)", raw, want)
	}
	// The zone does not matter, only the instant.
	same := &cases.Case{ID: "abc123", CreatedAt: c.CreatedAt.In(time.FixedZone("WIB", 7*3600))}
	if cases.CursorAfter(same) != cur {
		t.Error("the cursor depends on the time zone")
	}
}
