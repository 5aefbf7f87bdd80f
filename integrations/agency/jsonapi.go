package agency

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	sp "github.com/satupintu/satupintu"
)

// The JSON contract is the one satupintu defines for agencies that publish
// no API of their own (Dukcapil, education, police, social): GET requests
// with the key in X-Api-Key, JSON answers, errors as
// {"error":{"code","message"}}, and 404 with code NOT_FOUND for a citizen
// the agency does not know. An adapter of such an agency is its wire
// types, its paths and its mapping to the read model; the rest is here.

// JSONConfig is what an agency speaking the JSON contract needs beyond the
// chain's settings: the key it issued to satupintu.
type JSONConfig struct {
	// APIKey is sent as X-Api-Key. It is a secret: never serialised or logged.
	APIKey string `json:"-"`
}

// Validate reports a missing key; the caller names the setting.
func (c JSONConfig) Validate() error {
	if strings.TrimSpace(c.APIKey) == "" {
		return errors.New("API key is required")
	}
	return nil
}

// JSONAPI is the client of one agency speaking the JSON contract: its chain
// and its key.
type JSONAPI struct {
	*Client
	key string
}

// NewJSONAPI returns the JSON contract client over c. cfg must be valid.
func NewJSONAPI(c *Client, cfg JSONConfig) *JSONAPI {
	return &JSONAPI{Client: c, key: cfg.APIKey}
}

// JSONRead names one document about a citizen.
type JSONRead struct {
	// Citizen is whom the document is about: checked before any call, and
	// the cache key's citizen.
	Citizen sp.NIK
	// Kind names the document in the cache (Key.Kind) and selects its TTL.
	Kind string
	// Path is relative to the base URL and may carry a query.
	Path string
	// What names the document in a bad-response error ("citizen record").
	What string
	// NotFound is the outcome of a 404 NOT_FOUND. nil means the agency does
	// not know the citizen: the answer is the zero value, cached like any
	// other. An error is returned and not cached.
	NotFound func() error
}

// ReadJSON reads r through the cache and singleflight (Read): a NIK that is
// not valid is INVALID_INPUT before any call; a 200 is decoded as W and
// handed to conv with the citizen asked, to check that it is about them and
// convert it. An *sp.Error from conv is returned as it is (a refusal the
// adapter decided); any other error of conv is AGENCY_BAD_RESPONSE naming
// r.What, with conv's error as the cause (for logs, not clients).
func ReadJSON[W, T any](ctx context.Context, api *JSONAPI, r JSONRead, conv func(W, sp.NIK) (T, error)) (T, error) {
	if err := CheckNIK(r.Citizen); err != nil {
		var zero T
		return zero, err
	}
	return Read(ctx, api.Client, Key{Citizen: r.Citizen, Kind: r.Kind}, func(ctx context.Context) (T, error) {
		var zero T
		var w W
		found, err := api.GetJSON(ctx, r.Path, api.key, &w)
		if err != nil {
			return zero, err
		}
		if !found {
			if r.NotFound != nil {
				return zero, r.NotFound()
			}
			return zero, nil
		}
		v, err := conv(w, r.Citizen)
		if err != nil {
			if _, ok := errors.AsType[*sp.Error](err); ok {
				return zero, err
			}
			return zero, api.BadResponse(r.What, err)
		}
		return v, nil
	})
}

// ParseDate reads member, a date of the JSON contract (YYYY-MM-DD); the
// error names the member.
func ParseDate(member, s string) (sp.Date, error) {
	d, err := sp.ParseDate(s)
	if err != nil {
		return sp.Date{}, fmt.Errorf("%s must be YYYY-MM-DD, got %q", member, s)
	}
	return d, nil
}

// CheckNIK refuses a NIK that is not structurally valid with INVALID_INPUT,
// so that it never reaches an agency.
func CheckNIK(nik sp.NIK) error {
	if _, err := sp.ParseNIK(string(nik)); err != nil {
		return sp.Errorf(sp.CodeInvalidInput, "%s", err.Error())
	}
	return nil
}

// GetJSON reads path from an agency that speaks the JSON contract with
// apiKey. A 200 is decoded into v. A 404 whose code is NOT_FOUND means the
// agency does not know the citizen: found is false and err nil. Any other
// 404 is a bad response, so that a wrong base URL never reads as "unknown
// citizen".
func (c *Client) GetJSON(ctx context.Context, path, apiKey string, v any) (found bool, err error) {
	req, err := c.NewRequest(ctx, http.MethodGet, path, nil)
	if err != nil {
		return false, err
	}
	req.Header.Set("X-Api-Key", apiKey)
	req.Header.Set("Accept", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		return true, c.DecodeJSON(resp, v)
	case http.StatusNotFound:
		var e struct {
			Error struct {
				Code string `json:"code"`
			} `json:"error"`
		}
		if json.NewDecoder(resp.Body).Decode(&e) != nil || e.Error.Code != "NOT_FOUND" {
			return false, c.BadResponse(fmt.Sprintf("HTTP 404 without a NOT_FOUND error (code %q): is the base URL right?", e.Error.Code), nil)
		}
		return false, nil
	case http.StatusBadRequest:
		return false, c.Rejected("request refused as malformed (HTTP 400)", nil)
	}
	return false, c.StatusError(resp)
}
