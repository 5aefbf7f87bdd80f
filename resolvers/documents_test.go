package resolvers_test

import (
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/documents"
	"github.com/satupintu/satupintu/policy"
	"github.com/satupintu/satupintu/resolvers"
	"github.com/satupintu/satupintu/signing"
	"github.com/satupintu/satupintu/sim/seed"
	"github.com/satupintu/satupintu/store/memory"
)

// testWallet is a wallet on memory stores, with the sandbox verifier.
func testWallet(t *testing.T) *documents.Service {
	t.Helper()
	shares := memory.NewShares()
	w, err := documents.New(documents.Config{PublicURL: "https://satupintu.test", Keys: signing.Dev("resolvers-test"),
		Slots: memory.NewStatusSlots(), Shares: shares, History: shares, Verifiers: []documents.Verifier{documents.SandboxVerifier()},
		Log: memory.NewAccessLog(), Consents: memory.NewConsents(), Now: time.Now, Logger: slog.New(slog.DiscardHandler),
		ShareTTL: documents.DefaultShareTTL, CredentialTTL: documents.DefaultCredentialTTL, StatusTTL: documents.DefaultStatusTTL})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

type document struct {
	ID         string  `json:"id"`
	Type       string  `json:"type"`
	Title      string  `json:"title"`
	Number     string  `json:"number"`
	Full       string  `json:"full"`
	Class      *string `json:"class"`
	Status     string  `json:"status"`
	IssuedOn   *string `json:"issuedOn"`
	ValidUntil *string `json:"validUntil"`
	Source     source  `json:"source"`
	Claims     []struct {
		Name string `json:"name"`
	} `json:"claims"`
}

const documentsQuery = `{ documents { id type title number full: number(masked: false) class status issuedOn validUntil
	source { agency status fetchedAt } claims { name } } }`

func documentsOf(t *testing.T, c *client.Client, nik sp.NIK) []document {
	t.Helper()
	var data struct{ Documents []document }
	if errs := post(t, c, documentsQuery, &data, as(nik), client.AddHeader("Accept-Language", "en")); len(errs) != 0 {
		t.Fatalf("documents of %s: %+v", nik.Masked(), errs)
	}
	return data.Documents
}

// Agus: KTP-el, KK, SIM C valid and SIM B1 suspended by the police, and
// his JKN card suspended for unpaid premiums. Hadi's SKCK has expired.
func TestDocumentsStatuses(t *testing.T) {
	ag, _ := sandboxAgencies(t)
	c := newClient(t, &resolvers.Resolver{Agencies: ag, Wallet: testWallet(t), Policy: policy.New(ag.Registry, time.Now)})
	got := map[string]document{}
	for _, d := range documentsOf(t, c, seed.NIKAgus) {
		key := d.Type
		if d.Class != nil {
			key += " " + *d.Class
		}
		got[key] = d
	}
	for key, want := range map[string]string{"IKD": "VALID", "KK": "VALID", "SIM C": "VALID", "SIM B1": "SUSPENDED", "JKN": "SUSPENDED"} {
		d, ok := got[key]
		if !ok {
			t.Errorf("Agus has no %s: %v", key, got)
			continue
		}
		if d.Status != want {
			t.Errorf("Agus's %s is %s, want %s", key, d.Status, want)
		}
		if d.Source.Status != "OK" || d.Source.FetchedAt == nil {
			t.Errorf("Agus's %s source = %+v", key, d.Source)
		}
	}
	if len(got) != 5 {
		t.Errorf("Agus has %d documents, want 5: %v", len(got), got)
	}
	b1 := got["SIM B1"]
	if b1.Full != "7512-1175-000322" || b1.Number == b1.Full || !strings.HasSuffix(b1.Number, "0322") || !strings.Contains(b1.Number, "*") {
		t.Errorf("SIM B1 number %q, in full %q", b1.Number, b1.Full)
	}
	if b1.Title != "Driving licence (SIM B1)" || b1.IssuedOn == nil || b1.ValidUntil == nil {
		t.Errorf("SIM B1 = %+v", b1)
	}
	if ktp := got["IKD"]; ktp.Number != seed.NIKAgus.Masked() || ktp.ValidUntil != nil {
		t.Errorf("KTP-el = %+v: masked like every NIK, valid for life", ktp)
	}
	var names []string
	for _, cl := range b1.Claims {
		names = append(names, cl.Name)
	}
	if !slices.Equal(names, documents.ClaimNames(documents.TypeSIM)) {
		t.Errorf("SIM claims %v", names)
	}

	hadi := documentsOf(t, c, seed.NIKHadi)
	i := slices.IndexFunc(hadi, func(d document) bool { return d.Type == "SKCK" })
	if i < 0 || hadi[i].Status != "EXPIRED" {
		t.Errorf("Hadi's documents %+v: want an EXPIRED SKCK", hadi)
	}
	// A child has no KTP-el yet; Rizky's KIP is his own card.
	types := func(ds []document) (out []string) {
		for _, d := range ds {
			out = append(out, d.Type)
		}
		return out
	}
	if got := types(documentsOf(t, c, seed.NIKRizky)); !slices.Equal(got, []string{"KK", "JKN", "KIP"}) {
		t.Errorf("Rizky's documents %v, want KK, JKN, KIP", got)
	}
	// Budi sees his son's PIP in education, but the KIP is not Budi's.
	if got := types(documentsOf(t, c, seed.NIKBudi)); slices.Contains(got, "KIP") {
		t.Errorf("Budi's documents %v hold his son's KIP", got)
	}
}

type shareAnswer struct {
	ShareDocument struct {
		Share *struct {
			ID        string   `json:"id"`
			Code      string   `json:"code"`
			Link      string   `json:"link"`
			QRPng     string   `json:"qrPng"`
			Claims    []string `json:"claims"`
			Status    string   `json:"status"`
			ExpiresAt string   `json:"expiresAt"`
		} `json:"share"`
		UserErrors []struct {
			Field string `json:"field"`
			Code  string `json:"code"`
		} `json:"userErrors"`
	} `json:"shareDocument"`
}

const shareMutation = `mutation($in: ShareDocumentInput!) { shareDocument(input: $in) {
	share { id code link qrPng claims status expiresAt } userErrors { field code } } }`

func share(t *testing.T, c *client.Client, nik sp.NIK, docID string, claims []string, purpose string) shareAnswer {
	t.Helper()
	var got shareAnswer
	if errs := post(t, c, shareMutation, &got, as(nik), client.Var("in", map[string]any{"documentId": docID, "claims": claims,
		"purpose": purpose})); len(errs) != 0 {
		t.Fatalf("shareDocument: %+v", errs)
	}
	return got
}

func TestShareDocumentRefusals(t *testing.T) {
	ag, _ := sandboxAgencies(t)
	c := newClient(t, &resolvers.Resolver{Agencies: ag, Wallet: testWallet(t), Policy: policy.New(ag.Registry, time.Now)})
	dewi := documentsOf(t, c, seed.NIKDewi)
	sim := dewi[slices.IndexFunc(dewi, func(d document) bool { return d.Type == "SIM" })]
	for name, tc := range map[string]struct {
		nik           sp.NIK
		claims        []string
		purpose       string
		field, code   string
		differentDocs bool
	}{
		"no claims":               {seed.NIKDewi, []string{}, "age-check", "claims", "NO_CLAIMS", false},
		"a claim of no SIM":       {seed.NIKDewi, []string{"name", "religion"}, "age-check", "claims", "UNKNOWN_CLAIM", false},
		"no verifier's purpose":   {seed.NIKDewi, []string{"name"}, "curiosity", "purpose", "INVALID_PURPOSE", false},
		"another citizen's SIM":   {seed.NIKBudi, []string{"name"}, "age-check", "documentId", "NOT_FOUND", false},
		"an id of something else": {seed.NIKDewi, []string{"name"}, "age-check", "documentId", "NOT_FOUND", true},
	} {
		t.Run(name, func(t *testing.T) {
			id := sim.ID
			if tc.differentDocs {
				id = "RG9jdW1lbnQ6bm90aGluZw"
			}
			got := share(t, c, tc.nik, id, tc.claims, tc.purpose).ShareDocument
			if got.Share != nil || len(got.UserErrors) != 1 || got.UserErrors[0].Code != tc.code || got.UserErrors[0].Field != tc.field {
				t.Errorf("share = %+v, userErrors %+v; want %s on %s", got.Share, got.UserErrors, tc.code, tc.field)
			}
		})
	}
	ok := share(t, c, seed.NIKDewi, sim.ID, []string{"age_over_17", "name"}, "age-check").ShareDocument
	if ok.Share == nil || len(ok.UserErrors) != 0 {
		t.Fatalf("a good share: %+v", ok)
	}
	s := ok.Share
	if len(s.Code) != documents.CodeLength || !strings.HasSuffix(s.Link, "/s/"+s.Code) || s.Status != "ACTIVE" ||
		!slices.Equal(s.Claims, []string{"name", "age_over_17"}) || !strings.HasPrefix(s.QRPng, "iVBORw0KGgo") {
		t.Errorf("share = %+v", s)
	}
	expires, err := time.Parse(time.RFC3339, s.ExpiresAt)
	if err != nil || expires.Sub(time.Now()) > 180*time.Second || expires.Sub(time.Now()) < 170*time.Second {
		t.Errorf("expiresAt %s, want 180 s from now", s.ExpiresAt)
	}

	// The history shows it; the secrets are not shown again.
	var hist struct {
		DocumentShares struct {
			TotalCount int `json:"totalCount"`
			Edges      []struct {
				Node struct {
					ID       string  `json:"id"`
					Code     *string `json:"code"`
					Purpose  string  `json:"purpose"`
					Status   string  `json:"status"`
					Verifier *struct {
						Name string `json:"name"`
					} `json:"verifier"`
				} `json:"node"`
			} `json:"edges"`
		} `json:"documentShares"`
	}
	if errs := post(t, c, `{ documentShares { totalCount edges { node { id code purpose status verifier { name } } } } }`, &hist, as(seed.NIKDewi)); len(errs) != 0 {
		t.Fatal(errs)
	}
	if h := hist.DocumentShares; h.TotalCount != 1 || len(h.Edges) != 1 || h.Edges[0].Node.ID != s.ID || h.Edges[0].Node.Code != nil ||
		h.Edges[0].Node.Purpose != "age-check" || h.Edges[0].Node.Status != "ACTIVE" || h.Edges[0].Node.Verifier != nil {
		t.Errorf("Dewi's history %+v", h)
	}
	if errs := post(t, c, `{ documentShares { totalCount } }`, &hist, as(seed.NIKBudi)); len(errs) != 0 || hist.DocumentShares.TotalCount != 0 {
		t.Errorf("Budi's history counts %d, %v", hist.DocumentShares.TotalCount, errs)
	}
}
