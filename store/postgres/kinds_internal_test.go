package postgres

import (
	"testing"

	"github.com/satupintu/satupintu/queue"
)

// Every kind of the port has River arguments of its own: a kind missing
// here would be inserted as another kind and worked by the wrong handler
// (exports once ran as polls and never completed).
func TestEveryKindHasItsArgs(t *testing.T) {
	if len(riverKinds) != len(queue.Kinds) {
		t.Errorf("%d River kinds for the port's %d", len(riverKinds), len(queue.Kinds))
	}
	for _, k := range queue.Kinds {
		if _, ok := riverKinds[k]; !ok {
			t.Errorf("no River kind for %s: its jobs could be neither inserted nor worked", k)
			continue
		}
		if got := argsOf(k, "key", nil).Kind(); got != string(k) {
			t.Errorf("a %s job is inserted as %q", k, got)
		}
	}
}
