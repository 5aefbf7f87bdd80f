package satupintu

import (
	"encoding/json"
	"fmt"
	"time"
)

// Jakarta is Western Indonesia Time (WIB, UTC+7). Calendar dates that reach
// a citizen ("expires today") are computed in it.
var Jakarta = time.FixedZone("WIB", 7*60*60)

// Date is a calendar date without a time of day or zone. Its text form is
// ISO 8601, 2006-01-02.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the calendar date of t in WIB.
func DateOf(t time.Time) Date {
	y, m, d := t.In(Jakarta).Date()
	return Date{y, m, d}
}

// ParseDate parses 2006-01-02.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("date must be YYYY-MM-DD, got %q", s)
	}
	return Date{t.Year(), t.Month(), t.Day()}, nil
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// Time is midnight WIB at the start of d.
func (d Date) Time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, Jakarta) }

// AddDays returns the date n days later (earlier when n < 0).
func (d Date) AddDays(n int) Date { return DateOf(d.Time().AddDate(0, 0, n)) }

// DaysUntil counts whole days from d to e (negative when e is before d).
func (d Date) DaysUntil(e Date) int {
	a := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
	b := time.Date(e.Year, e.Month, e.Day, 0, 0, 0, 0, time.UTC)
	return int(b.Sub(a).Hours() / 24)
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.DaysUntil(e) > 0 }

// AgeOn is how old, in whole years, someone born on d is on day on. A year
// is added on each birthday itself; someone born on 29 February adds it on
// 1 March in a common year.
func (d Date) AgeOn(on Date) int {
	age := on.Year - d.Year
	if on.Month < d.Month || on.Month == d.Month && on.Day < d.Day {
		age--
	}
	return age
}

func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(d.String())
}

func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = Date{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}
