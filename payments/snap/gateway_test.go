package snap_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/satupintu/satupintu/payments/snap"
	simsnap "github.com/satupintu/satupintu/sim/snap"
)

// The client against the gateway simulator: the access token's RSA
// signature, the transactions' HMAC, X-EXTERNAL-ID idempotency.
func TestClientAgainstTheGateway(t *testing.T) {
	client, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	gw := simsnap.New(simsnap.Options{ClientID: "merchant", ClientSecret: "secret", ClientKey: &client.PublicKey,
		GatewayKey: client, PartnerServiceID: "   88899"})
	srv := httptest.NewServer(gw.Handler())
	defer srv.Close()
	ctx := context.Background()
	c := snap.New(snap.Config{BaseURL: srv.URL, ClientID: "merchant", ClientSecret: "secret", PrivateKey: client,
		PartnerServiceID: "   88899"}, srv.Client(), time.Now)
	req := snap.VARequest{Reference: "case.1", CustomerNo: "820261204000001", Name: "PNBP", Amount: 30000,
		Expires: time.Now().Add(time.Hour), Bank: "BRI", BillingCode: "820261204000001"}
	va, err := c.CreateVA(ctx, req)
	if err != nil || va != "88899820261204000001" {
		t.Fatalf("CreateVA = %q, %v", va, err)
	}
	// A retry the same day is the same operation: the first answer.
	if again, err := c.CreateVA(ctx, req); err != nil || again != va {
		t.Errorf("the retry: %q, %v", again, err)
	}
	// The same operation with another body: refused (409).
	req.Amount = 20000
	var se *snap.Error
	if _, err := c.CreateVA(ctx, req); !errors.As(err, &se) || se.Status != http.StatusConflict {
		t.Errorf("the same X-EXTERNAL-ID with another body: %v", err)
	}
	if st, err := c.VAStatus(ctx, "case.1", va); err != nil || st.Paid {
		t.Errorf("VAStatus before paying: %+v, %v", st, err)
	}

	// A wrong client secret: the HMAC does not verify.
	bad := snap.New(snap.Config{BaseURL: srv.URL, ClientID: "merchant", ClientSecret: "wrong", PrivateKey: client,
		PartnerServiceID: "   88899"}, srv.Client(), time.Now)
	if _, err := bad.GenerateQR(ctx, snap.QRRequest{Reference: "case.2", Amount: 30000, Expires: time.Now().Add(time.Hour)}); !errors.As(err, &se) || se.Status != http.StatusUnauthorized {
		t.Errorf("a wrong secret: %v", err)
	}
	// Another RSA key: no access token.
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	forger := snap.New(snap.Config{BaseURL: srv.URL, ClientID: "merchant", ClientSecret: "secret", PrivateKey: other,
		PartnerServiceID: "   88899"}, srv.Client(), time.Now)
	if _, err := forger.CreateVA(ctx, req); !errors.As(err, &se) || se.Status != http.StatusUnauthorized || se.Code != "4017300" {
		t.Errorf("another key: %v", err)
	}
}
