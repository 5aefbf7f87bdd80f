package dukcapil_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/integrations/agency"
	"github.com/satupintu/satupintu/integrations/agency/agencytest"
	"github.com/satupintu/satupintu/integrations/dukcapil"
	"github.com/satupintu/satupintu/internal/testkit"
	"github.com/satupintu/satupintu/readmodel"
	"github.com/satupintu/satupintu/sim"
	"github.com/satupintu/satupintu/sim/seed"
)

var now = time.Date(2026, 3, 10, 9, 30, 0, 0, sp.Jakarta)

const (
	santosoKK sp.KK = "3174012003100005"
	sriKK     sp.KK = "3201021503150008"
)

// setup serves a fresh sandbox over loopback and returns it with its URL.
func setup(t *testing.T) (*sim.Sandbox, string) {
	t.Helper()
	sb, srv := agencytest.Sandbox(t, now)
	return sb, srv.URL
}

// client is the real adapter over a real agency.Client to baseURL.
func client(t *testing.T, baseURL, key string) *dukcapil.Client {
	t.Helper()
	return dukcapil.New(agencytest.Client(t, sp.AgencyDukcapil, baseURL, agency.Options{}), dukcapil.Config{APIKey: key})
}

func devClient(t *testing.T, url string) *dukcapil.Client {
	return client(t, url+"/dukcapil", sim.DevCredentials().DukcapilKey)
}

func wantCode(t *testing.T, err error, code sp.ErrorCode) {
	t.Helper()
	if got := sp.ErrorCodeOf(err); got != code {
		t.Fatalf("error code = %s, want %s (err: %v)", got, code, err)
	}
}

func TestEverySeededCitizenReadsBack(t *testing.T) {
	sb, url := setup(t)
	cl := devClient(t, url)
	for _, p := range sb.Seed.People {
		t.Run(p.Name, func(t *testing.T) {
			got, err := cl.Citizen(context.Background(), p.NIK)
			if err != nil {
				t.Fatal(err)
			}
			if got == nil {
				t.Fatal("Citizen = nil for a seeded person")
			}
			if !reflect.DeepEqual(*got, p.Citizen) {
				t.Fatalf("Citizen =\n%+v\nwant\n%+v", *got, p.Citizen)
			}
			if _, err := sp.ParseKK(string(got.KK)); err != nil {
				t.Errorf("KK: %v", err)
			}
			a := got.Address
			for _, r := range []struct {
				region readmodel.Region
				level  sp.RegionLevel
			}{{a.Province, sp.RegionProvince}, {a.Regency, sp.RegionRegency}, {a.District, sp.RegionDistrict}, {a.Village, sp.RegionVillage}} {
				if r.region.Code.Level() != r.level || r.region.Name == "" {
					t.Errorf("region %+v is not a named %s", r.region, r.level)
				}
			}
			// The seed registers everyone where they live, so the NIK's
			// district, birth date and sex agree with the record.
			if got.NIK.Region() != a.District.Code {
				t.Errorf("NIK district %s, address district %s", got.NIK.Region(), a.District.Code)
			}
			if born, ok := got.NIK.BirthDate(now); !ok || born != got.BirthDate {
				t.Errorf("NIK birth date %s, record %s", born, got.BirthDate)
			}
			if got.NIK.Female() != (got.Sex == readmodel.SexFemale) {
				t.Errorf("NIK sex disagrees with %s", got.Sex)
			}
		})
	}
}

func TestUnknownCitizenIsNil(t *testing.T) {
	_, url := setup(t)
	got, err := devClient(t, url).Citizen(context.Background(), "3174010101990009")
	if err != nil || got != nil {
		t.Fatalf("Citizen(unknown) = %+v, %v; want nil, nil", got, err)
	}
}

func TestInvalidNIKNeverReachesTheAgency(t *testing.T) {
	sb, url := setup(t)
	cl := devClient(t, url)
	_, err := cl.Citizen(context.Background(), "31740115058")
	wantCode(t, err, sp.CodeInvalidInput)
	_, err = cl.Family(context.Background(), seed.NIKBudi, "12")
	wantCode(t, err, sp.CodeInvalidInput)
	if n := sb.Counts()[sp.AgencyDukcapil]; n != 0 {
		t.Fatalf("dukcapil received %d requests, want 0", n)
	}
}

func TestFamilyOfBudi(t *testing.T) {
	_, url := setup(t)
	cl := devClient(t, url)
	want := map[sp.NIK]struct {
		rel readmodel.Relationship
		sex readmodel.Sex
	}{
		seed.NIKBudi:  {readmodel.RelationshipHead, readmodel.SexMale},
		seed.NIKSiti:  {readmodel.RelationshipSpouse, readmodel.SexFemale},
		seed.NIKRizky: {readmodel.RelationshipChild, readmodel.SexMale},
		seed.NIKPutri: {readmodel.RelationshipChild, readmodel.SexFemale},
	}
	// Any member may read the card.
	for _, asker := range []sp.NIK{seed.NIKBudi, seed.NIKSiti, seed.NIKRizky} {
		fam, err := cl.Family(context.Background(), asker, santosoKK)
		if err != nil {
			t.Fatal(err)
		}
		if fam.KK != santosoKK || len(fam.Members) != 4 {
			t.Fatalf("family = %s with %d members, want %s with 4", fam.KK, len(fam.Members), santosoKK)
		}
		if fam.Members[0].Relationship != readmodel.RelationshipHead {
			t.Errorf("first member is %s, want the head", fam.Members[0].Relationship)
		}
		for _, m := range fam.Members {
			w, ok := want[m.NIK]
			if !ok {
				t.Fatalf("unexpected member %s", m.NIK.Masked())
			}
			if m.Relationship != w.rel || m.Sex != w.sex {
				t.Errorf("%s: %s %s, want %s %s", m.Name, m.Relationship, m.Sex, w.rel, w.sex)
			}
			if born, _ := m.NIK.BirthDate(now); born != m.BirthDate {
				t.Errorf("%s: birth date %s, NIK says %s", m.Name, m.BirthDate, born)
			}
		}
	}
}

// Each row of a card carries the member's marital status, as their own
// record does: the policy tells a married child from a minor by it.
func TestFamilyCarriesMaritalStatus(t *testing.T) {
	sb, url := setup(t)
	cl := devClient(t, url)
	for _, asker := range []sp.NIK{seed.NIKBudi, seed.NIKHadi, seed.NIKSri} {
		fam, err := cl.Family(context.Background(), asker, sb.Seed.ByNIK(asker).KK)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range fam.Members {
			if want := sb.Seed.ByNIK(m.NIK).MaritalStatus; m.MaritalStatus != want || want == "" {
				t.Errorf("%s: marital status %q on the card, %q on the record", m.Name, m.MaritalStatus, want)
			}
		}
	}
	laras := sb.Seed.Hartono.Laras
	fam, err := cl.Family(context.Background(), laras, sb.Seed.ByNIK(laras).KK)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range fam.Members {
		if m.NIK == laras && (m.MaritalStatus != "KAWIN" || m.Relationship != readmodel.RelationshipChild) {
			t.Errorf("Laras is %s, %s on her parents' card; want a married child", m.Relationship, m.MaritalStatus)
		}
	}
}

// A card from before the column was added still reads, without it.
func TestFamilyWithoutMaritalStatus(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"no_kk": "3174012003100005", "anggota": [
			{"nik": "3174011505800001", "nama": "BUDI SANTOSO", "tanggal_lahir": "1980-05-15", "jenis_kelamin": "LAKI-LAKI", "hubungan": "KEPALA KELUARGA"},
			{"nik": "3174016209160004", "nama": "PUTRI SANTOSO", "tanggal_lahir": "2016-09-22", "jenis_kelamin": "PEREMPUAN", "hubungan": "ANAK"}]}`)
	}))
	t.Cleanup(srv.Close)
	fam, err := client(t, srv.URL, "k").Family(context.Background(), seed.NIKBudi, santosoKK)
	if err != nil {
		t.Fatal(err)
	}
	if len(fam.Members) != 2 || fam.Members[1].MaritalStatus != "" || fam.Members[1].Relationship != readmodel.RelationshipChild {
		t.Fatalf("family %+v", fam)
	}
}

func TestFamilyOfSomeoneElseIsForbidden(t *testing.T) {
	_, url := setup(t)
	cl := devClient(t, url)
	for name, c := range map[string]struct {
		nik sp.NIK
		kk  sp.KK
	}{
		"not on the card": {seed.NIKDewi, santosoKK},
		"another card":    {seed.NIKBudi, sriKK},
		"unknown card":    {seed.NIKBudi, "3174010101990001"},
	} {
		t.Run(name, func(t *testing.T) {
			fam, err := cl.Family(context.Background(), c.nik, c.kk)
			if fam != nil {
				t.Fatalf("Family = %+v, want none", fam)
			}
			wantCode(t, err, sp.CodeForbidden)
		})
	}
}

// memCache is an in-process agency.Cache, enough to run the real read path
// with caching on.
type memCache struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (c *memCache) Get(_ context.Context, k string) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[k], nil
}

func (c *memCache) Set(_ context.Context, k string, v []byte, _ time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[k] = v
	return nil
}

// The card is cached under the asking NIK alone, so the adapter must never
// hand that cached card out for another KK, nor let a foreign card displace
// it from the cache.
func TestCachedFamilyIsNotServedForAnotherCard(t *testing.T) {
	sb, url := setup(t)
	clock := testkit.NewClock(now) // the adapter's clock, moved by the test
	c := agencytest.Client(t, sp.AgencyDukcapil, url+"/dukcapil", agency.Options{
		Cache: &memCache{m: map[string][]byte{}}, CacheKey: []byte("dukcapil-test-cache-key"), CacheTimeout: time.Second,
		Now: clock.Now,
	})
	cl := dukcapil.New(c, dukcapil.Config{APIKey: sim.DevCredentials().DukcapilKey})
	ctx := context.Background()
	forbidden := func(kk sp.KK) {
		t.Helper()
		fam, err := cl.Family(ctx, seed.NIKBudi, kk)
		if fam != nil {
			t.Fatalf("Family(Budi, %s) = %+v", kk, fam)
		}
		wantCode(t, err, sp.CodeForbidden)
	}

	if _, err := cl.Family(ctx, seed.NIKBudi, santosoKK); err != nil {
		t.Fatal(err)
	}
	forbidden(sriKK) // fresh cache entry: Budi's own card, not Sri's

	clock.Advance(c.Config().DefaultTTL + time.Minute) // own card now stale: foreign reads reach the agency
	before := sb.Counts()[sp.AgencyDukcapil]
	forbidden(sriKK)
	forbidden("3174010101990001")
	if sb.Counts()[sp.AgencyDukcapil] == before {
		t.Fatal("foreign cards were not fetched once the cache entry went stale")
	}

	// With the agency down, the stale own card is still there to serve.
	if err := sb.SetFault(sim.Fault{Agency: sp.AgencyDukcapil, Down: true}); err != nil {
		t.Fatal(err)
	}
	fam, err := cl.Family(ctx, seed.NIKBudi, santosoKK)
	if err != nil || fam.KK != santosoKK || len(fam.Members) != 4 {
		t.Fatalf("own card while down = %+v, %v; want the stale card", fam, err)
	}
}

func TestWrongKeyIsRejected(t *testing.T) {
	_, url := setup(t)
	cl := client(t, url+"/dukcapil", "not-the-key")
	_, err := cl.Citizen(context.Background(), seed.NIKBudi)
	wantCode(t, err, sp.CodeAgencyRejected)
	if a := sp.AgencyOf(err); a != sp.AgencyDukcapil {
		t.Errorf("agency = %q", a)
	}
	_, err = cl.Family(context.Background(), seed.NIKBudi, santosoKK)
	wantCode(t, err, sp.CodeAgencyRejected)
}

func TestBrokenAnswersAreBadResponses(t *testing.T) {
	for name, f := range map[string]sim.Fault{
		"corrupt":   {Agency: sp.AgencyDukcapil, Corrupt: true},
		"malformed": {Agency: sp.AgencyDukcapil, Malformed: true},
	} {
		t.Run(name, func(t *testing.T) {
			sb, url := setup(t)
			if err := sb.SetFault(f); err != nil {
				t.Fatal(err)
			}
			cl := devClient(t, url)
			got, err := cl.Citizen(context.Background(), seed.NIKBudi)
			if got != nil {
				t.Fatalf("Citizen = %+v from a broken answer", got)
			}
			wantCode(t, err, sp.CodeAgencyBadResponse)
			fam, err := cl.Family(context.Background(), seed.NIKBudi, santosoKK)
			if fam != nil {
				t.Fatalf("Family = %+v from a broken answer", fam)
			}
			wantCode(t, err, sp.CodeAgencyBadResponse)
		})
	}
}

// A wrong base URL answers 404 NO_ROUTE: that must fail, not read as
// "unknown citizen".
func TestWrongPathIsNotUnknownCitizen(t *testing.T) {
	_, url := setup(t)
	cl := client(t, url+"/dukcapil/v0", sim.DevCredentials().DukcapilKey)
	got, err := cl.Citizen(context.Background(), seed.NIKBudi)
	if got != nil {
		t.Fatalf("Citizen = %+v", got)
	}
	wantCode(t, err, sp.CodeAgencyBadResponse)
}

// The simulator's side of the contract, over plain HTTP.
func TestWireErrors(t *testing.T) {
	_, url := setup(t)
	key := sim.DevCredentials().DukcapilKey
	for _, c := range []struct {
		name, method, path, key string
		status                  int
		code                    string
	}{
		{"no key", "GET", "/api/v1/penduduk/" + string(seed.NIKBudi), "", 401, "UNAUTHORIZED"},
		{"wrong key", "GET", "/api/v1/penduduk/" + string(seed.NIKBudi), key + "x", 401, "UNAUTHORIZED"},
		{"key checked first", "GET", "/api/v1/penduduk/123", "", 401, "UNAUTHORIZED"},
		{"short nik", "GET", "/api/v1/penduduk/317401150580", key, 400, "BAD_REQUEST"},
		{"nik with letters", "GET", "/api/v1/penduduk/31740115058000a1", key, 400, "BAD_REQUEST"},
		{"bad kk", "GET", "/api/v1/kk/3174012003100000", key, 400, "BAD_REQUEST"},
		{"unknown nik", "GET", "/api/v1/penduduk/3174010101990009", key, 404, "NOT_FOUND"},
		{"unknown kk", "GET", "/api/v1/kk/3174010101990001", key, 404, "NOT_FOUND"},
		{"no such path", "GET", "/api/v2/penduduk/" + string(seed.NIKBudi), key, 404, "NO_ROUTE"},
		{"no such method", "DELETE", "/api/v1/penduduk/" + string(seed.NIKBudi), key, 404, "NO_ROUTE"},
	} {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest(c.method, url+"/dukcapil"+c.path, nil)
			if c.key != "" {
				req.Header.Set("X-Api-Key", c.key)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body struct {
				Error struct{ Code, Message string } `json:"error"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatalf("body is not JSON: %v", err)
			}
			if resp.StatusCode != c.status || body.Error.Code != c.code || body.Error.Message == "" {
				t.Fatalf("got %d %+v, want %d %s with a message", resp.StatusCode, body.Error, c.status, c.code)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q", ct)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	if err := (dukcapil.Config{}).Validate(); err == nil {
		t.Error("empty key accepted")
	}
	if err := (dukcapil.Config{APIKey: "  "}).Validate(); err == nil {
		t.Error("blank key accepted")
	}
	if err := (dukcapil.Config{APIKey: "k"}).Validate(); err != nil {
		t.Error(err)
	}
}
