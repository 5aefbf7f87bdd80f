package ratelimit

import (
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	for in, want := range map[string]Limit{
		"120/1m,burst=40":      {Rate: 120, Period: time.Minute, Burst: 40},
		"600/1m":               {Rate: 600, Period: time.Minute, Burst: 600},
		" 5 / 1s , burst = 2 ": {Rate: 5, Period: time.Second, Burst: 2},
		"1/24h,burst=10":       {Rate: 1, Period: 24 * time.Hour, Burst: 10},
		"off":                  {},
		"OFF":                  {},
	} {
		got, err := Parse(in)
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", in, got, err, want)
		}
		if back, err := Parse(got.String()); err != nil || back != got {
			t.Errorf("Parse(%q.String() = %q) = %+v, %v", in, got.String(), back, err)
		}
	}
	for _, in := range []string{"", "120", "120/", "/1m", "0/1m", "-1/1m", "x/1m", "1/0s", "1/-1m", "1/1",
		"1/1m,burst=0", "1/1m,burst=-2", "1/1m,burst=x", "1/1m,bust=2", "1/1m,2", "1/1m,"} {
		if got, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) = %+v, nil; want an error", in, got)
		}
	}
}
