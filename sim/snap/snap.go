// Package snap simulates a payment gateway speaking Bank Indonesia's
// national open-API payment standard (SNAP), as satupintu's merchant sees
// it:
//
//	POST /v1.0/access-token/b2b     B2B token; X-SIGNATURE = SHA256withRSA(client key, clientId|X-TIMESTAMP)
//	POST /v1.0/transfer-va/create-va  a virtual account for a bill (service 27)
//	POST /v1.0/transfer-va/status     VA status inquiry (service 26)
//	POST /v1.0/qr/qr-mpm-generate     a QRIS MPM payload for a bill (service 47)
//	POST /v1.0/qr/qr-mpm-query        QRIS status inquiry (service 51)
//
// Transactions carry Authorization: Bearer, X-TIMESTAMP, X-PARTNER-ID,
// X-EXTERNAL-ID (unique per day: a repeat with the same body gets the
// first answer, with another body 409), CHANNEL-ID and X-SIGNATURE =
// base64(HMAC-SHA512(client secret, METHOD:path:token:lowercase(hex(SHA-256(minified body))):X-TIMESTAMP)).
//
// Pay plays a payer: it pays a bill in full (its VA number or billing
// code), settles it with the treasury (sim/simponi: the NTPN) and sends
// the merchant the payment notification (VA: /v1.0/transfer-va/payment
// shape, service 25; QRIS: /v1.0/qr/qr-mpm-notify shape, service 52)
// signed SHA256withRSA(gateway key, POST:path:lowercase(hex(SHA-256(minified body))):X-TIMESTAMP).
package snap

import (
	"bytes"
	"context"
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/satupintu/satupintu/sim/simponi"
)

// Options configure the gateway.
type Options struct {
	ClientID     string // the merchant's X-CLIENT-KEY and X-PARTNER-ID
	ClientSecret string // the HMAC key of transactions
	// ClientKey verifies the merchant's access-token requests.
	ClientKey *rsa.PublicKey
	// GatewayKey signs the notifications.
	GatewayKey *rsa.PrivateKey
	// PartnerServiceID is the VA prefix (8 characters, left-padded).
	PartnerServiceID string
	Treasury         *simponi.Server
	Now              func() time.Time
	// Client sends the notifications.
	Client *http.Client
}

// Tolerance is how far X-TIMESTAMP may be from the gateway's clock.
const Tolerance = 5 * time.Minute

// Server is the simulator.
type Server struct {
	o Options

	mu        sync.Mutex
	notifyURL string
	tokens    map[string]time.Time
	trx       map[string]*trx // by partnerReferenceNo (the merchant's bill id)
	byVA      map[string]string
	byCode    map[string]string
	externals map[string]answer // day + X-EXTERNAL-ID
	serial    int
	last      *Notification
}

type trx struct {
	ref, billingCode, name string
	amount                 int64
	va, bank, qris         string
	method                 string // VA or QRIS: the last created
	expires                time.Time
	paid                   bool
	paymentID, ntpn, ntb   string
	paidAt                 time.Time
}

type answer struct {
	bodyHash string
	status   int
	body     []byte
}

// New returns a gateway.
func New(o Options) *Server {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 10 * time.Second}
	}
	return &Server{o: o, tokens: map[string]time.Time{}, trx: map[string]*trx{}, byVA: map[string]string{},
		byCode: map[string]string{}, externals: map[string]answer{}}
}

// SetNotifyURL is where payment notifications go (the merchant's VA
// payment endpoint; QRIS notifications go to the same path with
// /v1.0/qr/qr-mpm-notify for /v1.0/transfer-va/payment).
func (s *Server) SetNotifyURL(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notifyURL = u
}

// Handler serves the SNAP endpoints.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1.0/access-token/b2b", s.token)
	mux.HandleFunc("POST /v1.0/transfer-va/create-va", s.transaction("27", s.createVA))
	mux.HandleFunc("POST /v1.0/transfer-va/status", s.transaction("26", s.vaStatus))
	mux.HandleFunc("POST /v1.0/qr/qr-mpm-generate", s.transaction("47", s.qrGenerate))
	mux.HandleFunc("POST /v1.0/qr/qr-mpm-query", s.transaction("51", s.qrQuery))
	return mux
}

func code(status int, service, c string) string { return fmt.Sprintf("%d%s%s", status, service, c) }

func fail(w http.ResponseWriter, status int, service, c, msg string) {
	writeJSON(w, status, map[string]string{"responseCode": code(status, service, c), "responseMessage": msg})
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	const svc = "73"
	ts := r.Header.Get("X-TIMESTAMP")
	if r.Header.Get("X-CLIENT-KEY") != s.o.ClientID || !s.fresh(ts) {
		fail(w, http.StatusUnauthorized, svc, "00", "Unauthorized. [Client key or timestamp]")
		return
	}
	sig, err := base64.StdEncoding.DecodeString(r.Header.Get("X-SIGNATURE"))
	digest := sha256.Sum256([]byte(s.o.ClientID + "|" + ts))
	if err != nil || rsa.VerifyPKCS1v15(s.o.ClientKey, crypto.SHA256, digest[:], sig) != nil {
		fail(w, http.StatusUnauthorized, svc, "00", "Unauthorized. [Signature]")
		return
	}
	var body struct {
		GrantType string `json:"grantType"`
	}
	if json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&body) != nil || body.GrantType != "client_credentials" {
		fail(w, http.StatusBadRequest, svc, "02", "Invalid Mandatory Field grantType")
		return
	}
	tok := randomHex(24)
	s.mu.Lock()
	s.tokens[tok] = s.o.Now().Add(15 * time.Minute)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"responseCode": code(200, svc, "00"), "responseMessage": "Successful",
		"accessToken": tok, "tokenType": "Bearer", "expiresIn": "900"})
}

func (s *Server) fresh(ts string) bool {
	t, err := time.Parse(time.RFC3339, ts)
	if err != nil {
		return false
	}
	d := s.o.Now().Sub(t)
	return d < Tolerance && d > -Tolerance
}

// transaction checks a transaction's headers and symmetric signature and
// keeps its answer by X-EXTERNAL-ID for the day.
func (s *Server) transaction(svc string, h func(body []byte) (int, any)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
		if err != nil {
			fail(w, http.StatusBadRequest, svc, "00", "Bad Request")
			return
		}
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		ts, ext := r.Header.Get("X-TIMESTAMP"), r.Header.Get("X-EXTERNAL-ID")
		s.mu.Lock()
		exp, ok := s.tokens[tok]
		s.mu.Unlock()
		if !ok || !s.o.Now().Before(exp) {
			fail(w, http.StatusUnauthorized, svc, "01", "Invalid Token (B2B)")
			return
		}
		if r.Header.Get("X-PARTNER-ID") != s.o.ClientID || ext == "" || r.Header.Get("CHANNEL-ID") == "" || !s.fresh(ts) {
			fail(w, http.StatusBadRequest, svc, "02", "Invalid Mandatory Field [X-PARTNER-ID, X-EXTERNAL-ID, CHANNEL-ID or X-TIMESTAMP]")
			return
		}
		var min bytes.Buffer
		if json.Compact(&min, raw) != nil {
			fail(w, http.StatusBadRequest, svc, "01", "Invalid Field Format [body]")
			return
		}
		bodyHash := sha256.Sum256(min.Bytes())
		hexHash := hex.EncodeToString(bodyHash[:])
		mac := hmac.New(sha512.New, []byte(s.o.ClientSecret))
		mac.Write([]byte(r.Method + ":" + r.URL.Path + ":" + tok + ":" + hexHash + ":" + ts))
		sig, err := base64.StdEncoding.DecodeString(r.Header.Get("X-SIGNATURE"))
		if err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
			fail(w, http.StatusUnauthorized, svc, "00", "Unauthorized. [Signature]")
			return
		}
		key := s.o.Now().Format("2006-01-02") + "|" + ext
		s.mu.Lock()
		prev, seen := s.externals[key]
		s.mu.Unlock()
		if seen {
			if prev.bodyHash != hexHash {
				fail(w, http.StatusConflict, svc, "00", "Conflict")
				return
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(prev.status)
			_, _ = w.Write(prev.body)
			return
		}
		status, v := h(min.Bytes())
		out, _ := json.Marshal(v)
		if status < 300 {
			s.mu.Lock()
			s.externals[key] = answer{bodyHash: hexHash, status: status, body: out}
			s.mu.Unlock()
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(out)
	}
}

// Amount is SNAP's money: a decimal string with two places, and IDR.
type Amount struct {
	Value    string `json:"value"`
	Currency string `json:"currency"`
}

func rupiah(n int64) Amount { return Amount{Value: strconv.FormatInt(n, 10) + ".00", Currency: "IDR"} }

// parseRupiah reads "30000.00" into whole rupiah: no floats.
func parseRupiah(a Amount) (int64, bool) {
	whole, ok := strings.CutSuffix(a.Value, ".00")
	n, err := strconv.ParseInt(whole, 10, 64)
	return n, ok && err == nil && n > 0 && a.Currency == "IDR"
}

type createVA struct {
	PartnerServiceID   string         `json:"partnerServiceId"`
	CustomerNo         string         `json:"customerNo"`
	VirtualAccountNo   string         `json:"virtualAccountNo"`
	VirtualAccountName string         `json:"virtualAccountName"`
	TrxID              string         `json:"trxId"`
	TotalAmount        Amount         `json:"totalAmount"`
	ExpiredDate        string         `json:"expiredDate"`
	AdditionalInfo     map[string]any `json:"additionalInfo"`
}

func (s *Server) createVA(body []byte) (int, any) {
	const svc = "27"
	var in createVA
	if json.Unmarshal(body, &in) != nil || in.TrxID == "" || in.CustomerNo == "" {
		return http.StatusBadRequest, map[string]string{"responseCode": code(400, svc, "02"), "responseMessage": "Invalid Mandatory Field"}
	}
	amount, ok := parseRupiah(in.TotalAmount)
	exp, err := time.Parse(time.RFC3339, in.ExpiredDate)
	if !ok || err != nil {
		return http.StatusBadRequest, map[string]string{"responseCode": code(400, svc, "01"), "responseMessage": "Invalid Field Format [totalAmount or expiredDate]"}
	}
	va := strings.TrimLeft(in.PartnerServiceID, " ") + in.CustomerNo
	bank, _ := in.AdditionalInfo["bank"].(string)
	billingCode, _ := in.AdditionalInfo["billingCode"].(string)
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.upsert(in.TrxID, billingCode, in.VirtualAccountName, amount, exp)
	if t.amount != amount {
		return http.StatusConflict, map[string]string{"responseCode": code(409, svc, "01"), "responseMessage": "Duplicate trxId with another amount"}
	}
	if t.va != "" && t.va != va {
		delete(s.byVA, t.va)
	}
	t.va, t.bank, t.method = va, bank, "VA"
	s.byVA[va] = t.ref
	return http.StatusOK, map[string]any{"responseCode": code(200, svc, "00"), "responseMessage": "Successful",
		"virtualAccountData": map[string]any{"partnerServiceId": in.PartnerServiceID, "customerNo": in.CustomerNo, "virtualAccountNo": in.PartnerServiceID + in.CustomerNo,
			"virtualAccountName": in.VirtualAccountName, "trxId": in.TrxID, "totalAmount": in.TotalAmount, "expiredDate": in.ExpiredDate}}
}

// upsert finds or makes the transaction of a merchant reference (mu held).
func (s *Server) upsert(ref, billingCode, name string, amount int64, exp time.Time) *trx {
	t, ok := s.trx[ref]
	if !ok {
		t = &trx{ref: ref, billingCode: billingCode, name: name, amount: amount, expires: exp}
		s.trx[ref] = t
		if billingCode != "" {
			s.byCode[billingCode] = ref
		}
	}
	return t
}

type statusVA struct {
	PartnerServiceID string `json:"partnerServiceId"`
	CustomerNo       string `json:"customerNo"`
	VirtualAccountNo string `json:"virtualAccountNo"`
	InquiryRequestID string `json:"inquiryRequestId"`
	TrxID            string `json:"trxId"`
}

func (s *Server) vaStatus(body []byte) (int, any) {
	const svc = "26"
	var in statusVA
	if json.Unmarshal(body, &in) != nil || in.VirtualAccountNo == "" {
		return http.StatusBadRequest, map[string]string{"responseCode": code(400, svc, "02"), "responseMessage": "Invalid Mandatory Field"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.trx[s.byVA[strings.TrimLeft(in.VirtualAccountNo, " ")]]
	if !ok {
		return http.StatusNotFound, map[string]string{"responseCode": code(404, svc, "12"), "responseMessage": "Invalid Bill/Virtual Account"}
	}
	flag := "04" // pending
	if t.paid {
		flag = "00"
	}
	paid := Amount{Value: "0.00", Currency: "IDR"}
	if t.paid {
		paid = rupiah(t.amount)
	}
	return http.StatusOK, map[string]any{"responseCode": code(200, svc, "00"), "responseMessage": "Successful",
		"virtualAccountData": map[string]any{"virtualAccountNo": in.VirtualAccountNo, "trxId": t.ref, "paymentFlagStatus": flag,
			"paidAmount": paid, "totalAmount": rupiah(t.amount), "paymentRequestId": t.paymentID,
			"additionalInfo": map[string]string{"ntpn": t.ntpn, "ntb": t.ntb, "paidAt": formatTime(t.paidAt)}}}
}

type qrGenerate struct {
	PartnerReferenceNo string         `json:"partnerReferenceNo"`
	MerchantID         string         `json:"merchantId"`
	Amount             Amount         `json:"amount"`
	ValidityPeriod     string         `json:"validityPeriod"`
	AdditionalInfo     map[string]any `json:"additionalInfo"`
}

func (s *Server) qrGenerate(body []byte) (int, any) {
	const svc = "47"
	var in qrGenerate
	if json.Unmarshal(body, &in) != nil || in.PartnerReferenceNo == "" {
		return http.StatusBadRequest, map[string]string{"responseCode": code(400, svc, "02"), "responseMessage": "Invalid Mandatory Field"}
	}
	amount, ok := parseRupiah(in.Amount)
	exp, err := time.Parse(time.RFC3339, in.ValidityPeriod)
	if !ok || err != nil {
		return http.StatusBadRequest, map[string]string{"responseCode": code(400, svc, "01"), "responseMessage": "Invalid Field Format [amount or validityPeriod]"}
	}
	billingCode, _ := in.AdditionalInfo["billingCode"].(string)
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.upsert(in.PartnerReferenceNo, billingCode, "", amount, exp)
	if t.amount != amount {
		return http.StatusConflict, map[string]string{"responseCode": code(409, svc, "01"), "responseMessage": "Duplicate partnerReferenceNo with another amount"}
	}
	if t.qris == "" {
		s.serial++
		t.qris = QRIS("SATUPINTU PNBP", "JAKARTA", amount, fmt.Sprintf("SP%010d", s.serial))
	}
	t.method = "QRIS"
	return http.StatusOK, map[string]any{"responseCode": code(200, svc, "00"), "responseMessage": "Successful",
		"referenceNo": "QR" + t.ref, "partnerReferenceNo": t.ref, "qrContent": t.qris}
}

type qrQuery struct {
	OriginalPartnerReferenceNo string `json:"originalPartnerReferenceNo"`
	ServiceCode                string `json:"serviceCode"`
}

func (s *Server) qrQuery(body []byte) (int, any) {
	const svc = "51"
	var in qrQuery
	if json.Unmarshal(body, &in) != nil || in.OriginalPartnerReferenceNo == "" {
		return http.StatusBadRequest, map[string]string{"responseCode": code(400, svc, "02"), "responseMessage": "Invalid Mandatory Field"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.trx[in.OriginalPartnerReferenceNo]
	if !ok {
		return http.StatusNotFound, map[string]string{"responseCode": code(404, svc, "01"), "responseMessage": "Transaction Not Found"}
	}
	status := "03" // pending
	if t.paid {
		status = "00"
	}
	return http.StatusOK, map[string]any{"responseCode": code(200, svc, "00"), "responseMessage": "Successful",
		"originalPartnerReferenceNo": t.ref, "originalReferenceNo": t.paymentID, "latestTransactionStatus": status,
		"amount": rupiah(t.amount), "paidTime": formatTime(t.paidAt),
		"additionalInfo": map[string]string{"ntpn": t.ntpn, "ntb": t.ntb}}
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

// Notification is a payment notification as the gateway sent it.
type Notification struct {
	URL     string
	Header  http.Header
	Body    []byte
	Status  int    // the merchant's answer (0: not sent)
	Answer  []byte // its body
	Sent    bool
	Payment string // the gateway's payment id
}

// Request rebuilds the notification as a new request to url ("": where it
// went), byte for byte: to deliver it again.
func (n *Notification) Request(ctx context.Context, to string) (*http.Request, error) {
	if to == "" {
		to = n.URL
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, to, bytes.NewReader(n.Body))
	if err != nil {
		return nil, err
	}
	req.Header = n.Header.Clone()
	return req, nil
}

// ErrUnknown: no bill of that VA number or billing code.
var ErrUnknown = errors.New("snap: no virtual account or billing code of that number")

// Pay pays the bill of a VA number or billing code in full as a payer
// would, settles it with the treasury and, when notify, sends the signed
// notification (a false notify plays one lost on the way).
func (s *Server) Pay(ctx context.Context, vaOrCode string, notify bool) (*Notification, error) {
	s.mu.Lock()
	ref, ok := s.byVA[vaOrCode]
	viaVA := ok // paid into the VA; by billing code: the last instrument made
	if !ok {
		ref, ok = s.byCode[vaOrCode]
	}
	t := s.trx[ref]
	if !ok || t == nil {
		s.mu.Unlock()
		return nil, ErrUnknown
	}
	if !t.paid {
		s.serial++
		t.paid, t.paymentID, t.paidAt = true, fmt.Sprintf("PAY%012d", s.serial), s.o.Now()
		t.ntb = fmt.Sprintf("%012d", s.serial)
		if s.o.Treasury != nil && t.billingCode != "" {
			// An expired billing code takes no payment: the money stays
			// here, and the merchant refunds it.
			if b, err := s.o.Treasury.Pay(t.billingCode, t.ntb); err == nil {
				t.ntpn = b.NTPN
			}
		}
	}
	cp := *t
	notifyURL := s.notifyURL
	s.mu.Unlock()

	var (
		path string
		body any
	)
	info := map[string]string{"billingCode": cp.billingCode, "ntpn": cp.ntpn, "ntb": cp.ntb}
	if cp.method == "QRIS" && !viaVA {
		notifyURL = strings.Replace(notifyURL, "/v1.0/transfer-va/payment", "/v1.0/qr/qr-mpm-notify", 1)
		body = map[string]any{"originalReferenceNo": cp.paymentID, "originalPartnerReferenceNo": cp.ref, "latestTransactionStatus": "00",
			"transactionStatusDesc": "Success", "amount": rupiah(cp.amount), "paidTime": formatTime(cp.paidAt), "additionalInfo": info}
	} else {
		psid := s.o.PartnerServiceID
		body = map[string]any{"partnerServiceId": psid, "customerNo": strings.TrimPrefix(cp.va, strings.TrimLeft(psid, " ")),
			"virtualAccountNo": cp.va, "virtualAccountName": cp.name, "trxId": cp.ref, "paymentRequestId": cp.paymentID,
			"paidAmount": rupiah(cp.amount), "totalAmount": rupiah(cp.amount), "trxDateTime": formatTime(cp.paidAt), "additionalInfo": info}
	}
	raw, _ := json.Marshal(body)
	u, err := url.Parse(notifyURL)
	if err != nil || notifyURL == "" {
		return nil, fmt.Errorf("snap: no notification URL: %v", err)
	}
	path = u.Path
	ts := s.o.Now().Format(time.RFC3339)
	sig, err := SignNotification(s.o.GatewayKey, http.MethodPost, path, raw, ts)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("X-TIMESTAMP", ts)
	h.Set("X-SIGNATURE", sig)
	h.Set("X-PARTNER-ID", s.o.ClientID)
	h.Set("X-EXTERNAL-ID", strconv.FormatInt(time.Now().UnixNano(), 10))
	h.Set("CHANNEL-ID", "95221")
	n := &Notification{URL: notifyURL, Header: h, Body: raw, Payment: cp.paymentID}
	s.mu.Lock()
	s.last = n
	s.mu.Unlock()
	if !notify {
		return n, nil
	}
	req, err := n.Request(ctx, "")
	if err != nil {
		return nil, err
	}
	resp, err := s.o.Client.Do(req)
	if err != nil {
		return n, fmt.Errorf("snap: notifying the merchant: %w", err)
	}
	defer resp.Body.Close()
	n.Answer, _ = io.ReadAll(io.LimitReader(resp.Body, 1<<14))
	n.Status, n.Sent = resp.StatusCode, true
	return n, nil
}

// LastNotification is the latest notification made (sent or not).
func (s *Server) LastNotification() *Notification {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// SignNotification is the gateway's asymmetric signature of a
// notification: base64(SHA256withRSA(key, METHOD:path:lowercase(hex(SHA-256(minified body))):timestamp)).
func SignNotification(key *rsa.PrivateKey, method, path string, body []byte, ts string) (string, error) {
	var min bytes.Buffer
	if err := json.Compact(&min, body); err != nil {
		return "", err
	}
	h := sha256.Sum256(min.Bytes())
	digest := sha256.Sum256([]byte(method + ":" + path + ":" + hex.EncodeToString(h[:]) + ":" + ts))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
