package main

import (
	"context"
	"log/slog"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/sim"
	"github.com/satupintu/satupintu/sim/seed"
)

// startProduction starts satupintu in production mode from env (see
// productionEnv), on a port of its own.
func startProduction(t *testing.T, env map[string]string) *testApp {
	t.Helper()
	cfg, _, err := loadConfig(func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Addr = "127.0.0.1:0"
	logs := &testkit.SyncBuffer{}
	a, err := start(context.Background(), cfg, newLogger(logs, slog.LevelDebug))
	if err != nil {
		t.Fatal(err)
	}
	return &testApp{app: a, t: t, logs: logs}
}

// A forward that cannot reach the agency survives a restart of satupintu
// (Redis engine) and arrives exactly once when the agency is back.
func TestForwardSurvivesARestart(t *testing.T) {
	env, sb := productionEnv(t)
	env["SATUPINTU_FORWARD_BACKOFF_BASE"] = "10ms"
	env["SATUPINTU_FORWARD_BACKOFF_MAX"] = "40ms"
	env["SATUPINTU_QUEUE_VISIBILITY"] = "300ms"
	tok, _, err := sb.IdP().Mint(seed.NIKDewi, "satupintu-prod", time.Hour)
	if err != nil {
		t.Fatal(err)
	}

	if err := sb.SetFault(sim.Fault{Agency: sp.AgencyPolice, Down: true}); err != nil {
		t.Fatal(err)
	}
	first := startProduction(t, env)
	id := first.submitOK(tok, "skck-application", "dewi-restart-0001", skck)
	testkit.WaitFor(t, "two failed forward attempts", func() bool {
		n, _ := get(first.caseOf(tok, id), "delivery", "attempts").(float64)
		return n >= 2
	})
	if err := first.stop(); err != nil {
		t.Fatalf("stopping the first instance: %v", err)
	}

	_ = sb.SetFault(sim.Fault{Agency: sp.AgencyPolice})
	second := startProduction(t, env)
	defer second.stop()
	c := second.waitStatus(tok, id, "FORWARDED")
	second.waitQuiet() // no forward is still on its way
	if n, distinct := sb.CaseIntake(sp.AgencyPolice); n != 1 || distinct != 1 {
		t.Errorf("police saw %d forwards of %d cases across the restart, want exactly 1", n, distinct)
	}
	if statuses, _ := historyOf(c); len(statuses) != 2 || statuses[1] != "FORWARDED" {
		t.Errorf("history %v", statuses)
	}
	second.assertLogsClean()
}
