package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/satupintu/satupintu/cases/catalog"
	"github.com/satupintu/satupintu/payments"
	"github.com/satupintu/satupintu/payments/simponi"
	"github.com/satupintu/satupintu/payments/snap"
	"github.com/satupintu/satupintu/queue"
	simsnap "github.com/satupintu/satupintu/sim/snap"
)

// paymentConcurrency is how many bills are reconciled at once per instance.
const paymentConcurrency = 4

// newPayments is the payments service when SATUPINTU_PAYMENTS is on (nil
// otherwise): the treasury and gateway clients, the receipts.
func (a *app) newPayments(cat *catalog.Catalog) *payments.Service {
	if !a.cfg.Payments {
		return nil
	}
	hc := &http.Client{Timeout: 15 * time.Second}
	log := a.log.With("component", "payments")
	s := &payments.Service{
		Store: a.stores.Payments, Cases: a.stores.Cases, Catalog: cat,
		Treasury: simponi.New(a.cfg.Simponi, hc), Gateway: snap.New(a.cfg.SNAP, hc, a.now), GatewayKey: a.cfg.SNAP.GatewayKey,
		Validity: a.cfg.PaymentValidity, ReconcileAfter: a.cfg.PaymentReconcileAfter, ReconcileEvery: a.cfg.PaymentReconcileEvery,
		Tolerance: a.cfg.PaymentTolerance, Now: a.now, Log: log,
		// Every instance derives the same key: a receipt link opens on each.
		Receipts: &payments.Receipts{BaseURL: a.cfg.PublicURL, Key: derive(a.cfg.CacheKey, "payment receipts"), Store: a.stores.Payments, Catalog: cat},
	}
	return s
}

// paymentWorkers are the reconciliation's workers.
func (a *app) paymentWorkers() []queue.Worker {
	if a.payments == nil {
		return nil
	}
	return []queue.Worker{{Kind: queue.Reconcile, Handle: a.payments.Reconcile, Concurrency: paymentConcurrency}}
}

// devPay plays a payer: {"virtualAccountNo": "…"} or {"billingCode": "…"}
// pays that bill in full through the gateway simulator, which notifies
// satupintu as in production; "notify": false plays a notification lost
// on the way (the reconciliation finds the payment).
func (a *app) devPay(w http.ResponseWriter, r *http.Request) {
	var req struct {
		VirtualAccountNo string `json:"virtualAccountNo"`
		BillingCode      string `json:"billingCode"`
		Notify           *bool  `json:"notify"`
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || (req.VirtualAccountNo == "") == (req.BillingCode == "") {
		writeDevJSON(w, http.StatusBadRequest, map[string]string{"error": `send {"virtualAccountNo":"…"} or {"billingCode":"…"} (and "notify":false to lose the notification)`})
		return
	}
	if a.payments == nil || a.sandbox.SNAP() == nil {
		writeDevJSON(w, http.StatusNotFound, map[string]string{"error": "payments are off: SATUPINTU_PAYMENTS=off (on, the default, bills the fees)"})
		return
	}
	notify := req.Notify == nil || *req.Notify
	n, err := a.sandbox.SNAP().Pay(r.Context(), req.VirtualAccountNo+req.BillingCode, notify)
	if errors.Is(err, simsnap.ErrUnknown) {
		writeDevJSON(w, http.StatusNotFound, map[string]string{"error": err.Error()})
		return
	}
	if err != nil {
		writeDevJSON(w, http.StatusBadGateway, map[string]string{"error": err.Error()})
		return
	}
	var answer any
	_ = json.Unmarshal(n.Answer, &answer)
	writeDevJSON(w, http.StatusOK, map[string]any{"paymentId": n.Payment, "notified": n.Sent, "status": n.Status, "answer": answer})
}
