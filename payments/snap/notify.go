package snap

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"
)

// The gateway's notification endpoints, relative to satupintu's
// notification base path.
const (
	PathVAPayment = "/v1.0/transfer-va/payment"
	PathQRNotify  = "/v1.0/qr/qr-mpm-notify"
)

// Refusals of a notification.
var (
	ErrSignature = errors.New("snap: notification signature invalid")
	ErrStale     = errors.New("snap: notification timestamp outside the tolerance")
	ErrMalformed = errors.New("snap: notification malformed")
)

// VerifyNotification checks a notification before anything changes: the
// headers SNAP requires, X-TIMESTAMP within tolerance of now (a replay
// later is refused), and X-SIGNATURE =
// base64(SHA256withRSA(gateway key, METHOD:path:lowercase(hex(SHA-256(minified body))):X-TIMESTAMP)).
func VerifyNotification(key *rsa.PublicKey, method, path string, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	ts := h.Get("X-TIMESTAMP")
	if ts == "" || h.Get("X-SIGNATURE") == "" || h.Get("X-EXTERNAL-ID") == "" || h.Get("X-PARTNER-ID") == "" {
		return ErrMalformed
	}
	sig, err := base64.StdEncoding.DecodeString(h.Get("X-SIGNATURE"))
	if err != nil {
		return ErrSignature
	}
	var min bytes.Buffer
	if err := json.Compact(&min, body); err != nil {
		return ErrMalformed
	}
	sum := sha256.Sum256(min.Bytes())
	digest := sha256.Sum256([]byte(method + ":" + path + ":" + hex.EncodeToString(sum[:]) + ":" + ts))
	if key == nil || rsa.VerifyPKCS1v15(key, crypto.SHA256, digest[:], sig) != nil {
		return ErrSignature
	}
	t, err := time.Parse(time.RFC3339, ts)
	if err != nil {
		return ErrMalformed
	}
	if d := now.Sub(t); d > tolerance || d < -tolerance {
		return ErrStale
	}
	return nil
}

// Notification is a verified payment notification.
type Notification struct {
	Method      string // VA or QRIS
	Reference   string // the bill id (trxId, originalPartnerReferenceNo)
	PaymentID   string // the gateway's payment reference
	Amount      int64
	PaidAt      time.Time
	NTPN, NTB   string
	BillingCode string
	VANumber    string
}

// ParseNotification reads a VA payment or QRIS notification body; path
// (ending in PathVAPayment or PathQRNotify) says which.
func ParseNotification(path string, body []byte) (Notification, error) {
	var n Notification
	switch {
	case strings.HasSuffix(path, PathVAPayment):
		var in struct {
			VirtualAccountNo string            `json:"virtualAccountNo"`
			TrxID            string            `json:"trxId"`
			PaymentRequestID string            `json:"paymentRequestId"`
			PaidAmount       Amount            `json:"paidAmount"`
			TrxDateTime      string            `json:"trxDateTime"`
			AdditionalInfo   map[string]string `json:"additionalInfo"`
		}
		if json.Unmarshal(body, &in) != nil {
			return n, ErrMalformed
		}
		amount, ok := in.PaidAmount.Whole()
		if !ok || in.TrxID == "" || in.PaymentRequestID == "" {
			return n, ErrMalformed
		}
		n = Notification{Method: "VA", Reference: in.TrxID, PaymentID: in.PaymentRequestID, Amount: amount,
			VANumber: strings.TrimLeft(in.VirtualAccountNo, " ")}
		n.PaidAt, _ = time.Parse(time.RFC3339, in.TrxDateTime)
		n.NTPN, n.NTB, n.BillingCode = in.AdditionalInfo["ntpn"], in.AdditionalInfo["ntb"], in.AdditionalInfo["billingCode"]
	case strings.HasSuffix(path, PathQRNotify):
		var in struct {
			OriginalReferenceNo        string            `json:"originalReferenceNo"`
			OriginalPartnerReferenceNo string            `json:"originalPartnerReferenceNo"`
			LatestTransactionStatus    string            `json:"latestTransactionStatus"`
			Amount                     Amount            `json:"amount"`
			PaidTime                   string            `json:"paidTime"`
			AdditionalInfo             map[string]string `json:"additionalInfo"`
		}
		if json.Unmarshal(body, &in) != nil || in.LatestTransactionStatus != "00" {
			return n, ErrMalformed
		}
		amount, ok := in.Amount.Whole()
		if !ok || in.OriginalPartnerReferenceNo == "" || in.OriginalReferenceNo == "" {
			return n, ErrMalformed
		}
		n = Notification{Method: "QRIS", Reference: in.OriginalPartnerReferenceNo, PaymentID: in.OriginalReferenceNo, Amount: amount}
		n.PaidAt, _ = time.Parse(time.RFC3339, in.PaidTime)
		n.NTPN, n.NTB, n.BillingCode = in.AdditionalInfo["ntpn"], in.AdditionalInfo["ntb"], in.AdditionalInfo["billingCode"]
	default:
		return n, ErrMalformed
	}
	return n, nil
}
