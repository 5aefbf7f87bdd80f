//go:build redis

package main

import (
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/queue"
	"github.com/satupintu/satupintu/sim/seed"
)

// Redis wiped (FLUSHALL) mid-run, then stopped and started again: it
// holds only what may be lost, so no case, history entry, inbox entry,
// device, job or push is lost; the caseUpdated subscriber, on one socket
// throughout, hears changes again once Redis is back (the server
// subscribes again by itself); the agency read cache refills after the
// wipe. A redis-server of the test's own: the shared one is never wiped.
func TestRedisWipedAndStoppedMidRun(t *testing.T) {
	env, sb := productionEnv(t)
	redis := startPrivateRedis(t)
	lb := newLoadBalancer(t) // the agencies' webhooks call satupintu back through it
	env["REDIS_URL"] = redis.url()
	env["SATUPINTU_PUBLIC_URL"] = lb.URL()
	env["SATUPINTU_FORWARD_BACKOFF_BASE"] = "20ms"
	env["SATUPINTU_FORWARD_BACKOFF_MAX"] = "200ms"
	env["SATUPINTU_PUSH_BACKOFF_BASE"] = "20ms"
	env["SATUPINTU_PUSH_BACKOFF_MAX"] = "200ms"
	env["SATUPINTU_QUEUE_VISIBILITY"] = "1s"
	ta := startProduction(t, env)
	defer ta.stop()
	lb.set(ta.url)
	ctx := context.Background()

	citizens := []sp.NIK{seed.NIKBudi, seed.NIKSiti, seed.NIKDewi}
	late := seed.NIKAgus // registers his phone while Redis is down
	tokens := map[sp.NIK]string{}
	device := map[sp.NIK]string{}
	for _, nik := range append(slices.Clone(citizens), late) {
		tokens[nik], _, _ = sb.IdP().Mint(nik, "satupintu-prod", time.Hour)
		device[nik] = "wipe-device-" + string(nik)
	}
	for _, nik := range citizens {
		ta.register(tokens[nik], device[nik], "ANDROID", "id")
	}
	sub, err := ta.subscribeWS(tokens[seed.NIKDewi], `subscription { caseUpdated { caseId status } }`, nil)
	if err != nil {
		t.Fatal(err)
	}

	caseOf := map[string]sp.NIK{} // every case accepted, by number: its citizen
	submit := func(round string, who []sp.NIK, n int) {
		t.Helper()
		for i := range n {
			nik := who[i%len(who)]
			id := ta.submitOK(tokens[nik], "lost-item-report", fmt.Sprintf("wipe-%s-%02d", round, i), map[string]string{
				"itemType": "KTP", "lostOn": sb.Seed.Today.String(), "location": "Pelabuhan Tanjung Priok"})
			caseOf[id] = nik
		}
	}
	// The cache: a read of `me` asks Dukcapil unless its answer is cached.
	dukcapil := func() int64 { return sb.Counts()[sp.AgencyDukcapil] }
	readMe := func(when string) int64 {
		t.Helper()
		before := dukcapil()
		if r := ta.post(tokens[seed.NIKBudi], `{ me { name } }`, nil); get(r.Data, "me", "name") != "BUDI SANTOSO" {
			t.Fatalf("me %s: %+v %v", when, r.Errors, r.Data)
		}
		return dukcapil() - before
	}
	drain := func() {
		for {
			select {
			case <-sub.next:
			default:
				return
			}
		}
	}
	// heard waits for the subscriber to hear a change made from now on,
	// submitting a case of Dewi's every 300 ms (its forward is a change)
	// until it does.
	heard := func(round string) {
		t.Helper()
		drain()
		i := 0
		ok := testkit.PollEvery(testkit.Timeout, 300*time.Millisecond, func() bool {
			select {
			case <-sub.next:
				return true
			default:
			}
			submit(fmt.Sprintf("%s-heard%d", strings.ReplaceAll(round, " ", "-"), i), []sp.NIK{seed.NIKDewi}, 1)
			i++
			return false
		})
		if !ok {
			t.Errorf("%s: the subscriber heard no change", round)
		}
	}

	// Redis up: the cache answers the second read.
	submit("before", citizens, 6)
	// Quiet first: a case's notifications read its citizen's record to
	// find who acts for them, which would count here.
	ta.waitQuiet()
	readMe("to fill the cache")
	if n := readMe("cached"); n != 0 {
		t.Errorf("a cached read asked Dukcapil %d times", n)
	}
	heard("before the wipe")
	sb.StepCases(ctx)
	ta.waitQuiet()

	// FLUSHALL: the cache is gone; the next read asks Dukcapil and refills it.
	if out, err := exec.Command("redis-cli", "-p", fmt.Sprint(redis.port), "FLUSHALL").CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != "OK" {
		t.Fatalf("FLUSHALL: %v %s", err, out)
	}
	if n := readMe("after the wipe"); n == 0 {
		t.Error("the first read after FLUSHALL was answered from a cache that was wiped")
	}
	if n := readMe("again after the wipe"); n != 0 {
		t.Errorf("the cache did not refill: the second read after FLUSHALL asked Dukcapil %d times", n)
	}
	submit("wiped", citizens, 6)
	heard("after the wipe")
	sb.StepCases(ctx)

	// Redis stopped: submissions, status changes, reads and a new device
	// go on; they are PostgreSQL's.
	redis.stop()
	ta.register(tokens[late], device[late], "IOS", "en")
	submit("stopped", append(slices.Clone(citizens), late), 8)
	sb.StepCases(ctx)
	readMe("with Redis down")

	redis.start()
	testkit.WaitFor(t, "/readyz to report Redis ok once it is back", func() bool {
		status, checks := readyz(t, ta.url)
		return status == 200 && checks["redis"] == "ok"
	})
	heard("after Redis came back")

	// Every case to its end, every job done.
	var unfinished []string
	done := testkit.PollEvery(time.Minute, 50*time.Millisecond, func() bool {
		sb.StepCases(ctx)
		unfinished = unfinished[:0]
		for id, nik := range caseOf {
			if get(ta.caseOf(tokens[nik], caseGID(id)), "status") != "COMPLETED" {
				unfinished = append(unfinished, id)
			}
		}
		return len(unfinished) == 0
	})
	if !done {
		t.Fatalf("%d of %d cases not COMPLETED: %v", len(unfinished), len(caseOf), unfinished)
	}
	ta.waitQuiet()

	want := []string{"SUBMITTED", "FORWARDED", "RECEIVED", "IN_REVIEW", "APPROVED", "COMPLETED"}
	perCitizen := map[sp.NIK]int{}
	for id, nik := range caseOf {
		perCitizen[nik]++
		if statuses, _ := historyOf(ta.caseOf(tokens[nik], caseGID(id))); !slices.Equal(statuses, want) {
			t.Errorf("case %s: history %v, want %v", id, statuses, want)
		}
		if _, ok := sb.ReceivedCase(sp.AgencyPolice, id); !ok {
			t.Errorf("case %s never reached the police", id)
		}
	}
	if _, distinct := sb.CaseIntake(sp.AgencyPolice); distinct != len(caseOf) {
		t.Errorf("the police hold %d distinct cases; %d were accepted", distinct, len(caseOf))
	}
	pushes := map[string]map[string]int{} // device → notificationId → sends
	for _, m := range sb.FCM().Accepted() {
		if pushes[m.Token] == nil {
			pushes[m.Token] = map[string]int{}
		}
		pushes[m.Token][m.Data["notificationId"]]++
	}
	for nik, n := range perCitizen {
		inbox := ta.post(tokens[nik], `{ notifications(first: 100) { totalCount } }`, nil)
		if got, _ := get(inbox.Data, "notifications", "totalCount").(float64); int(got) != 5*n {
			t.Errorf("%s's inbox holds %v entries (%+v); want 5 for each of %d cases", nik, got, inbox.Errors, n)
		}
		devices := ta.post(tokens[nik], `{ devices { platform } }`, nil)
		if d := list(devices.Data, "devices"); len(d) != 1 {
			t.Errorf("%s has %d devices (%+v); want 1", nik, len(d), devices.Errors)
		}
		if got := len(pushes[device[nik]]); got != 5*n {
			t.Errorf("%s's phone got %d distinct pushes; want 5 for each of %d cases", nik, got, n)
		}
		for id, sends := range pushes[device[nik]] {
			if sends != 1 {
				t.Errorf("push %s reached %s's phone %d times", id, nik, sends)
			}
		}
	}
	for _, kind := range []queue.Kind{queue.Forward, queue.Change, queue.Push} {
		if parked, err := ta.app.stores.Jobs.Parked(ctx, kind, 100); err != nil || len(parked) != 0 {
			t.Errorf("%d %s jobs parked (%v)", len(parked), kind, err)
		}
	}
	t.Logf("%d cases, %d pushes, across a FLUSHALL and a stop of Redis", len(caseOf), len(sb.FCM().Accepted()))
}
