package main

import (
	"slices"
	"testing"
	"time"

	"github.com/satupintu/satupintu/sim"
	"github.com/satupintu/satupintu/sim/seed"
)

// Several instances on one Redis, behind one load balancer, over one
// sandbox: the production shape in one test process.
func startInstances(t *testing.T, n int, extra map[string]string) ([]*testApp, map[string]string, *loadBalancer) {
	t.Helper()
	return startInstancesWith(t, n, func(env map[string]string, _ *sim.Sandbox) {
		for k, v := range extra {
			env[k] = v
		}
	})
}

// startInstancesWith is startInstances with settings that name the
// sandbox (its URLs), set by configure.
func startInstancesWith(t *testing.T, n int, configure func(env map[string]string, sb *sim.Sandbox)) ([]*testApp, map[string]string, *loadBalancer) {
	t.Helper()
	env, sb := productionEnv(t)
	lb := newLoadBalancer(t)
	env["SATUPINTU_PUBLIC_URL"] = lb.URL()
	configure(env, sb)
	var apps []*testApp
	var urls []string
	for range n {
		a := startProduction(t, env)
		t.Cleanup(func() { _ = a.stop() })
		apps = append(apps, a)
		urls = append(urls, a.url)
	}
	lb.set(urls...)
	t.Cleanup(sb.Close)
	apps[0].sandboxExt = sb
	return apps, env, lb
}

// A status change applied on instance A reaches a caseUpdated subscriber
// connected to instance B. B runs no workers, so every update it hears was
// published by A, through Redis.
func TestSubscriberOnAnotherInstanceHearsTheCase(t *testing.T) {
	apps, env, lb := startInstances(t, 1, map[string]string{"SATUPINTU_FORWARD_BACKOFF_BASE": "10ms"})
	a, sb := apps[0], apps[0].sandboxExt
	env["SATUPINTU_WORKERS"] = "false"
	b := startProduction(t, env)
	t.Cleanup(func() { _ = b.stop() })
	lb.set(a.url, b.url)
	tok, _, err := sb.IdP().Mint(seed.NIKDewi, "satupintu-prod", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := b.subscribeWS(tok, `subscription { caseUpdated { caseId status } }`, nil)
	if err != nil {
		t.Fatal(err)
	}
	id := a.submitOK(tok, "skck-application", "dewi-two-instances-1", skck)
	a.waitStatus(tok, id, "FORWARDED")
	for range 6 {
		sb.StepCases(t.Context())
	}
	c := a.waitStatus(tok, id, "COMPLETED")
	want, _ := historyOf(c)
	var heard []string
	for len(heard) < len(want)-1 {
		u := get(sub.await(t), "caseUpdated")
		if get(u, "caseId") != caseGID(id) {
			t.Fatalf("update of another case: %v", u)
		}
		heard = append(heard, get(u, "status").(string))
	}
	slices.Sort(heard) // two instances publish: order across them is not promised (version is)
	rest := slices.Clone(want[1:])
	slices.Sort(rest)
	if !slices.Equal(heard, rest) {
		t.Errorf("the subscriber on B heard %v, want %v", heard, rest)
	}
}

// The rate limit is one budget across instances: spread over three of
// them, a citizen's requests are admitted no more often than the limit.
func TestRateLimitHoldsAcrossInstances(t *testing.T) {
	apps, _, _ := startInstances(t, 3, map[string]string{"SATUPINTU_RATE_CITIZEN": "10/1h,burst=10", "SATUPINTU_RATE_IP": "off"})
	tok, _, err := apps[0].sandboxExt.IdP().Mint(seed.NIKDewi, "satupintu-prod", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	admitted, limited := 0, 0
	for i := range 30 {
		r := apps[i%3].post(tok, `{ lifeEvents { id } }`, nil)
		switch {
		case r.Status == 200:
			admitted++
		case r.Status == 429 && len(r.Errors) == 1 && r.Errors[0].Extensions["code"] == "RATE_LIMITED":
			limited++
		default:
			t.Fatalf("request %d: HTTP %d %+v", i, r.Status, r.Errors)
		}
	}
	if admitted != 10 || limited != 20 {
		t.Errorf("%d admitted and %d limited over three instances; the limit is 10", admitted, limited)
	}
	// Another citizen has a budget of their own.
	other, _, _ := apps[0].sandboxExt.IdP().Mint(seed.NIKBudi, "satupintu-prod", time.Hour)
	if r := apps[1].post(other, `{ lifeEvents { id } }`, nil); r.Status != 200 {
		t.Errorf("another citizen: HTTP %d", r.Status)
	}
}
