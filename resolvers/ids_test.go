package resolvers_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"
	"github.com/vektah/gqlparser/v2/ast"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/cases/catalog"
	"github.com/satupintu/satupintu/graph/exec"
	"github.com/satupintu/satupintu/mandates"
	"github.com/satupintu/satupintu/notifications"
	"github.com/satupintu/satupintu/payments"
	"github.com/satupintu/satupintu/policy"
	"github.com/satupintu/satupintu/resolvers"
	"github.com/satupintu/satupintu/sim/seed"
	"github.com/satupintu/satupintu/store/memory"
)

// everything reads each object of a citizen that a client caches, with
// its __typename and id, and the personal numbers in them (a case number
// is satupintu's own, not personal: it is read under another name).
const everything = `{
  me { __typename id nik(masked: false) address { __typename id village { __typename id } province { __typename id } }
       family { __typename id kk(masked: false) members { __typename id nik(masked: false) } } }
  home { __typename id me { __typename id } health { __typename id } education { __typename id }
         police { __typename id } social { __typename id }
         alerts { __typename id } sources { __typename id } }
  health { __typename id membership { __typename id cardNumber class { __typename id } status { __typename id } }
           immunizations { __typename id vaccine { __typename id } reason { __typename id } } }
  education { __typename id students { __typename id nisn school { __typename id } pip { __typename id kipNumber } } }
  police { __typename id licences { __typename id number } certificates { __typename id number }
           unpaidTickets { __typename id number } }
  social { __typename id programmes { __typename id } disbursements { __typename id } }
  cases { edges { node { __typename id caseNumber: number fields { __typename id } history { __typename id } delivery { __typename id }
                         payment { __typename id virtualAccount { __typename id } qris { __typename id } }
                         service { __typename id fields { __typename id options { __typename id } } offline { __typename id }
                                   eligibility { __typename id } } } } }
  notifications { edges { node { __typename id caseId case { __typename id } } } }
  devices { __typename id }
  lifeEvents { __typename id }
  documents { __typename id number(masked: false) source { __typename id } claims { __typename id } }
  mandates { __typename id grantorNik(masked: false) granteeNik(masked: false) }
}`

// object is one object of an answer that has an id.
type object struct{ typename, id, path string }

// objects walks an answer and returns every object with an id, and every
// string value of the fields named in personal (the numbers no id may hold).
func objects(v any, path string, personal map[string]bool, numbers map[string]bool) []object {
	var out []object
	switch v := v.(type) {
	case map[string]any:
		if id, ok := v["id"].(string); ok {
			tn, _ := v["__typename"].(string)
			out = append(out, object{tn, id, path})
		}
		for k, x := range v {
			if s, ok := x.(string); ok && personal[k] && s != "" {
				numbers[s] = true
			}
			out = append(out, objects(x, path+"."+k, personal, numbers)...)
		}
	case []any:
		for i, x := range v {
			out = append(out, objects(x, fmt.Sprintf("%s[%d]", path, i), personal, numbers)...)
		}
	}
	return out
}

// idWorld is the resolvers over the sandbox's agencies, with stores for
// cases, the inbox and devices, and a fixed id key.
func idWorld(t *testing.T, key []byte) (*client.Client, cases.Store, *memory.Inbox) {
	t.Helper()
	ag, _ := sandboxAgencies(t)
	store := memory.NewCaseStore(memory.NewQueue(time.Minute, time.Now))
	cat, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	inbox := memory.NewInbox()
	pol := policy.New(ag.Registry, time.Now)
	mand := mandates.NewService(memory.NewMandates(), pol, nil, time.Now, nil)
	c := newClient(t, &resolvers.Resolver{Agencies: ag, Casework: cases.NewService(store, cat, nil, time.Now, nil),
		Broker: memory.NewBroker(), InboxStore: inbox, DeviceStore: memory.NewDevices(), IDKey: key, Wallet: testWallet(t),
		Payments: &payments.Service{Store: paymentsOf(store)}, Policy: pol.WithMandates(mand), Mandates: mand})
	return c, store, inbox
}

var (
	paymentStoresMu sync.Mutex
	paymentStores   = map[cases.Store]*memory.PaymentStore{}
)

// paymentsOf is the payment store over a memory case store of a test.
func paymentsOf(store cases.Store) *memory.PaymentStore {
	paymentStoresMu.Lock()
	defer paymentStoresMu.Unlock()
	ps, ok := paymentStores[store]
	if !ok {
		ps = memory.NewPaymentStore(store.(*memory.CaseStore))
		paymentStores[store] = ps
	}
	return ps
}

// giveBill makes the citizen a case awaiting payment, billed, with the
// instructions of method.
func giveBill(t *testing.T, store cases.Store, nik sp.NIK, m payments.Method) {
	t.Helper()
	ctx := context.Background()
	at := time.Now().Add(-time.Hour)
	cs, _, err := store.Create(ctx, &cases.Case{Citizen: nik, ServiceID: "skck-application", Agency: sp.AgencyPolice,
		Status: cases.StatusAwaitingPay, CreatedAt: at, UpdatedAt: at, IdempotencyKey: "pay-" + string(m) + string(nik),
		History: []cases.Entry{{At: at, Status: cases.StatusAwaitingPay, Source: cases.SourceCitizen}}})
	if err != nil {
		t.Fatal(err)
	}
	ps := paymentsOf(store)
	id := payments.BillID(cs.ID, 1)
	b := &payments.Bill{ID: id, CaseID: cs.ID, Attempt: 1, ServiceID: cs.ServiceID, Amount: 30000, Regulation: "PP 76/2020",
		BillingCode: "820261204000001", CreatedAt: at, ExpiresAt: at.Add(7 * 24 * time.Hour), Status: payments.StatusOpen}
	if _, _, err := ps.Open(ctx, b, []payments.Entry{{ExternalID: "billed:" + id, BillID: id, Kind: payments.KindBilled, Amount: 30000,
		At: at, Source: "TREASURY"}}, nil, nil); err != nil {
		t.Fatal(err)
	}
	if m == payments.MethodVA {
		_, err = ps.Instruct(ctx, id, m, "BRI", "88899820261204000001", "")
	} else {
		_, err = ps.Instruct(ctx, id, m, "", "", "00020101021226...6304ABCD")
	}
	if err != nil {
		t.Fatal(err)
	}
}

// give makes the citizen a case, a notification of it and a device.
func give(t *testing.T, c *client.Client, store cases.Store, inbox *memory.Inbox, nik sp.NIK) {
	t.Helper()
	// A case awaiting payment (older than the next: the notification's
	// case stays the newest), by VA for Sri, by QRIS for the others.
	m := payments.MethodQRIS
	if nik == seed.NIKSri {
		m = payments.MethodVA
	}
	giveBill(t, store, nik, m)
	number := caseOf(t, store, nik, cases.StatusForwarded)
	if _, err := inbox.Add(context.Background(), notifications.Notification{ID: number + "-2", Citizen: nik, CaseID: number,
		Status: string(cases.StatusForwarded), Title: sp.Text{ID: "Diteruskan", EN: "Forwarded"}, Body: sp.Text{ID: "x", EN: "x"},
		DeepLink: "satupintu://cases/" + number, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	var grant map[string]any
	if errs := post(t, c, `mutation { grantMandate(input: {granteeNik: "`+string(seed.NIKDewi)+`", actions: [{kind: VIEW_RECORDS, domain: HEALTH}],
		expiresAt: "`+time.Now().Add(24*time.Hour).Format(time.RFC3339)+`"}) { mandate { id } userErrors { code } } }`,
		&grant, as(nik)); len(errs) != 0 {
		t.Fatalf("grantMandate: %+v", errs)
	}
	var reg map[string]any
	if errs := post(t, c, `mutation { registerDevice(input: {token: "fcm-token-`+string(nik)+`", platform: ANDROID, locale: "id", appVersion: "2.3.0"}) { device { id } userErrors { code } } }`,
		&reg, as(nik)); len(errs) != 0 {
		t.Fatalf("registerDevice: %+v", errs)
	}
}

// nodeTypes are the schema's types that implement Node.
func nodeTypes() []string {
	s := exec.NewExecutableSchema(exec.Config{}).Schema()
	var out []string
	for _, d := range s.GetPossibleTypes(s.Types["Node"]) {
		out = append(out, d.Name)
	}
	sort.Strings(out)
	return out
}

// Every object a citizen caches has an id that no other object has, the
// same id in every request and wherever it appears (me and home.me are one
// object), holding none of the citizen's personal numbers. node(id:)
// finds each of a citizen's Node objects for them, and for anyone else
// answers null without an error, as for an id of nothing; the catalog is
// everyone's.
func TestIDsAndNode(t *testing.T) {
	key := []byte(strings.Repeat("k", 32))
	c, store, inbox := idWorld(t, key)
	// Budi (family, PIP, a ticket, a licence), Sri (aid programmes and
	// payments) and Wayan (an SKCK) between them have every kind of record.
	citizens := []sp.NIK{seed.NIKBudi, seed.NIKSri, seed.NIKWayan}
	personal := map[string]bool{"nik": true, "kk": true, "nisn": true, "kipNumber": true, "cardNumber": true, "number": true}
	numbers := map[string]bool{}
	owner := map[string]sp.NIK{}   // id → whose
	typeOf := map[string]string{}  // id → __typename
	seenTypes := map[string]bool{} // Node types met
	nodeSet := map[string]bool{}
	for _, n := range nodeTypes() {
		nodeSet[n] = true
	}
	for _, nik := range citizens {
		give(t, c, store, inbox, nik)
		var data map[string]any
		if errs := post(t, c, everything, &data, as(nik)); len(errs) != 0 {
			t.Fatalf("%s: %+v", nik.Masked(), errs)
		}
		var again map[string]any
		post(t, c, everything, &again, as(nik))
		first, second := objects(data, "", personal, numbers), objects(again, "", personal, map[string]bool{})
		if len(first) != len(second) {
			t.Fatalf("%s: %d objects, then %d", nik.Masked(), len(first), len(second))
		}
		stable := map[string]string{}
		for _, o := range second {
			stable[o.path] = o.id
		}
		byPath := map[string]string{}
		for _, o := range first {
			byPath[o.path] = o.id
			if stable[o.path] != o.id {
				t.Errorf("%s %s: id %q, then %q", o.typename, o.path, o.id, stable[o.path])
			}
			if prev, ok := typeOf[o.id]; ok && prev != o.typename {
				t.Errorf("id %q is a %s and a %s", o.id, prev, o.typename)
			}
			typeOf[o.id] = o.typename
			if o.typename != "Service" && o.typename != "LifeEvent" && o.typename != "ServiceField" &&
				o.typename != "FieldOption" && o.typename != "OfflineInfo" && o.typename != "Region" {
				if prev, ok := owner[o.id]; ok && prev != nik && o.typename != "School" && o.typename != "CodedValue" && o.typename != "Coding" {
					t.Errorf("%s %s of %s has the id of an object of %s", o.typename, o.path, nik.Masked(), prev.Masked())
				}
				owner[o.id] = nik
			}
			if nodeSet[o.typename] {
				seenTypes[o.typename] = true
			}
		}
		// One object wherever it appears.
		for _, same := range [][2]string{{".me", ".home.me"}, {".health", ".home.health"}, {".education", ".home.education"},
			{".police", ".home.police"}, {".social", ".home.social"}} {
			if byPath[same[0]] == "" || byPath[same[0]] != byPath[same[1]] {
				t.Errorf("%s: %s.id %q, %s.id %q; want one object", nik.Masked(), same[0], byPath[same[0]], same[1], byPath[same[1]])
			}
		}
		edge := ".cases.edges[0].node"
		if n := ".notifications.edges[0].node"; byPath[n+".case"] != byPath[edge] {
			t.Errorf("%s: notification.case.id %q, the case's id %q", nik.Masked(), byPath[n+".case"], byPath[edge])
		}
	}
	for nik := range numbers {
		if len(nik) < 4 {
			delete(numbers, nik)
		}
	}
	if len(numbers) < 15 {
		t.Fatalf("only %d personal numbers read: %v", len(numbers), numbers)
	}
	for id, tn := range typeOf {
		raw, err := base64.RawURLEncoding.DecodeString(id)
		if err != nil || !strings.HasPrefix(string(raw), tn+":") {
			t.Errorf("%s id %q is not base64url of %s:<key> (%q)", tn, id, tn, raw)
		}
		for n := range numbers {
			if strings.Contains(id, n) || strings.Contains(string(raw), n) {
				t.Errorf("%s id %q (%q) holds the personal number %s", tn, id, raw, n)
			}
		}
	}
	var missing []string
	for n := range nodeSet {
		if !seenTypes[n] {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("the test met no object of the Node types %v: give a citizen one", missing)
	}

	const nodeQuery = `query($id: ID!) { node(id: $id) { __typename id } }`
	type nodeAnswer struct {
		Node *struct {
			Typename string `json:"__typename"`
			ID       string `json:"id"`
		} `json:"node"`
	}
	var ids []string
	for id, tn := range typeOf {
		if !nodeSet[tn] {
			continue
		}
		ids = append(ids, id)
		mine, public := owner[id], tn == "Service" || tn == "LifeEvent"
		if public {
			mine = seed.NIKAndi
		}
		var got nodeAnswer
		if errs := post(t, c, nodeQuery, &got, as(mine), client.Var("id", id)); len(errs) != 0 || got.Node == nil ||
			got.Node.ID != id || got.Node.Typename != tn {
			t.Errorf("node(%s %q) as its owner: %+v, %+v", tn, id, got.Node, errs)
		}
		if public {
			continue
		}
		for _, other := range citizens {
			if other == mine {
				continue
			}
			var theirs nodeAnswer
			if errs := post(t, c, nodeQuery, &theirs, as(other), client.Var("id", id)); len(errs) != 0 || theirs.Node != nil {
				t.Errorf("node(%s %q of %s) as %s: %+v, %+v; want null without errors", tn, id, mine.Masked(), other.Masked(), theirs.Node, errs)
			}
		}
	}

	// nodes: in the order asked, null where node is null.
	sort.Strings(ids)
	budi := []string{}
	for _, id := range ids {
		if owner[id] == seed.NIKBudi {
			budi = append(budi, id)
		}
	}
	asked := append([]string{"not-an-id", ids[0]}, budi...)
	var many struct {
		Nodes []*struct {
			ID string `json:"id"`
		} `json:"nodes"`
	}
	if errs := post(t, c, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, &many, as(seed.NIKBudi), client.Var("ids", asked)); len(errs) != 0 ||
		len(many.Nodes) != len(asked) || many.Nodes[0] != nil {
		t.Fatalf("nodes: %d for %d ids, first %+v, %+v", len(many.Nodes), len(asked), many.Nodes, errs)
	}
	for i, n := range many.Nodes[2:] {
		if n == nil || n.ID != budi[i] {
			t.Errorf("nodes[%d] = %+v; want %s", i+2, n, budi[i])
		}
	}
	if errs := post(t, c, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, &many, as(seed.NIKBudi),
		client.Var("ids", slices.Repeat([]string{ids[0]}, 101))); len(errs) != 1 || errs[0].Extensions.Code != "INVALID_INPUT" {
		t.Errorf("nodes of 101 ids: %+v; want INVALID_INPUT", errs)
	}

	// Ids of nothing: null, without an error.
	for _, id := range []string{"", "garbage", "Q2FzZTpuby1zdWNo" /* Case:no-such */, base64.RawURLEncoding.EncodeToString([]byte("Me:x")),
		base64.RawURLEncoding.EncodeToString([]byte("Unknown:x"))} {
		var got nodeAnswer
		if errs := post(t, c, nodeQuery, &got, as(seed.NIKBudi), client.Var("id", id)); len(errs) != 0 || got.Node != nil {
			t.Errorf("node(%q): %+v, %+v; want null without errors", id, got.Node, errs)
		}
	}

	// Another instance with the same key gives the same ids; another key, others.
	same, _, _ := idWorld(t, key)
	other, _, _ := idWorld(t, []byte(strings.Repeat("o", 32)))
	meID := func(c *client.Client) string {
		var d struct {
			Me struct {
				ID string `json:"id"`
			} `json:"me"`
		}
		post(t, c, `{ me { id } }`, &d, as(seed.NIKBudi))
		return d.Me.ID
	}
	if a, b, o := meID(c), meID(same), meID(other); a == "" || a != b || a == o {
		t.Errorf("me.id %q here, %q with the same key, %q with another; want the first two equal, the third different", a, b, o)
	}
}

// resolversCaseID is the id a case numbered number has.
func resolversCaseID(number string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("Case:" + number))
}

// Arguments that take an id take the id, and the bare key as released
// apps and pushes know it: a case number, a notification's id, a catalog code.
func TestArgumentsTakeIDsAndKeys(t *testing.T) {
	c, store, inbox := idWorld(t, nil)
	give(t, c, store, inbox, seed.NIKDewi)
	var data struct {
		Cases struct {
			Edges []struct {
				Node struct {
					ID      string `json:"id"`
					Number  string `json:"number"`
					Service struct {
						ID string `json:"id"`
					} `json:"service"`
					ServiceID string `json:"serviceId"`
				} `json:"node"`
			} `json:"edges"`
		} `json:"cases"`
		Notifications struct {
			Edges []struct {
				Node struct {
					ID     string `json:"id"`
					CaseID string `json:"caseId"`
				} `json:"node"`
			} `json:"edges"`
		} `json:"notifications"`
		LifeEvents []struct {
			ID string `json:"id"`
		} `json:"lifeEvents"`
	}
	if errs := post(t, c, `{ cases { edges { node { id number serviceId service { id } } } }
		notifications { edges { node { id caseId } } } lifeEvents { id } }`, &data, as(seed.NIKDewi)); len(errs) != 0 {
		t.Fatal(errs)
	}
	k := data.Cases.Edges[0].Node
	if k.ID != resolversCaseID(k.Number) || k.ServiceID != k.Service.ID || data.Notifications.Edges[0].Node.CaseID != k.ID {
		t.Fatalf("case %+v, notification %+v: want id = Case:number, serviceId = service.id, caseId = case id", k, data.Notifications.Edges[0].Node)
	}
	for _, id := range []string{k.ID, k.Number} {
		var got struct {
			Case *struct {
				ID string `json:"id"`
			} `json:"case"`
		}
		if errs := post(t, c, `query($id: ID!) { case(id: $id) { id } }`, &got, as(seed.NIKDewi), client.Var("id", id)); len(errs) != 0 ||
			got.Case == nil || got.Case.ID != k.ID {
			t.Errorf("case(id: %q) = %+v, %+v", id, got.Case, errs)
		}
	}
	for _, id := range []string{k.ServiceID, "skck-application"} {
		var got struct {
			Service *struct {
				ID string `json:"id"`
			} `json:"service"`
		}
		if errs := post(t, c, `query($id: ID!) { service(id: $id) { id } }`, &got, as(seed.NIKDewi), client.Var("id", id)); len(errs) != 0 ||
			got.Service == nil || got.Service.ID != k.ServiceID {
			t.Errorf("service(id: %q) = %+v, %+v", id, got.Service, errs)
		}
	}
	// A life event by id and by code lists the same services.
	var byID, byCode struct {
		Services struct {
			TotalCount int `json:"totalCount"`
		} `json:"services"`
	}
	le := data.LifeEvents[0].ID
	raw, _ := base64.RawURLEncoding.DecodeString(le)
	post(t, c, `query($le: ID) { services(lifeEvent: $le) { totalCount } }`, &byID, as(seed.NIKDewi), client.Var("le", le))
	post(t, c, `query($le: ID) { services(lifeEvent: $le) { totalCount } }`, &byCode, as(seed.NIKDewi),
		client.Var("le", strings.TrimPrefix(string(raw), "LifeEvent:")))
	if byID.Services.TotalCount == 0 || byID.Services.TotalCount != byCode.Services.TotalCount {
		t.Errorf("services of life event %q: %d by id, %d by code", raw, byID.Services.TotalCount, byCode.Services.TotalCount)
	}
	var marked struct {
		MarkNotificationsRead struct {
			Marked int `json:"marked"`
		} `json:"markNotificationsRead"`
	}
	if errs := post(t, c, `mutation($ids: [ID!]) { markNotificationsRead(ids: $ids) { marked } }`, &marked, as(seed.NIKDewi),
		client.Var("ids", []string{data.Notifications.Edges[0].Node.ID})); len(errs) != 0 || marked.MarkNotificationsRead.Marked != 1 {
		t.Errorf("markNotificationsRead(its id): %+v, %+v", marked, errs)
	}
	var deleted struct {
		DeleteNotification struct {
			Deleted bool `json:"deleted"`
		} `json:"deleteNotification"`
	}
	if errs := post(t, c, `mutation($id: ID!) { deleteNotification(id: $id) { deleted } }`, &deleted, as(seed.NIKDewi),
		client.Var("id", data.Notifications.Edges[0].Node.ID)); len(errs) != 0 || !deleted.DeleteNotification.Deleted {
		t.Errorf("deleteNotification(its id): %+v, %+v", deleted, errs)
	}
	var cancelled cancelPayload
	if errs := post(t, c, cancel, &cancelled, as(seed.NIKDewi), client.Var("id", k.ID)); len(errs) != 0 ||
		cancelled.CancelCase.Case == nil || cancelled.CancelCase.Case.Status != "CANCELLED" {
		t.Errorf("cancelCase(its id): %+v, %+v", cancelled.CancelCase, errs)
	}
}

// The cases connection is a complete Relay connection: page information
// both ways, cursors of the first and last edge, and the count of all the
// cases it pages through, the page-size limit enforced as the schema says.
func TestCaseConnection(t *testing.T) {
	c, store, _ := idWorld(t, nil)
	for range 3 {
		caseOf(t, store, seed.NIKDewi, cases.StatusForwarded)
	}
	caseOf(t, store, seed.NIKDewi, cases.StatusInReview)
	caseOf(t, store, seed.NIKBudi, cases.StatusForwarded)
	type page struct {
		Cases struct {
			TotalCount int `json:"totalCount"`
			Edges      []struct {
				Cursor string `json:"cursor"`
			} `json:"edges"`
			PageInfo struct {
				HasNextPage     bool    `json:"hasNextPage"`
				HasPreviousPage bool    `json:"hasPreviousPage"`
				StartCursor     *string `json:"startCursor"`
				EndCursor       *string `json:"endCursor"`
			} `json:"pageInfo"`
		} `json:"cases"`
	}
	const q = `query($first: Int, $after: String, $status: CaseStatus) { cases(first: $first, after: $after, status: $status) {
		totalCount edges { cursor } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`
	var p1, p2, p3, st page
	if errs := post(t, c, q, &p1, as(seed.NIKDewi), client.Var("first", 3)); len(errs) != 0 {
		t.Fatal(errs)
	}
	pi := p1.Cases.PageInfo
	if p1.Cases.TotalCount != 4 || len(p1.Cases.Edges) != 3 || !pi.HasNextPage || pi.HasPreviousPage ||
		pi.StartCursor == nil || *pi.StartCursor != p1.Cases.Edges[0].Cursor || pi.EndCursor == nil || *pi.EndCursor != p1.Cases.Edges[2].Cursor {
		t.Errorf("first page: %+v", p1.Cases)
	}
	post(t, c, q, &p2, as(seed.NIKDewi), client.Var("first", 3), client.Var("after", *pi.EndCursor))
	if pi := p2.Cases.PageInfo; p2.Cases.TotalCount != 4 || len(p2.Cases.Edges) != 1 || pi.HasNextPage || !pi.HasPreviousPage ||
		*pi.StartCursor != p2.Cases.Edges[0].Cursor || *pi.EndCursor != p2.Cases.Edges[0].Cursor {
		t.Errorf("second page: %+v", p2.Cases)
	}
	post(t, c, q, &p3, as(seed.NIKDewi), client.Var("first", 0))
	if pi := p3.Cases.PageInfo; p3.Cases.TotalCount != 4 || len(p3.Cases.Edges) != 0 || pi.StartCursor != nil || pi.EndCursor != nil {
		t.Errorf("an empty page: %+v", p3.Cases)
	}
	post(t, c, q, &st, as(seed.NIKDewi), client.Var("status", "IN_REVIEW"))
	if st.Cases.TotalCount != 1 || len(st.Cases.Edges) != 1 {
		t.Errorf("IN_REVIEW: %+v; want a count of 1", st.Cases)
	}
	if errs := post(t, c, q, &st, as(seed.NIKDewi), client.Var("first", 101)); len(errs) != 1 || errs[0].Extensions.Code != "INVALID_INPUT" ||
		!strings.Contains(errs[0].Message, "100") {
		t.Errorf("first: 101: %+v; want INVALID_INPUT naming the limit", errs)
	}
	// The limit is in the schema's text, where codegen and IDEs show it.
	s := exec.NewExecutableSchema(exec.Config{}).Schema()
	for _, f := range []*ast.FieldDefinition{s.Query.Fields.ForName("cases"), s.Query.Fields.ForName("notifications"), s.Query.Fields.ForName("services")} {
		if d := f.Arguments.ForName("first").Description; !strings.Contains(d, "100") {
			t.Errorf("%s(first:) says %q; want its limit of 100", f.Name, d)
		}
	}
}
