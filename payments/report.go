package payments

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/payments/snap"
	"github.com/satupintu/satupintu/queue"
)

// ReportKey is the key of the daily report's job (of kind Reconcile: it
// comes back every day).
const ReportKey = "daily-report"

// ReportJob is the daily report's job, first due at at.
func ReportJob(at time.Time) queue.NewJob {
	return queue.NewJob{Kind: queue.Reconcile, Key: ReportKey, At: at, Unique: true}
}

// Report is what happened to bills on one day (WIB), and where the ledger
// and the gateway disagree.
type Report struct {
	Day        string     `json:"day"`
	Paid       []Line     `json:"paid"`
	Expired    []Line     `json:"expired"`
	Refunded   []Line     `json:"refunded"`
	Mismatches []Mismatch `json:"mismatches"`
	// Totals in whole rupiah.
	PaidTotal     int64 `json:"paidTotal"`
	RefundedTotal int64 `json:"refundedTotal"`
}

// Line is one bill of a report.
type Line struct {
	Bill        string    `json:"bill"`
	BillingCode string    `json:"billingCode"`
	Amount      int64     `json:"amount"`
	At          time.Time `json:"at"`
	Reference   string    `json:"reference,omitempty"` // the payment, the NTPN
}

// Mismatch is a bill the ledger and the gateway see differently.
type Mismatch struct {
	Bill    string `json:"bill"`
	Ledger  string `json:"ledger"`  // the bill's status
	Gateway string `json:"gateway"` // PAID, UNPAID or the error asking
}

// DailyReport gathers the report of day (any time in it, WIB): the
// ledger's rows of that day by kind, and for every bill billed in the
// week before with payment instructions, whether the gateway agrees it is
// paid or not.
func (s *Service) DailyReport(ctx context.Context, day time.Time) (Report, error) {
	d := day.In(sp.Jakarta)
	from := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, sp.Jakarta)
	to := from.AddDate(0, 0, 1)
	r := Report{Day: from.Format("2006-01-02"), Paid: []Line{}, Expired: []Line{}, Refunded: []Line{}, Mismatches: []Mismatch{}}
	// Bills live at most their validity: those billed since then can have
	// rows on the day.
	bills, err := s.Store.List(ctx, "", from.Add(-s.Validity-24*time.Hour), 0)
	if err != nil {
		return r, err
	}
	for _, b := range bills {
		rows, err := s.Store.Ledger(ctx, b.ID)
		if err != nil {
			return r, err
		}
		for _, e := range rows {
			if e.At.Before(from) || !e.At.Before(to) {
				continue
			}
			l := Line{Bill: b.ID, BillingCode: b.BillingCode, Amount: e.Amount, At: e.At, Reference: e.Reference}
			switch e.Kind {
			case KindPaid:
				l.Reference = b.NTPN
				r.Paid, r.PaidTotal = append(r.Paid, l), r.PaidTotal+e.Amount
			case KindExpired:
				l.Amount = b.Amount
				r.Expired = append(r.Expired, l)
			case KindRefund:
				r.Refunded, r.RefundedTotal = append(r.Refunded, l), r.RefundedTotal+e.Amount
			}
		}
		if b.Method == "" || b.CreatedAt.After(to) {
			continue
		}
		st, err := s.gatewayStatus(ctx, b)
		gateway := "UNPAID"
		switch {
		case err != nil:
			gateway = "ERROR: " + err.Error()
		case st.Paid:
			gateway = "PAID"
		}
		// Paid at the gateway is PAID in the ledger, or a late payment
		// refunded (EXPIRED or CANCELLED with a refund row).
		refunded := false
		for _, e := range rows {
			refunded = refunded || e.Kind == KindRefund
		}
		agree := (gateway == "PAID") == (b.Status == StatusPaid || refunded)
		if !agree {
			r.Mismatches = append(r.Mismatches, Mismatch{Bill: b.ID, Ledger: string(b.Status), Gateway: gateway})
		}
	}
	return r, nil
}

func (s *Service) gatewayStatus(ctx context.Context, b *Bill) (snap.Status, error) {
	if b.Method == MethodVA {
		return s.Gateway.VAStatus(ctx, b.ID, b.VANumber)
	}
	return s.Gateway.QRStatus(ctx, b.ID)
}

// report is the daily report's job: yesterday's report in the log (a
// mismatch as a warning), then again tomorrow.
func (s *Service) report(ctx context.Context, j queue.Job) queue.Result {
	now := s.now()
	r, err := s.DailyReport(ctx, now.Add(-24*time.Hour))
	if err != nil {
		return s.retry(j, err)
	}
	s.log().InfoContext(ctx, "payments daily report", "day", r.Day, "paid", len(r.Paid), "paid_total", r.PaidTotal,
		"expired", len(r.Expired), "refunded", len(r.Refunded), "refunded_total", r.RefundedTotal, "mismatches", len(r.Mismatches))
	for _, m := range r.Mismatches {
		s.log().WarnContext(ctx, "payments: the ledger and the gateway disagree", "bill", m.Bill, "ledger", m.Ledger, "gateway", m.Gateway)
	}
	d := now.In(sp.Jakarta)
	return queue.Snooze(time.Date(d.Year(), d.Month(), d.Day(), 1, 0, 0, 0, sp.Jakarta).AddDate(0, 0, 1))
}

// ReconcileOpen asks the gateway about every open bill with payment
// instructions now, and settles those it reports paid: what an operator
// runs when notifications are known to be lost. It returns how many bills
// were asked about and how many were settled.
func (s *Service) ReconcileOpen(ctx context.Context) (asked, settled int, err error) {
	bills, err := s.Store.List(ctx, StatusOpen, time.Time{}, 0)
	if err != nil {
		return 0, 0, err
	}
	var errs []error
	for _, b := range bills {
		if b.Method == "" {
			continue
		}
		asked++
		st, err := s.gatewayStatus(ctx, b)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !st.Paid {
			continue
		}
		if _, err := s.Apply(ctx, Payment{BillID: b.ID, PaymentID: st.PaymentID, Amount: st.Amount, PaidAt: st.PaidAt,
			NTPN: st.NTPN, NTB: st.NTB, Source: "RECONCILIATION"}); err != nil {
			errs = append(errs, err)
			continue
		}
		settled++
	}
	return asked, settled, errors.Join(errs...)
}

// AdminHandler serves the operators' endpoints (behind the admin token):
//
//	GET  /admin/payments?status=OPEN&limit=100  bills, newest first
//	GET  /admin/payments/report?day=2026-12-04  the daily report (default: yesterday)
//	POST /admin/payments/reconcile              ReconcileOpen
func (s *Service) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	write := func(w http.ResponseWriter, status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("GET /admin/payments", func(w http.ResponseWriter, r *http.Request) {
		bills, err := s.Store.List(r.Context(), Status(r.URL.Query().Get("status")), time.Time{}, 1000)
		if err != nil {
			write(w, http.StatusServiceUnavailable, map[string]string{"error": err.Error()})
			return
		}
		out := make([]map[string]any, 0, len(bills))
		for _, b := range bills {
			out = append(out, map[string]any{"bill": b.ID, "case": b.CaseID, "service": b.ServiceID, "amount": b.Amount,
				"status": b.Status, "billingCode": b.BillingCode, "createdAt": b.CreatedAt, "expiresAt": b.ExpiresAt,
				"method": b.Method, "ntpn": b.NTPN})
		}
		write(w, http.StatusOK, out)
	})
	mux.HandleFunc("GET /admin/payments/report", func(w http.ResponseWriter, r *http.Request) {
		day := s.now().Add(-24 * time.Hour)
		if q := r.URL.Query().Get("day"); q != "" {
			d, err := time.ParseInLocation("2006-01-02", q, sp.Jakarta)
			if err != nil {
				write(w, http.StatusBadRequest, map[string]string{"error": "day must be YYYY-MM-DD"})
				return
			}
			day = d
		}
		rep, err := s.DailyReport(r.Context(), day)
		if err != nil {
			write(w, http.StatusServiceUnavailable, map[string]string{"error": err.Error()})
			return
		}
		write(w, http.StatusOK, rep)
	})
	mux.HandleFunc("POST /admin/payments/reconcile", func(w http.ResponseWriter, r *http.Request) {
		asked, settled, err := s.ReconcileOpen(r.Context())
		out := map[string]any{"asked": asked, "settled": settled}
		if err != nil {
			out["errors"] = err.Error()
		}
		write(w, http.StatusOK, out)
	})
	return mux
}
