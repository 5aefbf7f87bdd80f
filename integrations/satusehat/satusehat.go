// Package satusehat reads a citizen's health records from SATUSEHAT, the
// Ministry of Health's FHIR R4 platform: one Patient search by NIK that
// brings the patient's Immunization resources along (_revinclude), behind an
// OAuth2 client-credentials token that is cached and refreshed early.
package satusehat

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/integrations/agency"
	"github.com/satupintu/satupintu/readmodel"
)

// Config holds the OAuth2 client credentials SATUSEHAT issued.
type Config struct {
	ClientID     string `json:"clientID"`
	ClientSecret string `json:"-"` // from the environment only; never printed
}

// Validate reports every missing setting at once.
func (c Config) Validate() error {
	var errs []error
	if c.ClientID == "" {
		errs = append(errs, errors.New("satusehat client id is required"))
	}
	if c.ClientSecret == "" {
		errs = append(errs, errors.New("satusehat client secret is required"))
	}
	return errors.Join(errs...)
}

// Client is the SATUSEHAT adapter.
type Client struct {
	http   *agency.Client
	tokens *tokenSource
}

var _ readmodel.HealthRecords = (*Client)(nil)

// New returns the adapter calling SATUSEHAT through c (whose base URL is the
// SATUSEHAT root, e.g. https://api-satusehat.kemkes.go.id). cfg must be valid.
func New(c *agency.Client, cfg Config) *Client {
	return &Client{http: c, tokens: newTokenSource(c, cfg)}
}

// The read's cache kind.
const kindImmunizations = "immunizations"

// Immunizations lists the vaccinations SATUSEHAT holds for nik, oldest
// first. A citizen SATUSEHAT does not know has none: (nil, nil).
func (c *Client) Immunizations(ctx context.Context, nik sp.NIK) ([]readmodel.Immunization, error) {
	return agency.Read(ctx, c.http, agency.Key{Citizen: nik, Kind: kindImmunizations},
		func(ctx context.Context) ([]readmodel.Immunization, error) { return c.immunizations(ctx, nik) })
}

// immunizations makes the one FHIR call of a read.
func (c *Client) immunizations(ctx context.Context, nik sp.NIK) ([]readmodel.Immunization, error) {
	q := url.Values{
		"identifier":  {systemNIK + "|" + string(nik)},
		"_revinclude": {"Immunization:patient"},
	}
	var b bundle
	if err := c.get(ctx, fhirBase+"/Patient?"+q.Encode(), &b); err != nil {
		return nil, err
	}
	return c.fromBundle(b, nik)
}

// get reads a FHIR resource into v. A 401 means the token died before its
// time (revoked, or the server's clock runs ahead): drop it, log in again
// and retry once.
func (c *Client) get(ctx context.Context, path string, v any) error {
	for attempt := 0; ; attempt++ {
		tok, err := c.tokens.token(ctx)
		if err != nil {
			return err
		}
		req, err := c.http.NewRequest(ctx, http.MethodGet, path, nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Accept", "application/fhir+json")
		resp, err := c.http.Do(req) // the chain drops the URL (and its NIK) from transport errors
		if err != nil {
			return err
		}
		err = c.answer(resp, v)
		resp.Body.Close()
		if errors.Is(err, errUnauthorized) && attempt == 0 {
			c.tokens.drop(tok)
			continue
		}
		return err
	}
}

// errUnauthorized marks a FHIR answer 401: the token was refused.
var errUnauthorized = errors.New("token refused")

// answer decodes a 200 into v and judges any other status.
func (c *Client) answer(resp *http.Response, v any) error {
	switch resp.StatusCode {
	case http.StatusOK:
		return c.http.DecodeJSON(resp, v)
	case http.StatusUnauthorized:
		return c.http.Rejected("access token refused (HTTP 401)", errUnauthorized)
	}
	return c.http.StatusError(resp)
}

// Forget deletes the cached copies of nik's records, every kind this
// adapter reads (a citizen's erasure: privacy.CacheForgetter).
func (c *Client) Forget(ctx context.Context, nik sp.NIK) (int, error) {
	return c.http.Forget(ctx, nik, kindImmunizations)
}
