package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/payments"
	"github.com/satupintu/satupintu/payments/snap"
	"github.com/satupintu/satupintu/sim"
	"github.com/satupintu/satupintu/sim/seed"
	simsnap "github.com/satupintu/satupintu/sim/snap"
	"github.com/satupintu/satupintu/store/postgres/pgtest"
)

// payEnv turns payments on over the embedded sandbox (treasury and
// gateway), with the agencies stepped by hand.
func payEnv(extra map[string]string) map[string]string {
	env := withEnv(map[string]string{"SATUPINTU_PAYMENTS": "on"})
	for k, v := range extra {
		env[k] = v
	}
	return env
}

// startPayApp starts satupintu with payments on (payEnv) on a clock the
// test moves: bills expire and reconciliations fall due when it says.
func startPayApp(t *testing.T, extra map[string]string) (*testApp, *testkit.Clock) {
	t.Helper()
	clock := testkit.NewClock(time.Now())
	return startAppClock(t, payEnv(extra), clock), clock
}

const paymentQuery = `query($id: ID!) { case(id: $id) { id status history { status source message }
	payment { id amount currency regulation status billingCode expiresAt paidAt ntpn method
		virtualAccount { id bank number } qris { id payload imagePng } receiptUrl } } }`

const payCaseMutation = `mutation($in: PayCaseInput!) { payCase(input: $in) {
	case { status } payment { status billingCode virtualAccount { bank number } qris { payload imagePng } }
	userErrors { field code message } } }`

// submitAwaiting submits an SKCK and returns its number: the case awaits
// payment with a 15-digit billing code.
func (ta *testApp) submitAwaiting(tok, key string) string {
	ta.t.Helper()
	r := ta.submit(tok, "skck-application", key, skck)
	p := get(r.Data, "submitServiceRequest")
	if len(r.Errors) > 0 || len(list(p, "userErrors")) > 0 {
		ta.t.Fatalf("submit: %+v %v", r.Errors, p)
	}
	if get(p, "case", "status") != "AWAITING_PAYMENT" {
		ta.t.Fatalf("a new SKCK case is %v, want AWAITING_PAYMENT", get(p, "case", "status"))
	}
	number := get(p, "case", "number").(string)
	pay := get(ta.paymentOf(tok, number), "payment")
	if code, _ := get(pay, "billingCode").(string); !regexp.MustCompile(`^\d{15}$`).MatchString(code) ||
		get(pay, "amount") != 30000.0 || get(pay, "currency") != "IDR" || get(pay, "status") != "OPEN" ||
		!strings.Contains(get(pay, "regulation").(string), "PP 76/2020") {
		ta.t.Fatalf("the new case's payment: %v; want Rp30.000 open with a 15-digit billing code", pay)
	}
	return number
}

func (ta *testApp) paymentOf(tok, number string) map[string]any {
	ta.t.Helper()
	r := ta.post(tok, paymentQuery, map[string]any{"id": caseGID(number)})
	if len(r.Errors) > 0 {
		ta.t.Fatalf("case(%s): %+v", number, r.Errors)
	}
	c, _ := get(r.Data, "case").(map[string]any)
	return c
}

// payCase asks for instructions and fails the test on any error.
func (ta *testApp) payCase(tok, number, method, bank string) map[string]any {
	ta.t.Helper()
	in := map[string]any{"caseId": caseGID(number), "method": method}
	if bank != "" {
		in["bank"] = bank
	}
	r := ta.post(tok, payCaseMutation, map[string]any{"in": in})
	p := get(r.Data, "payCase")
	if len(r.Errors) > 0 || len(list(p, "userErrors")) > 0 {
		ta.t.Fatalf("payCase: %+v %v", r.Errors, p)
	}
	return p.(map[string]any)
}

// devPay pays through the gateway simulator as a payer.
func (ta *testApp) devPay(body string) map[string]any {
	ta.t.Helper()
	resp, err := http.Post(ta.url+"/dev/pay", "application/json", strings.NewReader(body))
	if err != nil {
		ta.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		ta.t.Fatalf("POST /dev/pay %s: %d %v %v", body, resp.StatusCode, out, err)
	}
	return out
}

func (ta *testApp) ledger(billID string) []payments.Kind {
	ta.t.Helper()
	rows, err := ta.stores.Payments.Ledger(context.Background(), billID)
	if err != nil {
		ta.t.Fatal(err)
	}
	var kinds []payments.Kind
	for _, r := range rows {
		kinds = append(kinds, r.Kind)
	}
	return kinds
}

// SKCK application → AWAITING_PAYMENT with a 15-digit billing code → paid
// by VA through the gateway simulator → its signed notification → the case
// is forwarded → COMPLETED; the receipt shows the NTPN. The citizen heard
// of the bill and of the payment in the inbox.
func TestPaymentByVirtualAccount(t *testing.T) {
	ta, _ := startPayApp(t, nil)
	tok := ta.token(seed.NIKDewi)
	id := ta.submitAwaiting(tok, "dewi-skck-pay-0001")

	p := ta.payCase(tok, id, "VA", "BRI")
	va, _ := get(p, "payment", "virtualAccount", "number").(string)
	if get(p, "payment", "virtualAccount", "bank") != "BRI" || !strings.HasPrefix(va, "88899") || get(p, "case", "status") != "AWAITING_PAYMENT" {
		t.Fatalf("payCase: %v", p)
	}
	// Asked again: the same account, nothing new at the gateway.
	if again := ta.payCase(tok, id, "VA", "BRI"); get(again, "payment", "virtualAccount", "number") != va {
		t.Errorf("payCase again: %v; want the same account %s", again, va)
	}
	ta.waitQuiet()
	if got, _ := ta.sandbox.CaseIntake(sp.AgencyPolice); got != 0 {
		t.Fatalf("the police got %d forwards before payment", got)
	}

	paid := ta.devPay(`{"virtualAccountNo":"` + va + `"}`)
	if paid["status"] != 200.0 || get(paid, "answer", "responseCode") != "2002500" {
		t.Fatalf("the notification's answer: %v", paid)
	}
	ta.waitStatus(tok, id, "FORWARDED")
	c := ta.stepUntil(tok, id, "COMPLETED")
	statuses, sources := historyOf(c)
	if want := []string{"AWAITING_PAYMENT", "AWAITING_PAYMENT", "SUBMITTED", "FORWARDED", "RECEIVED", "IN_REVIEW", "APPROVED", "COMPLETED"}; !slices.Equal(statuses, want) {
		t.Errorf("history %v, want %v", statuses, want)
	}
	if !slices.Equal(sources[:3], []string{"CITIZEN", "SYSTEM", "SYSTEM"}) {
		t.Errorf("sources %v", sources)
	}

	pay := get(ta.paymentOf(tok, id), "payment")
	ntpn, _ := get(pay, "ntpn").(string)
	if get(pay, "status") != "PAID" || len(ntpn) != 16 || get(pay, "paidAt") == nil || get(pay, "method") != "VA" {
		t.Fatalf("payment after paying: %v", pay)
	}
	resp, err := http.Get(get(pay, "receiptUrl").(string))
	if err != nil {
		t.Fatal(err)
	}
	receipt, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(receipt), ntpn) || !strings.Contains(string(receipt), "Rp30.000") {
		t.Errorf("receipt: %d %s", resp.StatusCode, receipt)
	}
	// A link with another token opens nothing.
	if resp, _ := http.Get(strings.Split(get(pay, "receiptUrl").(string), "?")[0] + "?t=forged"); resp.StatusCode != 404 {
		t.Errorf("a forged receipt link: %d", resp.StatusCode)
	}
	if got := ta.ledger(id + ".1"); !slices.Equal(got, []payments.Kind{payments.KindBilled, payments.KindPaid}) {
		t.Errorf("ledger %v", got)
	}
	ta.waitQuiet()
	if n, distinct := ta.sandbox.CaseIntake(sp.AgencyPolice); n != 1 || distinct != 1 {
		t.Errorf("police saw %d forwards of %d cases, want 1 of 1", n, distinct)
	}
	// The inbox: the bill (due) and the payment (received), before the
	// agency's own news.
	r := ta.post(tok, `{ notifications(first: 50) { edges { node { status body } } } }`, nil)
	var told []string
	for _, e := range list(r.Data, "notifications", "edges") {
		told = append(told, get(e, "node", "status").(string))
	}
	if !slices.Contains(told, "AWAITING_PAYMENT") || !slices.Contains(told, "SUBMITTED") {
		t.Errorf("inbox statuses %v; want the payment due and received", told)
	}
}

// QRIS: payCase answers a QRIS payload (EMVCo, with its CRC) and its image;
// paid, the QRIS notification moves the case on.
func TestPaymentByQRIS(t *testing.T) {
	ta, _ := startPayApp(t, nil)
	tok := ta.token(seed.NIKDewi)
	id := ta.submitAwaiting(tok, "dewi-skck-qris-001")
	p := ta.payCase(tok, id, "QRIS", "")
	payload, _ := get(p, "payment", "qris", "payload").(string)
	if !strings.HasPrefix(payload, "000201") || !strings.Contains(payload, "540530000") || get(p, "payment", "qris", "imagePng") == "" {
		t.Fatalf("QRIS: %v", p)
	}
	code := get(p, "payment", "billingCode").(string)
	if paid := ta.devPay(`{"billingCode":"` + code + `"}`); get(paid, "answer", "responseCode") != "2005200" {
		t.Fatalf("the QRIS notification's answer: %v", paid)
	}
	ta.waitStatus(tok, id, "FORWARDED")
}

// A forged notification (another key), a wrong amount and a replay after
// the tolerance are refused, and nothing changes; the genuine one is then
// applied.
func TestPaymentNotificationRefusals(t *testing.T) {
	ta, clock := startPayApp(t, nil)
	tok := ta.token(seed.NIKDewi)
	id := ta.submitAwaiting(tok, "dewi-skck-forge-01")
	va := get(ta.payCase(tok, id, "VA", "BNI"), "payment", "virtualAccount", "number").(string)
	gateway, err := sim.ParseRSAKey(sim.DevCredentials().SNAPGatewayKey)
	if err != nil {
		t.Fatal(err)
	}
	forger, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	notifyURL := ta.url + payments.NotificationPath + snap.PathVAPayment
	body := func(amount string) []byte {
		raw, _ := json.Marshal(map[string]any{"partnerServiceId": sim.SNAPPartnerServiceID, "virtualAccountNo": va, "trxId": id + ".1",
			"paymentRequestId": "PAY-FORGED-1", "paidAmount": map[string]string{"value": amount, "currency": "IDR"},
			"additionalInfo": map[string]string{"ntpn": "FORGEDNTPN000001"}})
		return raw
	}
	send := func(key *rsa.PrivateKey, raw []byte, at time.Time) (int, string) {
		ts := snap.Timestamp(at)
		sig, err := simsnap.SignNotification(key, http.MethodPost, payments.NotificationPath+snap.PathVAPayment, raw, ts)
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPost, notifyURL, bytes.NewReader(raw))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-TIMESTAMP", ts)
		req.Header.Set("X-SIGNATURE", sig)
		req.Header.Set("X-PARTNER-ID", "dev-satupintu-snap")
		req.Header.Set("X-EXTERNAL-ID", "123456789")
		req.Header.Set("CHANNEL-ID", "95221")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out struct {
			ResponseCode string `json:"responseCode"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out.ResponseCode
	}
	for _, c := range []struct {
		name   string
		key    *rsa.PrivateKey
		amount string
		at     time.Time
		status int
		code   string
	}{
		{"forged signature", forger, "30000.00", clock.Now(), 401, "4012500"},
		{"wrong amount", gateway, "20000.00", clock.Now(), 404, "4042513"},
		{"overpaid", gateway, "30001.00", clock.Now(), 404, "4042513"},
		{"replay after the tolerance", gateway, "30000.00", clock.Now().Add(-10 * time.Minute), 401, "4012500"},
	} {
		if status, code := send(c.key, body(c.amount), c.at); status != c.status || code != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.name, status, code, c.status, c.code)
		}
	}
	if got := ta.ledger(id + ".1"); !slices.Equal(got, []payments.Kind{payments.KindBilled}) {
		t.Errorf("ledger after the refusals: %v; want the bill only", got)
	}
	if c := ta.paymentOf(tok, id); get(c, "status") != "AWAITING_PAYMENT" || get(c, "payment", "status") != "OPEN" {
		t.Errorf("after the refusals: %v", c)
	}
	// The genuine notification is then applied.
	raw := body("30000.00")
	if status, _ := send(gateway, raw, clock.Now()); status != 200 {
		t.Fatalf("the genuine notification: %d", status)
	}
	ta.waitStatus(tok, id, "FORWARDED")
	if !strings.Contains(ta.logs.String(), "payment notification refused") {
		t.Error("the refusals were not logged")
	}
}

// An expired bill: the case goes to PAYMENT_EXPIRED; a late payment on it
// is recorded and refunded (the ledger), the case stays; a new bill on
// request brings it back to AWAITING_PAYMENT with a new billing code.
// The bill lives the default 7 days on the app's clock, which the test
// moves past them: the reconciliation then falls due and expires it.
func TestPaymentExpiredAndLatePaymentRefunded(t *testing.T) {
	ta, clock := startPayApp(t, nil)
	tok := ta.token(seed.NIKDewi)
	id := ta.submitAwaiting(tok, "dewi-skck-late-001")
	p := ta.payCase(tok, id, "VA", "MANDIRI")
	va, code := get(p, "payment", "virtualAccount", "number").(string), get(p, "payment", "billingCode").(string)
	expires, err := time.Parse(time.RFC3339, get(ta.paymentOf(tok, id), "payment", "expiresAt").(string))
	if err != nil || expires.Before(clock.Now().Add(7*24*time.Hour-time.Minute)) {
		t.Fatalf("the bill expires at %v (%v); want 7 days on", expires, err)
	}

	clock.Advance(7 * 24 * time.Hour)
	ta.waitStatus(tok, id, "PAYMENT_EXPIRED")
	if c := ta.paymentOf(tok, id); get(c, "payment", "status") != "EXPIRED" {
		t.Fatalf("payment of an expired case: %v", get(c, "payment"))
	}
	late := ta.devPay(`{"virtualAccountNo":"` + va + `"}`)
	if late["status"] != 200.0 || !strings.Contains(get(late, "answer", "responseMessage").(string), "REFUNDED") {
		t.Fatalf("late payment answered %v", late)
	}
	if got := ta.ledger(id + ".1"); !slices.Equal(got, []payments.Kind{payments.KindBilled, payments.KindExpired,
		payments.KindLatePayment, payments.KindRefund}) {
		t.Errorf("ledger %v; want the late payment and its refund", got)
	}
	if c := ta.paymentOf(tok, id); get(c, "status") != "PAYMENT_EXPIRED" {
		t.Errorf("the late payment moved the case: %v", get(c, "status"))
	}
	// The same late notification again: recorded once.
	n := ta.sandbox.SNAP().LastNotification()
	req, _ := n.Request(context.Background(), "")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("the repeat: %v %v", resp, err)
	}
	if got := ta.ledger(id + ".1"); len(got) != 4 {
		t.Errorf("a repeated late payment was recorded again: %v", got)
	}

	// The citizen was told the deadline passed.
	ta.waitQuiet()
	r := ta.post(tok, `{ notifications(first: 50) { edges { node { status } } } }`, nil)
	var told []string
	for _, e := range list(r.Data, "notifications", "edges") {
		told = append(told, get(e, "node", "status").(string))
	}
	if !slices.Contains(told, "PAYMENT_EXPIRED") {
		t.Errorf("inbox statuses %v; want the payment expired", told)
	}

	again := ta.payCase(tok, id, "VA", "MANDIRI")
	if get(again, "case", "status") != "AWAITING_PAYMENT" || get(again, "payment", "billingCode") == code ||
		get(again, "payment", "status") != "OPEN" {
		t.Fatalf("a new bill: %v", again)
	}
	if ta.ledger(id + ".2")[0] != payments.KindBilled {
		t.Errorf("the new bill's ledger: %v", ta.ledger(id+".2"))
	}
}

// The gateway's notification is lost: the reconciliation job asks the
// gateway, finds the payment, and the case proceeds.
// The reconciliation asks SATUPINTU_PAYMENT_RECONCILE_AFTER (15 minutes)
// after the bill, on the app's clock, which the test moves.
func TestPaymentNotificationLostReconciled(t *testing.T) {
	ta, clock := startPayApp(t, nil)
	tok := ta.token(seed.NIKDewi)
	id := ta.submitAwaiting(tok, "dewi-skck-lost-001")
	va := get(ta.payCase(tok, id, "VA", "BSI"), "payment", "virtualAccount", "number").(string)
	if paid := ta.devPay(`{"virtualAccountNo":"` + va + `","notify":false}`); paid["notified"] != false {
		t.Fatalf("/dev/pay notified: %v", paid)
	}
	ta.waitQuiet()
	if c := ta.paymentOf(tok, id); get(c, "status") != "AWAITING_PAYMENT" {
		t.Fatalf("with the notification lost and no reconciliation due, the case is %v", get(c, "status"))
	}
	clock.Advance(15 * time.Minute)
	ta.waitStatus(tok, id, "FORWARDED")
	rows, err := ta.stores.Payments.Ledger(context.Background(), id+".1")
	if err != nil || len(rows) != 2 || rows[1].Kind != payments.KindPaid || rows[1].Source != "RECONCILIATION" {
		t.Errorf("ledger %+v %v; want the payment found by reconciliation", rows, err)
	}
	if pay := get(ta.paymentOf(tok, id), "payment"); get(pay, "status") != "PAID" || get(pay, "ntpn") == nil {
		t.Errorf("payment: %v", pay)
	}
}

// paymentEnv adds the payment settings naming the sandbox sb to env.
func paymentEnv(t *testing.T, env map[string]string, sb *sim.Sandbox) {
	t.Helper()
	dir := t.TempDir()
	creds := sim.DevCredentials()
	gateway, err := sim.ParseRSAKey(creds.SNAPGatewayKey)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := x509.MarshalPKIXPublicKey(&gateway.PublicKey)
	files := map[string][]byte{"client.pem": []byte(creds.SNAPClientKey), "gateway.pem": pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})}
	for name, b := range files {
		if err := os.WriteFile(dir+"/"+name, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	env["SATUPINTU_PAYMENTS"] = "on"
	env["SATUPINTU_SNAP_URL"] = sb.BaseURL + "/snap"
	env["SATUPINTU_SNAP_CLIENT_ID"] = creds.SNAPClientID
	env["SATUPINTU_SNAP_CLIENT_SECRET"] = creds.SNAPClientSecret
	env["SATUPINTU_SNAP_PRIVATE_KEY_FILE"] = dir + "/client.pem"
	env["SATUPINTU_SNAP_GATEWAY_KEY_FILE"] = dir + "/gateway.pem"
	env["SATUPINTU_SNAP_PARTNER_SERVICE_ID"] = sim.SNAPPartnerServiceID
	env["SATUPINTU_SIMPONI_URL"] = sb.BaseURL + "/simponi"
	env["SATUPINTU_SIMPONI_USER"] = creds.SimponiUser
	env["SATUPINTU_SIMPONI_PASSWORD"] = creds.SimponiPassword
	env["SATUPINTU_FORWARD_BACKOFF_BASE"] = "10ms"
	env["SATUPINTU_FORWARD_BACKOFF_MAX"] = "40ms"
}

// deliver sends a notification again, as the gateway retries it, and
// returns the answer's status (0: no answer).
func deliver(n *simsnap.Notification, to string) int {
	req, err := n.Request(context.Background(), to)
	if err != nil {
		return 0
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// PostgreSQL goes down (every connection drops, new ones are refused) and
// comes back while the gateway delivers three payments: the deliveries it
// sees fail are retried, as a gateway does, and no payment is lost or
// applied twice: each bill is paid once and each case forwarded once. The
// test moves from one state to the next on conditions, never on a sleep.
func TestPaymentsSurvivePostgresRestart(t *testing.T) {
	env, sb := productionEnv(t)
	proxy := pgtest.NewProxy(t, env["DATABASE_URL"])
	env["DATABASE_URL"] = proxy.URL()
	paymentsThroughOutage(t, env, sb, proxy.Cut, proxy.Restore)
}

// paymentsThroughOutage pays three bills at the gateway and delivers
// their notifications while PostgreSQL (env's DATABASE_URL) goes down
// (down) and comes back (up): none is acknowledged while it is down, each
// is applied exactly once after, every case forwarded.
func paymentsThroughOutage(t *testing.T, env map[string]string, sb *sim.Sandbox, down, up func()) {
	env["SATUPINTU_DB_STATEMENT_TIMEOUT"] = "2s"
	paymentEnv(t, env, sb)
	a := startProduction(t, env)
	t.Cleanup(func() { _ = a.stop() })
	notifyURL := a.url + payments.NotificationPath + snap.PathVAPayment
	sb.SNAP().SetNotifyURL(notifyURL)
	// Three citizens' SKCKs, billed, paid at the gateway; the
	// notifications held back.
	var ids, toks []string
	var held []*simsnap.Notification
	for _, nik := range []sp.NIK{seed.NIKDewi, seed.NIKBudi, seed.NIKWayan} {
		tok, _, err := sb.IdP().Mint(nik, "satupintu-prod", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		id := a.submitAwaiting(tok, "pg-restart-"+string(nik))
		va := get(a.payCase(tok, id, "VA", "BRI"), "payment", "virtualAccount", "number").(string)
		n, err := sb.SNAP().Pay(context.Background(), va, false)
		if err != nil {
			t.Fatal(err)
		}
		ids, toks, held = append(ids, id), append(toks, tok), append(held, n)
	}

	// The first is delivered and acknowledged before the database goes
	// down; while it is down every delivery, the first's repeat too, is
	// refused unacknowledged (nothing half-applied); once it is back the
	// gateway retries all three at once until each is acknowledged.
	if status := deliver(held[0], notifyURL); status != 200 {
		t.Fatalf("the first notification, the database up: %d", status)
	}
	// Its forward done (a job in flight at the cut would wait for River's
	// rescue, minutes away, which is not what this test is about).
	a.waitStatus(toks[0], ids[0], "FORWARDED")
	testkit.WaitFor(t, "the forward queue to drain", func() bool {
		d, _ := a.stores.Jobs.Depth(context.Background(), "forward")
		return d == 0
	})
	down()
	for i, n := range held {
		if status := deliver(n, notifyURL); status == 200 {
			t.Errorf("notification %d was acknowledged while the database was down", i)
		}
	}
	up()
	var wg sync.WaitGroup
	for _, n := range held {
		wg.Go(func() {
			if !testkit.Poll(testkit.Timeout, func() bool { return deliver(n, notifyURL) == 200 }) {
				t.Errorf("a notification was never acknowledged after the database came back")
			}
		})
	}
	wg.Wait()
	for i, id := range ids {
		a.waitStatus(toks[i], id, "FORWARDED")
		rows, err := a.stores.Payments.Ledger(context.Background(), id+".1")
		paid := 0
		for _, r := range rows {
			if r.Kind == payments.KindPaid || r.Kind == payments.KindLatePayment {
				paid++
			}
		}
		if err != nil || paid != 1 {
			t.Errorf("case %s: ledger %+v %v; want one payment", id, rows, err)
		}
	}
	testkit.WaitFor(t, "the forward queue to drain", func() bool {
		d, _ := a.stores.Jobs.Depth(context.Background(), "forward")
		return d == 0
	})
	// Forwards are at least once: one whose acknowledgment could not be
	// recorded while the database was down is delivered again (the agency
	// contract deduplicates by case); each case is forwarded, none lost.
	if got, distinct := sb.CaseIntake(sp.AgencyPolice); got < len(ids) || distinct != len(ids) {
		t.Errorf("police saw %d forwards of %d cases, want every one of the %d", got, distinct, len(ids))
	}
	for i, id := range ids {
		statuses, _ := historyOf(a.caseOf(toks[i], id))
		if n := slices.Index(statuses, "SUBMITTED"); n < 0 || slices.Contains(statuses[n+1:], "SUBMITTED") {
			t.Errorf("case %s: history %v; want the payment once", id, statuses)
		}
	}
}

// The same notification 10 times, at once, to 3 instances on one
// PostgreSQL: the bill is credited once and the case forwarded once.
func TestPaymentNotificationConcurrentInstances(t *testing.T) {
	apps, _, lb := startInstancesWith(t, 3, func(env map[string]string, sb *sim.Sandbox) { paymentEnv(t, env, sb) })
	sb := apps[0].sandboxExt
	sb.SNAP().SetNotifyURL(lb.URL() + payments.NotificationPath + snap.PathVAPayment)
	tok, _, err := sb.IdP().Mint(seed.NIKDewi, "satupintu-prod", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	a := apps[0]
	id := a.submitAwaiting(tok, "dewi-skck-three-01")
	va := get(a.payCase(tok, id, "VA", "BRI"), "payment", "virtualAccount", "number").(string)
	// Paid, the notification held back: delivered below, 10 times at once.
	n, err := sb.SNAP().Pay(context.Background(), va, false)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	codes := make([]int, 10)
	for i := range 10 {
		wg.Go(func() {
			req, err := n.Request(context.Background(), apps[i%3].url+payments.NotificationPath+snap.PathVAPayment)
			if err != nil {
				t.Error(err)
				return
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			codes[i] = resp.StatusCode
		})
	}
	wg.Wait()
	for i, c := range codes {
		if c != 200 {
			t.Errorf("delivery %d answered %d", i, c)
		}
	}
	a.waitStatus(tok, id, "FORWARDED")
	rows, err := a.stores.Payments.Ledger(context.Background(), id+".1")
	paidRows := 0
	for _, r := range rows {
		if r.Kind == payments.KindPaid || r.Kind == payments.KindLatePayment {
			paidRows++
		}
	}
	if err != nil || paidRows != 1 {
		t.Errorf("ledger %+v %v; want one payment", rows, err)
	}
	testkit.WaitFor(t, "the forward queue to drain", func() bool {
		d, _ := a.stores.Jobs.Depth(context.Background(), "forward")
		return d == 0
	})
	if got, distinct := sb.CaseIntake(sp.AgencyPolice); got != 1 || distinct != 1 {
		t.Errorf("police saw %d forwards of %d cases, want 1 of 1", got, distinct)
	}
	c := a.caseOf(tok, caseGID(id))
	statuses, _ := historyOf(c)
	if n := slices.Index(statuses, "SUBMITTED"); n < 0 || slices.Contains(statuses[n+1:], "SUBMITTED") {
		t.Errorf("history %v: want the payment once", statuses)
	}
}

// The operators' commands: `payments list` shows a bill whose notification
// was lost, `payments reconcile` settles it from the gateway's answer (the
// case goes on), `payments report` lists the day's payments, with no
// mismatch between the ledger and the gateway.
func TestPaymentsOperatorCommands(t *testing.T) {
	ta, clock := startPayApp(t, nil) // the clock stands still: no reconciliation falls due
	tok := ta.token(seed.NIKDewi)
	id := ta.submitAwaiting(tok, "dewi-skck-ops-0001")
	va := get(ta.payCase(tok, id, "VA", "BRI"), "payment", "virtualAccount", "number").(string)
	ta.devPay(`{"virtualAccountNo":"` + va + `","notify":false}`)

	cli := func(args ...string) string {
		t.Helper()
		var out, errs bytes.Buffer
		if err := runPayments(context.Background(), append(args, "-url", ta.url), func(string) string { return "" }, &out, &errs); err != nil {
			t.Fatalf("payments %v: %v (%s)", args, err, errs.String())
		}
		return out.String()
	}
	if out := cli("list", "-status", "OPEN"); !strings.Contains(out, id+".1") || !strings.Contains(out, "30000") {
		t.Errorf("payments list -status OPEN:\n%s", out)
	}
	today := clock.Now().In(sp.Jakarta).Format("2006-01-02")
	// Before reconciling, the report shows the gateway paid what the
	// ledger has open.
	var before payments.Report
	if err := json.Unmarshal([]byte(cli("report", "-day", today)), &before); err != nil {
		t.Fatal(err)
	}
	if len(before.Mismatches) != 1 || before.Mismatches[0].Bill != id+".1" || before.Mismatches[0].Gateway != "PAID" ||
		before.Mismatches[0].Ledger != "OPEN" {
		t.Errorf("report before reconciling: %+v; want the mismatch", before.Mismatches)
	}
	if out := cli("reconcile"); !strings.Contains(out, "1 were paid") {
		t.Errorf("payments reconcile: %s", out)
	}
	ta.waitStatus(tok, id, "FORWARDED")
	var rep payments.Report
	if err := json.Unmarshal([]byte(cli("report", "-day", today)), &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Paid) != 1 || rep.Paid[0].Bill != id+".1" || rep.PaidTotal != 30000 || len(rep.Mismatches) != 0 {
		t.Errorf("report %+v", rep)
	}
}
