package server

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// A stream (server-sent events; multipart/mixed for @defer and
// subscriptions) passes the compressor as written, each part reaching the
// client when flushed, though the client accepts gzip and zstd and the
// stream grows past the 1 KiB threshold: the handler writes a part only
// after the client has read the one before.
func TestCompressionLeavesStreamsAlone(t *testing.T) {
	for _, contentType := range []string{"text/event-stream", `multipart/mixed; boundary="-"; deferSpec=20220824`} {
		t.Run(contentType, func(t *testing.T) {
			read := make(chan struct{})
			srv := httptest.NewServer(compress(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", contentType)
				for i := range 5 {
					// Each part alone is under the threshold; together over.
					fmt.Fprintf(w, "part %d %s\n", i, strings.Repeat("x", 400))
					w.(http.Flusher).Flush()
					select {
					case <-read:
					case <-r.Context().Done():
						return
					}
				}
			})))
			defer srv.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
			req.Header.Set("Accept-Encoding", "gzip, zstd")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if ce := resp.Header.Get("Content-Encoding"); ce != "" {
				t.Fatalf("the stream is compressed: %s", ce)
			}
			lines := bufio.NewReader(resp.Body)
			for i := range 5 {
				line, err := lines.ReadString('\n')
				if err != nil || !strings.HasPrefix(line, fmt.Sprintf("part %d ", i)) {
					t.Fatalf("part %d: %q %v (a part held back would time the test out)", i, line, err)
				}
				read <- struct{}{}
			}
			if rest, _ := io.ReadAll(lines); len(rest) != 0 {
				t.Errorf("after the parts: %q", rest)
			}
		})
	}
}
