package education_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/integrations/agency"
	"github.com/satupintu/satupintu/integrations/agency/agencytest"
	"github.com/satupintu/satupintu/integrations/education"
	"github.com/satupintu/satupintu/readmodel"
	"github.com/satupintu/satupintu/sim"
	"github.com/satupintu/satupintu/sim/seed"
)

var now = time.Date(2026, 3, 10, 9, 30, 0, 0, sp.Jakarta)

// setup serves a fresh sandbox over loopback and returns it with its URL.
func setup(t *testing.T) (*sim.Sandbox, string) {
	t.Helper()
	sb, srv := agencytest.Sandbox(t, now)
	return sb, srv.URL
}

// client is the real adapter over a real agency.Client to baseURL.
func client(t *testing.T, baseURL, key string) *education.Client {
	t.Helper()
	return education.New(agencytest.Client(t, sp.AgencyEducation, baseURL, agency.Options{}), education.Config{APIKey: key})
}

func devClient(t *testing.T, url string) *education.Client {
	return client(t, url+"/education", sim.DevCredentials().EducationKey)
}

func wantCode(t *testing.T, err error, code sp.ErrorCode) {
	t.Helper()
	if got := sp.ErrorCodeOf(err); got != code {
		t.Fatalf("error code = %s, want %s (err: %v)", got, code, err)
	}
}

func students(t *testing.T, cl *education.Client, nik sp.NIK) map[sp.NIK]readmodel.StudentRecord {
	t.Helper()
	list, err := cl.Students(context.Background(), nik)
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[sp.NIK]readmodel.StudentRecord, len(list))
	for _, r := range list {
		if _, dup := out[r.NIK]; dup {
			t.Fatalf("student %s listed twice", r.NIK.Masked())
		}
		if _, err := sp.ParseNISN(string(r.NISN)); err != nil {
			t.Errorf("%s: %v", r.Name, err)
		}
		out[r.NIK] = r
	}
	return out
}

func TestParentsSeeTheirChildren(t *testing.T) {
	_, url := setup(t)
	cl := devClient(t, url)
	for _, parent := range []sp.NIK{seed.NIKSiti, seed.NIKBudi} {
		got := students(t, cl, parent)
		if len(got) != 2 {
			t.Fatalf("%s sees %d students, want Rizky and Putri", parent.Masked(), len(got))
		}
		rizky, putri := got[seed.NIKRizky], got[seed.NIKPutri]
		if rizky.Relation != readmodel.StudentChild || rizky.Level != readmodel.LevelSMP || rizky.NISN != "0123456781" ||
			rizky.Grade != 8 || rizky.ClassName != "VIII-B" || rizky.SchoolNPSN != "20102345" {
			t.Errorf("Rizky = %+v", rizky)
		}
		pip := rizky.PIP
		if pip == nil {
			t.Fatal("Rizky has no PIP status")
		}
		if want := sp.DateOf(now).AddDays(20); pip.Stage != readmodel.PIPNominated || pip.Deadline != want || !pip.Eligible ||
			pip.AnnualAmount != 750000 || pip.KIPNumber != "512734" || pip.Bank == "" {
			t.Errorf("Rizky's PIP = %+v, want NOMINATED with deadline %s", *pip, want)
		}
		if putri.Relation != readmodel.StudentChild || putri.Level != readmodel.LevelSD || putri.Grade != 4 || putri.PIP != nil {
			t.Errorf("Putri = %+v", putri)
		}
	}
}

func TestPupilSeesOnlyHimself(t *testing.T) {
	_, url := setup(t)
	got := students(t, devClient(t, url), seed.NIKRizky)
	r, ok := got[seed.NIKRizky]
	if len(got) != 1 || !ok || r.Relation != readmodel.StudentSelf || r.Name != "RIZKY SANTOSO" {
		t.Fatalf("Rizky sees %+v, want only himself as SELF", got)
	}
}

func TestPaidPIP(t *testing.T) {
	_, url := setup(t)
	got := students(t, devClient(t, url), seed.NIKSri)
	bayu, ok := got[seed.NIKBayu]
	if len(got) != 1 || !ok || bayu.Relation != readmodel.StudentChild {
		t.Fatalf("Sri sees %+v, want Bayu as CHILD", got)
	}
	if bayu.PIP == nil || bayu.PIP.Stage != readmodel.PIPPaid || !bayu.PIP.Deadline.IsZero() || bayu.PIP.AnnualAmount != 450000 {
		t.Fatalf("Bayu's PIP = %+v, want PAID without a deadline", bayu.PIP)
	}
}

func TestNoRecordsIsEmpty(t *testing.T) {
	_, url := setup(t)
	cl := devClient(t, url)
	// Andi: known to Dukcapil only; Dewi: head of a card without children;
	// the last: nobody at all.
	for _, nik := range []sp.NIK{seed.NIKAndi, seed.NIKDewi, "3174010101990009"} {
		list, err := cl.Students(context.Background(), nik)
		if err != nil || len(list) != 0 {
			t.Errorf("Students(%s) = %+v, %v; want empty, no error", nik.Masked(), list, err)
		}
	}
}

func TestInvalidNIKNeverReachesTheAgency(t *testing.T) {
	sb, url := setup(t)
	_, err := devClient(t, url).Students(context.Background(), "0000")
	wantCode(t, err, sp.CodeInvalidInput)
	if n := sb.Counts()[sp.AgencyEducation]; n != 0 {
		t.Fatalf("education received %d requests, want 0", n)
	}
}

func TestWrongKeyIsRejected(t *testing.T) {
	_, url := setup(t)
	_, err := client(t, url+"/education", "not-the-key").Students(context.Background(), seed.NIKSiti)
	wantCode(t, err, sp.CodeAgencyRejected)
	if a := sp.AgencyOf(err); a != sp.AgencyEducation {
		t.Errorf("agency = %q", a)
	}
}

func TestBrokenAnswersAreBadResponses(t *testing.T) {
	for name, f := range map[string]sim.Fault{
		"corrupt":   {Agency: sp.AgencyEducation, Corrupt: true},
		"malformed": {Agency: sp.AgencyEducation, Malformed: true},
	} {
		t.Run(name, func(t *testing.T) {
			sb, url := setup(t)
			if err := sb.SetFault(f); err != nil {
				t.Fatal(err)
			}
			list, err := devClient(t, url).Students(context.Background(), seed.NIKSiti)
			if list != nil {
				t.Fatalf("Students = %+v from a broken answer", list)
			}
			wantCode(t, err, sp.CodeAgencyBadResponse)
		})
	}
}

// The simulator's side of the contract, over plain HTTP.
func TestWire(t *testing.T) {
	_, url := setup(t)
	key := sim.DevCredentials().EducationKey
	get := func(t *testing.T, method, path, key string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, url+"/education"+path, nil)
		if key != "" {
			req.Header.Set("X-Api-Key", key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type = %q", ct)
		}
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	t.Run("no records", func(t *testing.T) {
		status, body := get(t, "GET", "/api/v1/students?nik="+string(seed.NIKAndi), key)
		if status != 200 || strings.TrimSpace(body) != `{"students":[]}` {
			t.Fatalf("got %d %s, want 200 {\"students\":[]}", status, body)
		}
	})
	t.Run("pip null and deadline", func(t *testing.T) {
		status, body := get(t, "GET", "/api/v1/students?nik="+string(seed.NIKSiti), key)
		var doc struct {
			Students []map[string]json.RawMessage `json:"students"`
		}
		if err := json.Unmarshal([]byte(body), &doc); status != 200 || err != nil || len(doc.Students) != 2 {
			t.Fatalf("got %d %s (%v)", status, body, err)
		}
		for _, s := range doc.Students {
			if _, ok := s["pip"]; !ok {
				t.Errorf("record without a pip key: %s", body)
			}
		}
	})
	for _, c := range []struct {
		name, method, path, key string
		status                  int
		code                    string
	}{
		{"no key", "GET", "/api/v1/students?nik=" + string(seed.NIKSiti), "", 401, "UNAUTHORIZED"},
		{"wrong key", "GET", "/api/v1/students?nik=" + string(seed.NIKSiti), key + "x", 401, "UNAUTHORIZED"},
		{"no nik", "GET", "/api/v1/students", key, 400, "BAD_REQUEST"},
		{"bad nik", "GET", "/api/v1/students?nik=3174011505800000", key, 400, "BAD_REQUEST"},
		{"no such path", "GET", "/api/v1/pupils?nik=" + string(seed.NIKSiti), key, 404, "NO_ROUTE"},
		{"no such method", "POST", "/api/v1/students?nik=" + string(seed.NIKSiti), key, 404, "NO_ROUTE"},
	} {
		t.Run(c.name, func(t *testing.T) {
			status, body := get(t, c.method, c.path, c.key)
			var e struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			if err := json.Unmarshal([]byte(body), &e); err != nil {
				t.Fatalf("body is not JSON: %s", body)
			}
			if status != c.status || e.Error.Code != c.code || e.Error.Message == "" {
				t.Fatalf("got %d %s, want %d %s with a message", status, body, c.status, c.code)
			}
		})
	}
}

// A wrong base URL answers 404 NO_ROUTE: that must fail, not read as "no
// records".
func TestWrongPathIsBadResponse(t *testing.T) {
	_, url := setup(t)
	_, err := client(t, url+"/education/v0", sim.DevCredentials().EducationKey).Students(context.Background(), seed.NIKSiti)
	wantCode(t, err, sp.CodeAgencyBadResponse)
}

func TestConfigValidate(t *testing.T) {
	if err := (education.Config{}).Validate(); err == nil {
		t.Error("empty key accepted")
	}
	if err := (education.Config{APIKey: "k"}).Validate(); err != nil {
		t.Error(err)
	}
}
