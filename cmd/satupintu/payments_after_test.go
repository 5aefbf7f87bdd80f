package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/payments"
	"github.com/satupintu/satupintu/queue"
	"github.com/satupintu/satupintu/sim/seed"
	"github.com/satupintu/satupintu/store/postgres/pgtest"
)

// A fee due after approval, on the memory engine.
func TestPaymentDueAfterApproval(t *testing.T) { paymentDueAfterApproval(t, nil) }

// The same on PostgreSQL: the approval's step, the bill and the payment's
// transaction in the database.
func TestPaymentDueAfterApprovalOnPostgres(t *testing.T) {
	paymentDueAfterApproval(t, map[string]string{"DATABASE_URL": pgtest.NewDatabase(t)})
}

// A new driving licence (sim-new) bills its fee once the police approve
// (the exams passed): submitted and forwarded with no bill; the police's
// APPROVED moves it to AWAITING_PAYMENT with a 15-digit billing code
// (Rp120.000 for class A) and the citizen is told the fee is due; paid by
// VA through the gateway simulator, its signed notification completes the
// case (the history names the NTPN, as does the receipt). The police got
// one forward and never sent COMPLETED. A second licence's bill expires:
// PAYMENT_EXPIRED, a late payment on it refunded, a new bill, paid,
// COMPLETED.
func paymentDueAfterApproval(t *testing.T, extra map[string]string) {
	ta, clock := startPayApp(t, extra)
	tok := ta.token(seed.NIKDewi)
	ta.register(tok, "fcm-dewi-phone-0001", "ANDROID", "id")

	id := ta.submitOK(tok, "sim-new", "dewi-sim-new-0001", map[string]string{"licenceClass": "A"})
	if c := ta.paymentOf(tok, id); c["payment"] != nil {
		t.Fatalf("a new licence is billed at submission: %v", c["payment"])
	}
	ta.waitStatus(tok, id, "FORWARDED")
	ta.stepUntil(tok, id, "AWAITING_PAYMENT")
	var pay map[string]any
	testkit.WaitFor(t, "the approved case's bill", func() bool {
		pay, _ = get(ta.paymentOf(tok, id), "payment").(map[string]any)
		return pay != nil
	})
	if code, _ := get(pay, "billingCode").(string); !regexp.MustCompile(`^\d{15}$`).MatchString(code) ||
		get(pay, "amount") != 120000.0 || get(pay, "status") != "OPEN" || !strings.Contains(get(pay, "regulation").(string), "PP 76/2020") {
		t.Fatalf("the approved case's payment: %v; want Rp120.000 open with a 15-digit billing code", pay)
	}
	// The police have nothing more to send: more steps change nothing.
	for range 3 {
		ta.sandbox.StepCases(context.Background())
	}
	ta.waitQuiet()
	c := ta.paymentOf(tok, id)
	statuses, sources := historyOf(c)
	if want := []string{"SUBMITTED", "FORWARDED", "RECEIVED", "IN_REVIEW", "APPROVED", "AWAITING_PAYMENT", "AWAITING_PAYMENT"}; get(c, "status") != "AWAITING_PAYMENT" ||
		!slices.Equal(statuses, want) {
		t.Fatalf("after approval: %v, history %v; want AWAITING_PAYMENT, %v", get(c, "status"), statuses, want)
	}
	if !slices.Equal(sources[4:], []string{"AGENCY_WEBHOOK", "SYSTEM", "SYSTEM"}) {
		t.Errorf("sources %v: want the police's approval, then satupintu's", sources)
	}
	if msg, _ := get(list(c, "history")[6], "message").(string); !strings.Contains(msg, get(pay, "billingCode").(string)) {
		t.Errorf("the bill's history entry %q does not name its billing code", msg)
	}
	// The citizen heard of the approval and of the fee due, once each.
	if told := ta.inboxStatuses(tok); count(told, "APPROVED") != 1 || count(told, "AWAITING_PAYMENT") != 1 {
		t.Errorf("inbox statuses %v; want the approval and one payment due", told)
	}
	due := 0
	for _, p := range ta.pushes() { // every push sent: inboxStatuses waited for the queues
		if p.Data["status"] == "AWAITING_PAYMENT" {
			due++
		}
	}
	if due != 1 {
		t.Errorf("%d payment-due pushes, want 1", due)
	}

	// The police may not complete it themselves while the fee is due.
	secret := ta.sandbox.Creds.PoliceCaseSecret
	if a := ta.event(id, "police", secret, time.Now(), eventBody(id, "evt-police-done", 4, "COMPLETED")); a.Status != 409 ||
		get(a.Body, "error", "code") != "IMPOSSIBLE_TRANSITION" || !strings.Contains(fmt.Sprint(a.Body), "NTPN") {
		t.Errorf("the police's COMPLETED while the fee is due: %+v", a)
	}
	if c := ta.caseOf(tok, id); get(c, "status") != "AWAITING_PAYMENT" || len(list(c, "history")) != 7 {
		t.Errorf("the refused COMPLETED changed the case: %v", c)
	}

	va, _ := get(ta.payCase(tok, id, "VA", "BNI"), "payment", "virtualAccount", "number").(string)
	paid := ta.devPay(`{"virtualAccountNo":"` + va + `"}`)
	if paid["status"] != 200.0 || get(paid, "answer", "responseCode") != "2002500" {
		t.Fatalf("the notification's answer: %v", paid)
	}
	c = ta.waitStatus(tok, id, "COMPLETED")
	pay = get(ta.paymentOf(tok, id), "payment").(map[string]any)
	ntpn, _ := get(pay, "ntpn").(string)
	if get(pay, "status") != "PAID" || len(ntpn) != 16 || get(pay, "method") != "VA" {
		t.Fatalf("payment after paying: %v", pay)
	}
	hist := list(c, "history")
	last := hist[len(hist)-1]
	if get(last, "status") != "COMPLETED" || get(last, "source") != "SYSTEM" || !strings.Contains(get(last, "message").(string), ntpn) {
		t.Errorf("the completion: %v; want satupintu's, naming the NTPN %s", last, ntpn)
	}
	statuses, _ = historyOf(c)
	if count(statuses, "COMPLETED") != 1 || count(statuses, "SUBMITTED") != 1 {
		t.Errorf("history %v: one COMPLETED (satupintu's), no second SUBMITTED", statuses)
	}
	resp, err := http.Get(get(pay, "receiptUrl").(string))
	if err != nil {
		t.Fatal(err)
	}
	receipt, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(receipt), ntpn) || !strings.Contains(string(receipt), "Rp120.000") {
		t.Errorf("receipt: %d %s", resp.StatusCode, receipt)
	}
	if got := ta.ledger(id + ".1"); !slices.Equal(got, []payments.Kind{payments.KindBilled, payments.KindPaid}) {
		t.Errorf("ledger %v", got)
	}
	ta.waitQuiet()
	if n, distinct := ta.sandbox.CaseIntake(sp.AgencyPolice); n != 1 || distinct != 1 {
		t.Errorf("police saw %d forwards of %d cases, want 1 of 1: the payment forwards nothing", n, distinct)
	}
	if told := ta.inboxStatuses(tok); count(told, "COMPLETED") != 1 {
		t.Errorf("inbox statuses %v; want the completion", told)
	}

	// A second licence (the first is closed): its bill expires unpaid.
	id2 := ta.submitOK(tok, "sim-new", "dewi-sim-new-0002", map[string]string{"licenceClass": "C"})
	ta.waitStatus(tok, id2, "FORWARDED")
	ta.stepUntil(tok, id2, "AWAITING_PAYMENT")
	p := ta.payCase(tok, id2, "VA", "MANDIRI")
	va, code := get(p, "payment", "virtualAccount", "number").(string), get(p, "payment", "billingCode").(string)
	if pay := get(ta.paymentOf(tok, id2), "payment"); get(pay, "amount") != 100000.0 || len(code) != 15 {
		t.Fatalf("a class C licence's bill: %v", pay)
	}
	clock.Advance(7 * 24 * time.Hour)
	if extra["DATABASE_URL"] != "" {
		// River schedules by the database's clock, which a test cannot
		// move: the bill's reconciliation job is run here as River runs it
		// at its due time (the memory engine's queue follows the app's
		// clock and runs it by itself).
		ta.app.payments.Reconcile(context.Background(), queue.Job{Kind: queue.Reconcile, Key: id2 + ".1", Attempt: 1})
	}
	ta.waitStatus(tok, id2, "PAYMENT_EXPIRED")
	late := ta.devPay(`{"virtualAccountNo":"` + va + `"}`)
	if late["status"] != 200.0 || !strings.Contains(get(late, "answer", "responseMessage").(string), "REFUNDED") {
		t.Fatalf("late payment answered %v", late)
	}
	if got := ta.ledger(id2 + ".1"); !slices.Equal(got, []payments.Kind{payments.KindBilled, payments.KindExpired,
		payments.KindLatePayment, payments.KindRefund}) {
		t.Errorf("ledger %v; want the late payment and its refund", got)
	}
	if c := ta.paymentOf(tok, id2); get(c, "status") != "PAYMENT_EXPIRED" {
		t.Errorf("the late payment moved the case: %v", get(c, "status"))
	}
	again := ta.payCase(tok, id2, "VA", "MANDIRI")
	newVA, _ := get(again, "payment", "virtualAccount", "number").(string)
	if get(again, "case", "status") != "AWAITING_PAYMENT" || get(again, "payment", "billingCode") == code ||
		get(again, "payment", "status") != "OPEN" {
		t.Fatalf("a new bill: %v", again)
	}
	ta.devPay(`{"virtualAccountNo":"` + newVA + `"}`)
	ta.waitStatus(tok, id2, "COMPLETED")
	if got := ta.ledger(id2 + ".2"); !slices.Equal(got, []payments.Kind{payments.KindBilled, payments.KindPaid}) {
		t.Errorf("the new bill's ledger %v", got)
	}
	ta.waitQuiet()
	if n, distinct := ta.sandbox.CaseIntake(sp.AgencyPolice); n != 2 || distinct != 2 {
		t.Errorf("police saw %d forwards of %d cases, want 2 of 2", n, distinct)
	}
}

// inboxStatuses lists the statuses of the citizen's inbox entries, once
// every change is dispatched.
func (ta *testApp) inboxStatuses(tok string) []string {
	ta.t.Helper()
	ta.waitQuiet()
	r := ta.post(tok, `{ notifications(first: 50) { edges { node { status } } } }`, nil)
	var told []string
	for _, e := range list(r.Data, "notifications", "edges") {
		told = append(told, get(e, "node", "status").(string))
	}
	return told
}

func count(ss []string, s string) int {
	n := 0
	for _, x := range ss {
		if x == s {
			n++
		}
	}
	return n
}
