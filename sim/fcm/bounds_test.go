package fcm

import (
	"strconv"
	"testing"
)

// The fake keeps the newest MaxAccepted messages, oldest first, and bounded
// counters, so a long benchmark does not grow it without end.
func TestMemoryBounded(t *testing.T) {
	s := New("p", nil)
	for i := range MaxAccepted + 5 {
		s.record(Message{Token: strconv.Itoa(i)})
	}
	got := s.Accepted()
	if len(got) != MaxAccepted || got[0].Token != "5" || got[len(got)-1].Token != strconv.Itoa(MaxAccepted+4) {
		t.Fatalf("kept %d messages, %s..%s", len(got), got[0].Token, got[len(got)-1].Token)
	}
	for i := range got[1:] {
		a, _ := strconv.Atoi(got[i].Token)
		b, _ := strconv.Atoi(got[i+1].Token)
		if b != a+1 {
			t.Fatalf("out of order at %d: %d then %d", i, a, b)
		}
	}
	for i := range maxTracked + 1 {
		s.count(strconv.Itoa(i))
	}
	if n := len(s.requests); n > maxTracked {
		t.Errorf("%d counters kept, limit %d", n, maxTracked)
	}
}
