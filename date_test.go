package satupintu

import (
	"testing"
	"time"
)

func TestAgeOn(t *testing.T) {
	d := func(y, m, day int) Date { return Date{Year: y, Month: time.Month(m), Day: day} }
	for _, tt := range []struct {
		born, on Date
		want     int
	}{
		{d(2009, 12, 5), d(2026, 12, 4), 16}, // the day before the 17th birthday
		{d(2009, 12, 5), d(2026, 12, 5), 17}, // the birthday itself
		{d(2009, 12, 5), d(2026, 12, 6), 17},
		{d(2009, 12, 5), d(2027, 1, 1), 17},
		{d(2010, 1, 31), d(2026, 12, 31), 16},
		{d(2008, 2, 29), d(2025, 2, 28), 16}, // a leap-day birthday in a common year...
		{d(2008, 2, 29), d(2025, 3, 1), 17},  // ...counts from 1 March
		{d(2008, 2, 29), d(2024, 2, 29), 16},
		{d(2015, 7, 5), d(2015, 7, 5), 0},
	} {
		if got := tt.born.AgeOn(tt.on); got != tt.want {
			t.Errorf("born %s, on %s: age %d, want %d", tt.born, tt.on, got, tt.want)
		}
	}
}
