package main

import (
	"testing"

	"github.com/satupintu/satupintu/sim/seed"
)

// A client that cannot read increments (application/json or
// application/graphql-response+json, not multipart/mixed) gets a deferred
// answer whole, in one JSON body: the deferred part is there, nothing says
// more is coming.
func TestDeferredAnswerIsWholeOverJSON(t *testing.T) {
	ta := startApp(t, nil)
	ta.fault(`{"agency":"police","latencyMs":300}`)
	tok := ta.token(seed.NIKBudi)
	for _, accept := range []string{"application/json", "application/graphql-response+json"} {
		r := ta.post(tok, `{ home { name ... @defer(label: "police") { police { licences { expiresOn } } } } }`, nil, "Accept", accept)
		if r.Status != 200 || len(r.Errors) > 0 || get(r.Data, "home", "name") != "BUDI SANTOSO" ||
			len(list(r.Data, "home", "police", "licences")) == 0 {
			t.Errorf("%s: HTTP %d %+v %v", accept, r.Status, r.Errors, r.Data)
		}
	}
}
