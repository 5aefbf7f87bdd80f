package snap

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestAmounts(t *testing.T) {
	if got := Rupiah(30000); got.Value != "30000.00" || got.Currency != "IDR" {
		t.Errorf("Rupiah(30000) = %+v", got)
	}
	for _, c := range []struct {
		in   Amount
		want int64
		ok   bool
	}{
		{Amount{"30000.00", "IDR"}, 30000, true},
		{Amount{"30000.50", "IDR"}, 0, false}, // no cents in PNBP
		{Amount{"3e4.00", "IDR"}, 0, false},
		{Amount{"-1.00", "IDR"}, 0, false},
		{Amount{"30000.00", "USD"}, 30000, false},
		{Amount{".00", "IDR"}, 0, false},
	} {
		if got, ok := c.in.Whole(); ok != c.ok || (ok && got != c.want) {
			t.Errorf("%+v.Whole() = %d, %v; want %d, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

// X-EXTERNAL-ID: the same operation the same day is the same id (a retry
// is recognised), another day another; always 32 digits.
func TestExternalID(t *testing.T) {
	day := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	a, b := ExternalID("create-va|x.1|BRI", day), ExternalID("create-va|x.1|BRI", day.Add(time.Hour))
	if a != b || len(a) != 32 {
		t.Errorf("same day: %s, %s", a, b)
	}
	if ExternalID("create-va|x.1|BRI", day.Add(24*time.Hour)) == a || ExternalID("create-va|x.1|BNI", day) == a {
		t.Error("another day or operation has the same id")
	}
}

// The symmetric signature is HMAC-SHA512 over the minified body: the same
// for the body with or without whitespace.
func TestSignatureMinifies(t *testing.T) {
	a, _ := Signature("s", http.MethodPost, "/v1.0/x", "tok", []byte(`{"a": 1, "b": [1, 2]}`), "2026-12-04T10:00:00+07:00")
	b, _ := Signature("s", http.MethodPost, "/v1.0/x", "tok", []byte(`{"a":1,"b":[1,2]}`), "2026-12-04T10:00:00+07:00")
	c, _ := Signature("s", http.MethodPost, "/v1.0/x", "tok", []byte(`{"a":2,"b":[1,2]}`), "2026-12-04T10:00:00+07:00")
	if a != b || a == c || len(a) != 88 {
		t.Errorf("signatures %s %s %s", a, b, c)
	}
}

func TestTimestampIsWIB(t *testing.T) {
	if got := Timestamp(time.Date(2026, 12, 4, 3, 0, 0, 0, time.UTC)); got != "2026-12-04T10:00:00+07:00" {
		t.Errorf("Timestamp = %s", got)
	}
}

func TestConfigPrintsNoSecret(t *testing.T) {
	s := fmt.Sprintf("%+v %v", Config{ClientSecret: "very-secret"}, &Config{ClientSecret: "very-secret"})
	if strings.Contains(s, "very-secret") {
		t.Errorf("printed: %s", s)
	}
}
