package sim_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/satupintu/satupintu/sim"
	"github.com/satupintu/satupintu/sim/fcm"
)

// The sandbox serves the fake FCM under /fcm for fcm.DevProjectID.
func TestSandboxFCM(t *testing.T) {
	sb := sim.New(sim.Options{})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)

	body := `{"message":{"token":"device-1","notification":{"title":"Hai","body":"Status berubah"}}}`
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost,
		srv.URL+"/fcm/v1/projects/"+fcm.DevProjectID+"/messages:send", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+fcm.DevAccessToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("send through the sandbox: %s", resp.Status)
	}
	if got := sb.FCM().Accepted(); len(got) != 1 || got[0].Token != "device-1" || got[0].Title != "Hai" {
		t.Errorf("accepted %+v", got)
	}
	if sb.FCM().ProjectID() != fcm.DevProjectID {
		t.Errorf("project %q", sb.FCM().ProjectID())
	}
}
