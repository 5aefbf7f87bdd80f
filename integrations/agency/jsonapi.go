package agency

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// GetJSON reads path from an agency that speaks satupintu's clean JSON
// contract (Dukcapil, education, police, social): the key in X-Api-Key,
// errors as {"error":{"code","message"}}. A 200 is decoded into v. A 404
// whose code is NOT_FOUND means the agency does not know the citizen:
// found is false and err nil. Any other 404 is a bad response, so that a
// wrong base URL never reads as "unknown citizen".
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
