package baseline

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/sim"
	"github.com/satupintu/satupintu/sim/seed"
)

// now is the clock of sandbox and baseline alike; near the real time, as
// BPJS checks request timestamps against its own clock.
var now = time.Now()

// startBaseline serves the baseline over a sandbox with a small synthetic
// population, configured from the environment satupintu would get.
func startBaseline(t *testing.T) (*httptest.Server, *sim.Sandbox) {
	t.Helper()
	sb := sim.New(sim.Options{Now: func() time.Time { return now }, Population: 40})
	simSrv := httptest.NewServer(sb)
	t.Cleanup(simSrv.Close)
	c := sb.Creds
	env := map[string]string{
		"SATUPINTU_DUKCAPIL_API_KEY": c.DukcapilKey, "SATUPINTU_EDUCATION_API_KEY": c.EducationKey,
		"SATUPINTU_POLICE_API_KEY": c.PoliceKey, "SATUPINTU_SOCIAL_API_KEY": c.SocialKey,
		"SATUPINTU_BPJS_CONS_ID": c.BPJSConsID, "SATUPINTU_BPJS_SECRET": c.BPJSSecret, "SATUPINTU_BPJS_USER_KEY": c.BPJSUserKey,
		"SATUPINTU_BPJS_PCARE_USER": c.BPJSPCareUser, "SATUPINTU_BPJS_PCARE_PASSWORD": c.BPJSPCarePassword,
		"SATUPINTU_SATUSEHAT_CLIENT_ID": c.SatuSehatClientID, "SATUPINTU_SATUSEHAT_CLIENT_SECRET": c.SatuSehatClientSecret,
	}
	for _, a := range sp.Agencies {
		env["SATUPINTU_"+strings.ToUpper(string(a))+"_URL"] = simSrv.URL + "/" + string(a)
	}
	cfg, err := ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	cfg.Now = func() time.Time { return now }
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, sb
}

type answer struct {
	Status int
	Errors []struct {
		Message    string            `json:"message"`
		Path       []string          `json:"path"`
		Extensions map[string]string `json:"extensions"`
	} `json:"errors"`
	Data struct {
		Home map[string]any `json:"home"`
	} `json:"data"`
}

func getHome(t *testing.T, url string, nik sp.NIK, lang string) answer {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url+"/home?nik="+string(nik), nil)
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	a := answer{Status: resp.StatusCode}
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
			t.Fatal(err)
		}
	}
	return a
}

// Every seeded citizen, named or synthetic, reads through the real
// adapters without an error, from all six agencies.
func TestHomeOfEveryCitizen(t *testing.T) {
	srv, sb := startBaseline(t)
	for _, p := range sb.Seed.People {
		a := getHome(t, srv.URL, p.NIK, "")
		if a.Status != http.StatusOK || len(a.Errors) > 0 {
			t.Fatalf("%s: HTTP %d, errors %+v", p.Name, a.Status, a.Errors)
		}
		h := a.Data.Home
		if h["name"] != p.Name {
			t.Errorf("%s: name %v", p.Name, h["name"])
		}
		sources, _ := h["sources"].([]any)
		if len(sources) != len(sp.Agencies) {
			t.Fatalf("%s: sources %v", p.Name, sources)
		}
		for _, s := range sources {
			s := s.(map[string]any)
			if s["status"] != "OK" || s["fetchedAt"] == nil {
				t.Errorf("%s: source %v", p.Name, s)
			}
		}
		if p.Note == seed.PopulationNote && (h["police"] == nil || h["social"] == nil || h["education"] == nil) {
			t.Errorf("%s: a synthetic citizen with a part missing: %v", p.Name, h)
		}
	}
}

// Dewi's home is what her records say: SIM alerts in the language asked,
// licences renewable online, her BPJS membership.
func TestHomeContent(t *testing.T) {
	srv, _ := startBaseline(t)
	a := getHome(t, srv.URL, seed.NIKDewi, "en")
	h := a.Data.Home
	alerts := h["alerts"].([]any)
	if len(alerts) != 2 {
		t.Fatalf("alerts %v", alerts)
	}
	first := alerts[0].(map[string]any)
	if first["kind"] != "SIM_EXPIRING" || first["agency"] != "POLICE" || first["serviceId"] != "sim-renewal" ||
		first["dueDate"] != sp.DateOf(now).AddDays(45).String() || !strings.HasPrefix(first["title"].(string), "Driving licence") {
		t.Errorf("first alert %v", first)
	}
	lic := h["police"].(map[string]any)["licences"].([]any)[0].(map[string]any)
	if lic["renewableOnline"] != true {
		t.Errorf("licence %v", lic)
	}
	m := h["health"].(map[string]any)["membership"].(map[string]any)
	if m["isActive"] != true || m["isPBI"] != false || m["status"].(map[string]any)["label"] != "AKTIF" {
		t.Errorf("membership %v", m)
	}
	if s := h["social"].(map[string]any); s["registered"] != false || s["decile"] != nil {
		t.Errorf("Dewi is not in the register: %v", s)
	}
}

// An agency that fails makes its own part null with one error naming it;
// the rest is served.
func TestAgencyDown(t *testing.T) {
	srv, sb := startBaseline(t)
	if err := sb.SetFault(sim.Fault{Agency: sp.AgencyPolice, Down: true}); err != nil {
		t.Fatal(err)
	}
	a := getHome(t, srv.URL, seed.NIKBudi, "")
	if len(a.Errors) != 1 || a.Errors[0].Extensions["code"] != "AGENCY_UNAVAILABLE" || a.Errors[0].Extensions["agency"] != "POLICE" ||
		strings.Join(a.Errors[0].Path, ".") != "home.police" {
		t.Fatalf("errors %+v", a.Errors)
	}
	h := a.Data.Home
	if h["police"] != nil || h["name"] != "BUDI SANTOSO" || h["social"] == nil {
		t.Errorf("home %v", h)
	}
	for _, s := range h["sources"].([]any) {
		s := s.(map[string]any)
		if want := map[bool]string{true: "UNAVAILABLE", false: "OK"}[s["agency"] == "POLICE"]; s["status"] != want {
			t.Errorf("source %v, want %s", s, want)
		}
	}
}

func TestBadRequests(t *testing.T) {
	srv, _ := startBaseline(t)
	if a := getHome(t, srv.URL, "12345", ""); a.Status != http.StatusBadRequest {
		t.Errorf("a bad NIK: HTTP %d", a.Status)
	}
	if _, err := ConfigFromEnv(func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "SATUPINTU_POLICE_URL") {
		t.Errorf("no URLs: %v", err)
	}
	if _, err := New(Config{}); err == nil {
		t.Error("an empty configuration was accepted")
	}
}
