// Package simponi is satupintu's client of the treasury's billing system
// for non-tax state revenue (SIMPONI): it asks for a billing code of a
// fee and reads a bill back (its NTPN once paid).
package simponi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Config is satupintu's account with the treasury.
type Config struct {
	BaseURL  string
	User     string
	Password string `json:"-"`
	// The biller: ministry/institution (K/L), work unit (satker) and the
	// PNBP type, as the treasury registered them.
	KodeKL     string
	KodeSatker string
	JenisPNBP  string
}

// String keeps the password out of any print of the settings.
func (c Config) String() string {
	return fmt.Sprintf("simponi.Config{BaseURL:%s User:%s Password:*** Biller:%s/%s/%s}", c.BaseURL, c.User, c.KodeKL, c.KodeSatker, c.JenisPNBP)
}

// Client calls SIMPONI.
type Client struct {
	cfg  Config
	http *http.Client
}

// New returns a client; hc carries the timeouts.
func New(cfg Config, hc *http.Client) *Client {
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	return &Client{cfg: cfg, http: hc}
}

// Billing is a bill as the treasury keeps it.
type Billing struct {
	BillingCode string    `json:"billingCode"`
	RefNo       string    `json:"refNo"`
	Amount      int64     `json:"amount"`
	ExpiresAt   time.Time `json:"expiresAt"`
	Status      string    `json:"status"` // UNPAID, PAID, EXPIRED
	NTPN        string    `json:"ntpn"`
	NTB         string    `json:"ntb"`
	PaidAt      time.Time `json:"paidAt"`
}

// Create asks for the billing code of a fee; the same refNo (satupintu's
// bill id) retried gets the same code.
func (c *Client) Create(ctx context.Context, refNo string, amount int64, expires time.Time, payer string) (Billing, error) {
	body, _ := json.Marshal(map[string]any{"refNo": refNo, "kodeKL": c.cfg.KodeKL, "kodeSatker": c.cfg.KodeSatker,
		"jenisPNBP": c.cfg.JenisPNBP, "amount": amount, "expiresAt": expires, "payer": payer})
	var b Billing
	err := c.do(ctx, http.MethodPost, "/billing", body, &b)
	if err == nil && (len(b.BillingCode) != 15 || strings.Trim(b.BillingCode, "0123456789") != "" || b.Amount != amount) {
		err = fmt.Errorf("simponi: unexpected billing %q of %d rupiah", b.BillingCode, b.Amount)
	}
	return b, err
}

// Get reads a bill back.
func (c *Client) Get(ctx context.Context, code string) (Billing, error) {
	var b Billing
	return b, c.do(ctx, http.MethodGet, "/billing/"+code, nil, &b)
}

func (c *Client) do(ctx context.Context, method, path string, body []byte, out any) error {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.cfg.BaseURL+path, r)
	if err != nil {
		return err
	}
	req.SetBasicAuth(c.cfg.User, c.cfg.Password)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("simponi: %w", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("simponi: %s %s: HTTP %d: %s", method, path, resp.StatusCode, bytes.TrimSpace(raw))
	}
	return json.Unmarshal(raw, out)
}
