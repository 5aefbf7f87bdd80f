package payments

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"net/http"
	"strings"

	"github.com/satupintu/satupintu/cases/catalog"
	"github.com/satupintu/satupintu/payments/snap"
)

// NotificationPath is where the gateway sends its notifications: the VA
// payment at NotificationPath + /v1.0/transfer-va/payment, the QRIS one at
// NotificationPath + /v1.0/qr/qr-mpm-notify.
const NotificationPath = "/payments/snap"

// NotificationHandler serves the gateway's payment notifications: each is
// verified (headers, timestamp within the tolerance, the gateway's
// signature over this path and the body) before anything changes, then
// applied once (Apply). The answer is SNAP's: 200 with responseCode
// 2002500 (VA) or 2005200 (QRIS), also for a repeat; 401xx00 for a bad
// signature or a stale timestamp; 400xx02 malformed; 404xx12 an unknown
// bill; 404xx13 another amount than the bill's.
func (s *Service) NotificationHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		svc := "25"
		if strings.HasSuffix(r.URL.Path, snap.PathQRNotify) {
			svc = "52"
		}
		answer := func(status int, c, msg string) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_ = json.NewEncoder(w).Encode(map[string]string{"responseCode": itoa(status) + svc + c, "responseMessage": msg})
		}
		if r.Method != http.MethodPost {
			answer(http.StatusMethodNotAllowed, "00", "Method Not Allowed")
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<16))
		if err != nil {
			answer(http.StatusBadRequest, "02", "Invalid Mandatory Field")
			return
		}
		switch err := snap.VerifyNotification(s.GatewayKey, r.Method, r.URL.Path, r.Header, body, s.now(), s.Tolerance); {
		case errors.Is(err, snap.ErrSignature), errors.Is(err, snap.ErrStale):
			s.log().WarnContext(r.Context(), "payment notification refused", "reason", err)
			answer(http.StatusUnauthorized, "00", "Unauthorized. [Signature]")
			return
		case err != nil:
			answer(http.StatusBadRequest, "02", "Invalid Mandatory Field")
			return
		}
		n, err := snap.ParseNotification(r.URL.Path, body)
		if err != nil {
			answer(http.StatusBadRequest, "02", "Invalid Mandatory Field")
			return
		}
		outcome, err := s.Apply(r.Context(), Payment{BillID: n.Reference, PaymentID: n.PaymentID, Amount: n.Amount, PaidAt: n.PaidAt,
			NTPN: n.NTPN, NTB: n.NTB, Source: "NOTIFICATION"})
		switch {
		case errors.Is(err, ErrUnknownBill):
			answer(http.StatusNotFound, "12", "Invalid Bill/Virtual Account")
		case errors.Is(err, ErrAmount):
			s.log().WarnContext(r.Context(), "payment notification refused: amount is not the bill's", "bill", n.Reference, "amount", n.Amount)
			answer(http.StatusNotFound, "13", "Invalid Amount")
		case err != nil:
			s.log().ErrorContext(r.Context(), "payment notification not applied", "bill", n.Reference, "error", err)
			answer(http.StatusInternalServerError, "01", "Internal Server Error")
		default:
			answer(http.StatusOK, "00", "Successful: "+string(outcome))
		}
	})
}

// Receipts are the proofs of payment a citizen opens by link: the link
// carries an HMAC of the bill id, so it needs no sign-in and guesses
// nothing; the page holds no personal data.
type Receipts struct {
	BaseURL string // satupintu's public URL
	Key     []byte
	Store   Store
	Catalog *catalog.Catalog
}

// ReceiptPath is where receipts are served: ReceiptPath/<bill id>?t=<mac>.
const ReceiptPath = "/payments/receipts/"

func (r *Receipts) mac(id string) string {
	m := hmac.New(sha256.New, r.Key)
	m.Write([]byte("receipt|" + id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// URL is the receipt link of a paid bill ("" otherwise).
func (r *Receipts) URL(b *Bill) string {
	if r == nil || b.Status != StatusPaid {
		return ""
	}
	return strings.TrimRight(r.BaseURL, "/") + ReceiptPath + b.ID + "?t=" + r.mac(b.ID)
}

var receiptPage = template.Must(template.New("receipt").Parse(`<!doctype html>
<html lang="id"><head><meta charset="utf-8"><title>Bukti pembayaran / Receipt</title></head>
<body><h1>Bukti pembayaran PNBP / Receipt of payment</h1>
<dl>
<dt>Layanan / Service</dt><dd>{{.Service}}</dd>
<dt>Jumlah / Amount</dt><dd>{{.Amount}}</dd>
<dt>Dasar hukum / Regulation</dt><dd>{{.Regulation}}</dd>
<dt>Kode billing / Billing code</dt><dd>{{.BillingCode}}</dd>
<dt>NTPN</dt><dd id="ntpn">{{.NTPN}}</dd>
<dt>NTB</dt><dd>{{.NTB}}</dd>
<dt>Dibayar / Paid</dt><dd>{{.PaidAt}}</dd>
</dl></body></html>
`))

// Handler serves the receipts.
func (r *Receipts) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		id := strings.TrimPrefix(req.URL.Path, ReceiptPath)
		if !hmac.Equal([]byte(req.URL.Query().Get("t")), []byte(r.mac(id))) {
			http.NotFound(w, req)
			return
		}
		b, err := r.Store.Get(req.Context(), id)
		if err != nil || b.Status != StatusPaid {
			http.NotFound(w, req)
			return
		}
		service := b.ServiceID
		if s, ok := r.Catalog.Service(b.ServiceID); ok {
			service = s.Name.ID + " / " + s.Name.EN
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "private, no-store")
		_ = receiptPage.Execute(w, map[string]string{"Service": service, "Amount": Rp(b.Amount), "Regulation": b.Regulation,
			"BillingCode": b.BillingCode, "NTPN": b.NTPN, "NTB": b.NTB, "PaidAt": wib(b.PaidAt)})
	})
}
