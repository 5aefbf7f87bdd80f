package testkit

import (
	"sync"
	"time"
)

// Clock is a fake clock, safe for concurrent use: it stands still until
// the test moves it. Pass its Now method wherever a component takes a
// func() time.Time, and its After method where one waits.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	timers []timer
	set    chan struct{} // signalled (capacity 1) whenever a timer is set
}

type timer struct {
	at time.Time
	ch chan time.Time
}

// NewClock returns a clock that reads start.
func NewClock(start time.Time) *Clock { return &Clock{now: start, set: make(chan struct{}, 1)} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// After is time.After on this clock: the channel receives when the
// clock is moved to or past d from now (at once when d <= 0).
func (c *Clock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.timers = append(c.timers, timer{at: c.now.Add(d), ch: ch})
	select {
	case c.set <- struct{}{}:
	default:
	}
	return ch
}

// TimerSet receives whenever After sets a timer (coalesced: one signal
// may stand for several).
func (c *Clock) TimerSet() <-chan struct{} { return c.set }

// Advance moves the clock on by d (back, when d is negative) and fires
// the timers then due.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.fire()
}

// Set moves the clock to t and fires the timers then due.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
	c.fire()
}

func (c *Clock) fire() {
	kept := c.timers[:0]
	for _, tm := range c.timers {
		if tm.at.After(c.now) {
			kept = append(kept, tm)
			continue
		}
		tm.ch <- c.now
	}
	c.timers = kept
}

// Due returns when the earliest timer set to fire within d from now
// fires, and false when there is none.
func (c *Clock) Due(d time.Duration) (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var at time.Time
	for _, tm := range c.timers {
		if !tm.at.After(c.now.Add(d)) && (at.IsZero() || tm.at.Before(at)) {
			at = tm.at
		}
	}
	return at, !at.IsZero()
}

// AwaitTimer waits until a timer due within d from now is set and
// returns when it fires; false if stop closes first (what should have
// waited did not).
func (c *Clock) AwaitTimer(d time.Duration, stop <-chan struct{}) (time.Time, bool) {
	for {
		if at, ok := c.Due(d); ok {
			return at, true
		}
		select {
		case <-c.set:
		case <-stop:
			return time.Time{}, false
		}
	}
}
