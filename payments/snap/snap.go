// Package snap is satupintu's client of a payment gateway speaking Bank
// Indonesia's SNAP (Standar Nasional Open API Pembayaran): the B2B access
// token signed SHA256withRSA, transactions signed HMAC-SHA512, virtual
// accounts, QRIS MPM, status inquiries; and the verification of the
// gateway's signed payment notifications.
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
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Config is the merchant's side of the gateway contract.
type Config struct {
	BaseURL      string // e.g. https://sandbox.gateway.example/snap
	ClientID     string // X-CLIENT-KEY and X-PARTNER-ID
	ClientSecret string `json:"-"` // HMAC-SHA512 key of transactions
	// PrivateKey signs the access-token requests; the gateway holds its
	// public half.
	PrivateKey *rsa.PrivateKey `json:"-"`
	// GatewayKey verifies the gateway's notifications.
	GatewayKey *rsa.PublicKey `json:"-"`
	// PartnerServiceID is the VA prefix the gateway assigned (8
	// characters, left-padded with spaces).
	PartnerServiceID string
	ChannelID        string // CHANNEL-ID; "95221" when empty
}

// String keeps the secret and the keys out of any print of the settings.
func (c Config) String() string {
	return fmt.Sprintf("snap.Config{BaseURL:%s ClientID:%s ClientSecret:*** PrivateKey:*** GatewayKey:%v PartnerServiceID:%q}",
		c.BaseURL, c.ClientID, c.GatewayKey != nil, c.PartnerServiceID)
}

// Client calls the gateway.
type Client struct {
	cfg  Config
	http *http.Client
	now  func() time.Time

	mu      sync.Mutex
	token   string
	expires time.Time
}

// New returns a client; hc carries the timeouts.
func New(cfg Config, hc *http.Client, now func() time.Time) *Client {
	if now == nil {
		now = time.Now
	}
	if cfg.ChannelID == "" {
		cfg.ChannelID = "95221"
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	return &Client{cfg: cfg, http: hc, now: now}
}

// Timestamp is SNAP's X-TIMESTAMP: ISO 8601 with the offset, in WIB.
func Timestamp(t time.Time) string {
	return t.In(time.FixedZone("WIB", 7*3600)).Format("2006-01-02T15:04:05-07:00")
}

// Amount is SNAP's money: whole rupiah as "30000.00", IDR.
type Amount struct {
	Value    string `json:"value"`
	Currency string `json:"currency"`
}

// Rupiah is n whole rupiah as SNAP writes it.
func Rupiah(n int64) Amount { return Amount{Value: strconv.FormatInt(n, 10) + ".00", Currency: "IDR"} }

// Whole reads an amount into whole rupiah: only "<digits>.00" IDR (no
// floats, no cents).
func (a Amount) Whole() (int64, bool) {
	whole, ok := strings.CutSuffix(a.Value, ".00")
	if !ok || whole == "" || strings.TrimLeft(whole, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseInt(whole, 10, 64)
	return n, err == nil && a.Currency == "IDR"
}

// Error is a refusal by the gateway.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string {
	return fmt.Sprintf("snap: HTTP %d, responseCode %s: %s", e.Status, e.Code, e.Message)
}

// Temporary reports whether a retry may succeed.
func (e *Error) Temporary() bool { return e.Status >= 500 || e.Status == http.StatusTooManyRequests }

func (c *Client) accessToken(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != "" && c.now().Before(c.expires) {
		return c.token, nil
	}
	ts := Timestamp(c.now())
	digest := sha256.Sum256([]byte(c.cfg.ClientID + "|" + ts))
	sig, err := rsa.SignPKCS1v15(rand.Reader, c.cfg.PrivateKey, crypto.SHA256, digest[:])
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.BaseURL+"/v1.0/access-token/b2b", strings.NewReader(`{"grantType":"client_credentials"}`))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-TIMESTAMP", ts)
	req.Header.Set("X-CLIENT-KEY", c.cfg.ClientID)
	req.Header.Set("X-SIGNATURE", base64.StdEncoding.EncodeToString(sig))
	var out struct {
		ResponseCode string `json:"responseCode"`
		AccessToken  string `json:"accessToken"`
		ExpiresIn    string `json:"expiresIn"`
	}
	if err := c.do(req, &out); err != nil {
		return "", err
	}
	secs, _ := strconv.Atoi(out.ExpiresIn)
	c.token, c.expires = out.AccessToken, c.now().Add(time.Duration(max(secs-60, 30))*time.Second)
	return c.token, nil
}

// Signature is SNAP's symmetric signature of a transaction.
func Signature(secret, method, path, token string, body []byte, ts string) (string, error) {
	var min bytes.Buffer
	if err := json.Compact(&min, body); err != nil {
		return "", err
	}
	h := sha256.Sum256(min.Bytes())
	mac := hmac.New(sha512.New, []byte(secret))
	mac.Write([]byte(method + ":" + path + ":" + token + ":" + hex.EncodeToString(h[:]) + ":" + ts))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}

// ExternalID is the X-EXTERNAL-ID of an operation on a day: the same
// operation retried the same day carries the same one (the gateway's
// idempotency key), another day a new one (unique per day); 32 digits.
func ExternalID(operation string, day time.Time) string {
	h := sha256.Sum256([]byte(day.In(time.FixedZone("WIB", 7*3600)).Format("2006-01-02") + "|" + operation))
	n := new(big.Int).SetBytes(h[:16])
	s := n.Text(10)
	for len(s) < 32 {
		s = "0" + s
	}
	return s[len(s)-32:]
}

// call sends a signed transaction; operation names it for X-EXTERNAL-ID.
func (c *Client) call(ctx context.Context, path, operation string, in, out any) error {
	tok, err := c.accessToken(ctx)
	if err != nil {
		return err
	}
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	now := c.now()
	ts := Timestamp(now)
	sig, err := Signature(c.cfg.ClientSecret, http.MethodPost, path, tok, body, ts)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.BaseURL+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("X-TIMESTAMP", ts)
	req.Header.Set("X-SIGNATURE", sig)
	req.Header.Set("X-PARTNER-ID", c.cfg.ClientID)
	req.Header.Set("X-EXTERNAL-ID", ExternalID(operation, now))
	req.Header.Set("CHANNEL-ID", c.cfg.ChannelID)
	err = c.do(req, out)
	var se *Error
	if errors.As(err, &se) && se.Status == http.StatusUnauthorized {
		c.mu.Lock()
		c.token = "" // a new token next time
		c.mu.Unlock()
	}
	return err
}

func (c *Client) do(req *http.Request, out any) error {
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("snap: %s: %w", req.URL.Path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return fmt.Errorf("snap: %s: %w", req.URL.Path, err)
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			ResponseCode    string `json:"responseCode"`
			ResponseMessage string `json:"responseMessage"`
		}
		_ = json.Unmarshal(raw, &e)
		return &Error{Status: resp.StatusCode, Code: e.ResponseCode, Message: e.ResponseMessage}
	}
	return json.Unmarshal(raw, out)
}

// VARequest is a virtual account for one bill.
type VARequest struct {
	Reference   string // partnerReferenceNo / trxId: the bill id
	CustomerNo  string // digits, unique per bill
	Name        string
	Amount      int64
	Expires     time.Time
	Bank        string
	BillingCode string
}

// CreateVA opens the virtual account of a bill and returns its number.
func (c *Client) CreateVA(ctx context.Context, r VARequest) (string, error) {
	in := map[string]any{"partnerServiceId": c.cfg.PartnerServiceID, "customerNo": r.CustomerNo,
		"virtualAccountNo": c.cfg.PartnerServiceID + r.CustomerNo, "virtualAccountName": r.Name, "trxId": r.Reference,
		"totalAmount": Rupiah(r.Amount), "expiredDate": Timestamp(r.Expires), "virtualAccountTrxType": "C",
		"additionalInfo": map[string]string{"bank": r.Bank, "billingCode": r.BillingCode}}
	var out struct {
		VirtualAccountData struct {
			VirtualAccountNo string `json:"virtualAccountNo"`
		} `json:"virtualAccountData"`
	}
	if err := c.call(ctx, "/v1.0/transfer-va/create-va", "create-va|"+r.Reference+"|"+r.Bank, in, &out); err != nil {
		return "", err
	}
	return strings.TrimLeft(out.VirtualAccountData.VirtualAccountNo, " "), nil
}

// QRRequest is a QRIS MPM for one bill.
type QRRequest struct {
	Reference   string
	Amount      int64
	Expires     time.Time
	BillingCode string
}

// GenerateQR returns the QRIS payload of a bill.
func (c *Client) GenerateQR(ctx context.Context, r QRRequest) (string, error) {
	in := map[string]any{"partnerReferenceNo": r.Reference, "merchantId": c.cfg.ClientID, "amount": Rupiah(r.Amount),
		"validityPeriod": Timestamp(r.Expires), "additionalInfo": map[string]string{"billingCode": r.BillingCode}}
	var out struct {
		QRContent string `json:"qrContent"`
	}
	if err := c.call(ctx, "/v1.0/qr/qr-mpm-generate", "qr-mpm-generate|"+r.Reference, in, &out); err != nil {
		return "", err
	}
	return out.QRContent, nil
}

// Status is what the gateway knows of a bill's payment.
type Status struct {
	Paid      bool
	Amount    int64
	PaymentID string
	PaidAt    time.Time
	NTPN, NTB string
}

// VAStatus asks about the payment of a virtual account.
func (c *Client) VAStatus(ctx context.Context, reference, va string) (Status, error) {
	customer := strings.TrimPrefix(va, strings.TrimLeft(c.cfg.PartnerServiceID, " "))
	in := map[string]any{"partnerServiceId": c.cfg.PartnerServiceID, "customerNo": customer, "virtualAccountNo": c.cfg.PartnerServiceID + customer,
		"inquiryRequestId": ExternalID("va-status|"+reference, c.now()), "trxId": reference}
	var out struct {
		VirtualAccountData struct {
			PaymentFlagStatus string            `json:"paymentFlagStatus"`
			PaidAmount        Amount            `json:"paidAmount"`
			PaymentRequestID  string            `json:"paymentRequestId"`
			AdditionalInfo    map[string]string `json:"additionalInfo"`
		} `json:"virtualAccountData"`
	}
	// Each inquiry is its own operation: a repeat later must ask afresh.
	if err := c.call(ctx, "/v1.0/transfer-va/status", "va-status|"+reference+"|"+c.now().String(), in, &out); err != nil {
		return Status{}, err
	}
	d := out.VirtualAccountData
	st := Status{Paid: d.PaymentFlagStatus == "00", PaymentID: d.PaymentRequestID, NTPN: d.AdditionalInfo["ntpn"], NTB: d.AdditionalInfo["ntb"]}
	st.Amount, _ = d.PaidAmount.Whole()
	st.PaidAt, _ = time.Parse(time.RFC3339, d.AdditionalInfo["paidAt"])
	return st, nil
}

// QRStatus asks about the payment of a QRIS.
func (c *Client) QRStatus(ctx context.Context, reference string) (Status, error) {
	in := map[string]any{"originalPartnerReferenceNo": reference, "serviceCode": "47"}
	var out struct {
		OriginalReferenceNo     string            `json:"originalReferenceNo"`
		LatestTransactionStatus string            `json:"latestTransactionStatus"`
		Amount                  Amount            `json:"amount"`
		PaidTime                string            `json:"paidTime"`
		AdditionalInfo          map[string]string `json:"additionalInfo"`
	}
	if err := c.call(ctx, "/v1.0/qr/qr-mpm-query", "qr-query|"+reference+"|"+c.now().String(), in, &out); err != nil {
		return Status{}, err
	}
	st := Status{Paid: out.LatestTransactionStatus == "00", PaymentID: out.OriginalReferenceNo, NTPN: out.AdditionalInfo["ntpn"], NTB: out.AdditionalInfo["ntb"]}
	st.Amount, _ = out.Amount.Whole()
	st.PaidAt, _ = time.Parse(time.RFC3339, out.PaidTime)
	return st, nil
}
