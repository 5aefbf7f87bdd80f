package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/satupintu/satupintu/server"
)

// Answers of 1 KiB or more are compressed with what the client accepts,
// gzip when it takes both; smaller ones and clients that accept neither
// get them plain. Vary says so to caches.
func TestCompression(t *testing.T) {
	srv := serve(t, server.Deps{Introspection: true})
	big, _ := os.ReadFile(introspectionQueries[0])
	post := func(query, acceptEncoding string) reply {
		h := []string{"Content-Type", "application/json", "Authorization", "Bearer tok-" + nikA}
		if acceptEncoding != "" {
			h = append(h, "Accept-Encoding", acceptEncoding)
		}
		return send(t, http.MethodPost, srv.URL+"/graphql", gqlBody(query, nil), h...)
	}
	for _, tc := range []struct {
		query, accept, want string
	}{
		{string(big), "gzip", "gzip"},
		{string(big), "gzip, deflate, br, zstd", "gzip"},
		{string(big), "gzip;q=0.5, zstd", "zstd"},
		{string(big), "zstd", "zstd"},
		{string(big), "br", ""},
		{string(big), "", ""},
		{string(big), "gzip;q=0", ""},
		{"{ __typename }", "gzip, zstd", ""}, // under 1 KiB
	} {
		r := post(tc.query, tc.accept)
		if got := r.Header.Get("Content-Encoding"); got != tc.want {
			t.Errorf("Accept-Encoding %q, %d-byte query: Content-Encoding %q, want %q", tc.accept, len(tc.query), got, tc.want)
			continue
		}
		if !strings.Contains(strings.Join(r.Header.Values("Vary"), ","), "Accept-Encoding") {
			t.Errorf("Accept-Encoding %q: Vary %q", tc.accept, r.Header.Values("Vary"))
		}
		body := decompress(t, tc.want, r.Body)
		var resp struct {
			Data   map[string]any `json:"data"`
			Errors []any          `json:"errors"`
		}
		if err := json.Unmarshal(body, &resp); err != nil || len(resp.Errors) > 0 || resp.Data == nil {
			t.Errorf("Accept-Encoding %q: %v %.200s", tc.accept, err, body)
		}
		if tc.want != "" && len(r.Body)*3 > len(body) {
			t.Errorf("%s: %d bytes for %d: hardly compressed", tc.want, len(r.Body), len(body))
		}
	}
}

func decompress(t *testing.T, encoding string, b []byte) []byte {
	t.Helper()
	var rd io.Reader = bytes.NewReader(b)
	switch encoding {
	case "gzip":
		zr, err := gzip.NewReader(rd)
		if err != nil {
			t.Fatal(err)
		}
		rd = zr
	case "zstd":
		zr, err := zstd.NewReader(rd)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		rd = zr
	}
	out, err := io.ReadAll(rd)
	if err != nil {
		t.Fatalf("%s: %v", encoding, err)
	}
	return out
}
