package graphql

import (
	"sync/atomic"
	"time"
)

// satupintu patch: goroutines for resolvers and list elements are taken
// from a set of idle workers when one is waiting, and started otherwise.
//
// A new goroutine starts with a small stack, and resolving and marshalling
// an object nests deep enough to grow it three or four times, copying it
// each time: on a home screen of ~25 such goroutines, stack growth was
// 15% of the CPU. A worker that finished its task keeps its grown stack
// and waits idleWorkerTimeout for another. No task ever waits for a worker
// (one is started when none is idle), so a task blocking on I/O, or on
// tasks it spawns, cannot starve another.
//
// It is off unless ReuseGoroutines(true) is called: a worker belongs to
// the testing/synctest bubble (and carries the pprof labels) of the
// goroutine that started it, so a process that resolves GraphQL inside
// synctest bubbles, or labels its goroutines, must leave it off.

var reuse atomic.Bool

// ReuseGoroutines turns the reuse of idle workers on or off for the
// process (satupintu patch).
func ReuseGoroutines(on bool) { reuse.Store(on) }

// idleWorkerTimeout is how long a worker waits for a task before it ends.
const idleWorkerTimeout = 2 * time.Second

// handoff is unbuffered: a send succeeds only while a worker is waiting.
var handoff = make(chan func())

// goTask runs f on an idle worker, or on a new goroutine.
func goTask(f func()) {
	if !reuse.Load() {
		go f()
		return
	}
	select {
	case handoff <- f:
	default:
		go worker(f)
	}
}

func worker(f func()) {
	var idle *time.Timer
	for {
		f()
		f = nil // let the task's closure go while idle
		if idle == nil {
			idle = time.NewTimer(idleWorkerTimeout)
		} else {
			idle.Reset(idleWorkerTimeout)
		}
		select {
		case f = <-handoff:
		case <-idle.C:
			return
		}
	}
}
