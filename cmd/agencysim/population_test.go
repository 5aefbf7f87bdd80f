package main

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/sim/seed"
)

// AGENCYSIM_POPULATION serves synthetic citizens besides the named ones:
// listed, known to the agencies, and able to sign in.
func TestPopulation(t *testing.T) {
	s := startSim(t, map[string]string{"AGENCYSIM_POPULATION": "25"})
	var citizens []struct {
		NIK  sp.NIK `json:"nik"`
		Note string `json:"note"`
	}
	call(t, http.MethodGet, s.url+"/sim/citizens", nil, &citizens)
	named := len(seed.New(time.Now()).People)
	if len(citizens) != named+25 {
		t.Fatalf("/sim/citizens lists %d, want %d named and 25 synthetic", len(citizens), named)
	}
	last := citizens[len(citizens)-1]
	if last.Note != seed.PopulationNote {
		t.Fatalf("a synthetic citizen's note is %q", last.Note)
	}
	creds := credentials(t, s)
	req, _ := http.NewRequest(http.MethodGet, creds["SATUPINTU_DUKCAPIL_URL"]+"/api/v1/penduduk/"+string(last.NIK), nil)
	req.Header.Set("X-Api-Key", creds["SATUPINTU_DUKCAPIL_API_KEY"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), string(last.NIK)) {
		t.Fatalf("Dukcapil does not know a synthetic citizen: %d %s", resp.StatusCode, body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if code := call(t, http.MethodPost, s.url+"/sim/token", map[string]any{"nik": last.NIK}, &tok); code != http.StatusOK || tok.AccessToken == "" {
		t.Fatalf("POST /sim/token for a synthetic citizen: %d", code)
	}

	if _, err := loadConfig(func(k string) string {
		if k == "AGENCYSIM_POPULATION" {
			return "-3"
		}
		return ""
	}); err == nil || !strings.Contains(err.Error(), "AGENCYSIM_POPULATION") {
		t.Errorf("a negative population: %v", err)
	}
}
