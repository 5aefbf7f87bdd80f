package main

import (
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/satupintu/satupintu/internal/testkit"
)

// Info lines wait for the next flush; a warning goes out at once with the
// lines before it; closing writes the rest.
func TestLogLinesAreBufferedButWarningsAreNot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out testkit.SyncBuffer
		lines := newLineBuffer(&out, logFlushEvery)
		log := slog.New(flushAtWarn{newLogger(lines, slog.LevelInfo).Handler(), lines}).With("component", "test")

		log.Info("request", "status", 200)
		if out.String() != "" {
			t.Fatalf("an info line written before the flush: %s", out.String())
		}
		time.Sleep(logFlushEvery)
		synctest.Wait()
		if !strings.Contains(out.String(), `"msg":"request"`) {
			t.Fatalf("after %s: %q; want the request line", logFlushEvery, out.String())
		}

		log.Info("before the warning")
		log.Warn("something to look at")
		if s := out.String(); !strings.Contains(s, "before the warning") || !strings.Contains(s, "something to look at") {
			t.Fatalf("a warning not written at once, with what came before it: %q", s)
		}

		log.Info("last line")
		if err := lines.Close(); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "last line") {
			t.Errorf("Close left a line unwritten: %q", out.String())
		}
	})
}
