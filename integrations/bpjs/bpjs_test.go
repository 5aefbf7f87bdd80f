package bpjs

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	lzstring "github.com/daku10/go-lz-string"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/integrations/agency"
	"github.com/satupintu/satupintu/integrations/agency/agencytest"
	"github.com/satupintu/satupintu/readmodel"
	"github.com/satupintu/satupintu/sim"
	"github.com/satupintu/satupintu/sim/bpjssim"
	"github.com/satupintu/satupintu/sim/seed"
)

// fixed is the sandbox's and the adapter's clock: 10 March 2026, 10:00 WIB.
var fixed = time.Date(2026, 3, 10, 3, 0, 0, 0, time.UTC)

func devConfig() Config {
	d := sim.DevCredentials()
	return Config{ConsID: d.BPJSConsID, Secret: d.BPJSSecret, UserKey: d.BPJSUserKey,
		PCareUser: d.BPJSPCareUser, PCarePassword: d.BPJSPCarePassword}
}

// sandbox serves the simulators on loopback with the clock at fixed.
func sandbox(t testing.TB) (*sim.Sandbox, string) {
	t.Helper()
	sb, srv := agencytest.Sandbox(t, fixed)
	return sb, srv.URL + "/bpjs"
}

// client is the real adapter over a real agency client, signing at fixed.
func client(t testing.TB, baseURL string, cfg Config) *Client {
	t.Helper()
	c := New(agencytest.Client(t, sp.AgencyBPJS, baseURL, agency.Options{}), cfg)
	c.now = func() time.Time { return fixed }
	return c
}

func bpjsRequests(sb *sim.Sandbox) int64 { return sb.Counts()[sp.AgencyBPJS] }

func TestMembershipScenarios(t *testing.T) {
	sb, url := sandbox(t)
	c := client(t, url, devConfig())
	d := func(y int, m time.Month, day int) sp.Date { return sp.Date{Year: y, Month: m, Day: day} }

	tests := []struct {
		name     string
		nik      sp.NIK
		want     readmodel.Membership
		active   bool
		pbi      bool
		requests int64 // BPJS calls this read costs
	}{
		{
			name: "Budi, active PPU class 1", nik: seed.NIKBudi, active: true, requests: 1,
			want: readmodel.Membership{CardNumber: "0001234567801", Class: readmodel.Coded{Code: "1", Label: "KELAS I"},
				ParticipantType: readmodel.Coded{Code: "13", Label: "PEGAWAI SWASTA"}, Status: readmodel.Coded{Code: "0", Label: "AKTIF"},
				PrimaryClinic: readmodel.Coded{Code: "0120B012", Label: "PUSKESMAS TEBET"},
				CoverageStart: d(2014, 1, 1), CoverageEnd: d(2099, 12, 31)},
		},
		{
			name: "Sri, PBI class 3", nik: seed.NIKSri, active: true, pbi: true, requests: 1,
			want: readmodel.Membership{CardNumber: "0004567890123", Class: readmodel.Coded{Code: "3", Label: "KELAS III"},
				ParticipantType: readmodel.Coded{Code: "21", Label: "PBI (APBN)"}, Status: readmodel.Coded{Code: "0", Label: "AKTIF"},
				PrimaryClinic: readmodel.Coded{Code: "0101B021", Label: "PUSKESMAS GUNUNG PUTRI"},
				CoverageStart: d(2016, 1, 1), CoverageEnd: d(2099, 12, 31)},
		},
		{
			name: "Agus, inactive with arrears from PCare", nik: seed.NIKAgus, requests: 2,
			want: readmodel.Membership{CardNumber: "0003456789012", Class: readmodel.Coded{Code: "2", Label: "KELAS II"},
				ParticipantType: readmodel.Coded{Code: "14", Label: "PEKERJA MANDIRI"},
				Status:          readmodel.Coded{Code: "6", Label: "NON AKTIF KARENA PREMI"},
				PrimaryClinic:   readmodel.Coded{Code: "1302B005", Label: "PUSKESMAS SIMOKERTO"},
				Arrears:         1750000, CoverageStart: d(2016, 6, 1), CoverageEnd: d(2099, 12, 31)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := bpjsRequests(sb)
			m, err := c.Membership(context.Background(), tt.nik)
			if err != nil {
				t.Fatalf("Membership: %v", err)
			}
			if m == nil {
				t.Fatal("Membership = nil, want a participant")
			}
			if *m != tt.want {
				t.Errorf("Membership =\n%+v\nwant\n%+v", *m, tt.want)
			}
			if m.Active() != tt.active || m.PBI() != tt.pbi {
				t.Errorf("Active, PBI = %v, %v; want %v, %v", m.Active(), m.PBI(), tt.active, tt.pbi)
			}
			if got := bpjsRequests(sb) - before; got != tt.requests {
				t.Errorf("BPJS requests = %d, want %d", got, tt.requests)
			}
		})
	}
}

func TestMembershipUnknownNIK(t *testing.T) {
	sb, url := sandbox(t)
	c := client(t, url, devConfig())
	before := bpjsRequests(sb)
	m, err := c.Membership(context.Background(), "3174015505990009") // valid, not seeded
	if err != nil || m != nil {
		t.Fatalf("Membership = %v, %v; want nil, nil", m, err)
	}
	if got := bpjsRequests(sb) - before; got != 1 {
		t.Errorf("BPJS requests = %d, want 1", got)
	}
}

func TestMembershipInvalidNIKIsNotSent(t *testing.T) {
	sb, url := sandbox(t)
	c := client(t, url, devConfig())
	for _, nik := range []sp.NIK{"123", "3174011505800001/../x", "317401150580000a"} {
		_, err := c.Membership(context.Background(), nik)
		if sp.ErrorCodeOf(err) != sp.CodeInvalidInput {
			t.Errorf("Membership(%q) error = %v, want INVALID_INPUT", nik, err)
		}
	}
	if n := bpjsRequests(sb); n != 0 {
		t.Errorf("BPJS requests = %d, want 0", n)
	}
}

func TestMembershipRealClock(t *testing.T) {
	_, srv := agencytest.Sandbox(t, time.Time{})
	api := agencytest.Client(t, sp.AgencyBPJS, srv.URL+"/bpjs", agency.Options{})
	m, err := New(api, devConfig()).Membership(context.Background(), seed.NIKBudi)
	if err != nil || m == nil || m.CardNumber != "0001234567801" {
		t.Fatalf("Membership = %+v, %v; want Budi's card", m, err)
	}
}

func TestMembershipRejected(t *testing.T) {
	_, url := sandbox(t)
	tests := []struct {
		name  string
		nik   sp.NIK
		edit  func(*Config)
		clock time.Time
	}{
		{name: "wrong secret", nik: seed.NIKBudi, edit: func(c *Config) { c.Secret = "not-the-secret" }},
		{name: "wrong cons id", nik: seed.NIKBudi, edit: func(c *Config) { c.ConsID = "99999" }},
		{name: "wrong user_key", nik: seed.NIKBudi, edit: func(c *Config) { c.UserKey = "stolen" }},
		{name: "wrong PCare password", nik: seed.NIKAgus, edit: func(c *Config) { c.PCarePassword = "guess" }},
		{name: "timestamp 6 minutes old", nik: seed.NIKBudi, clock: fixed.Add(-6 * time.Minute)},
		{name: "timestamp 6 minutes ahead", nik: seed.NIKBudi, clock: fixed.Add(6 * time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := devConfig()
			if tt.edit != nil {
				tt.edit(&cfg)
			}
			c := client(t, url, cfg)
			if !tt.clock.IsZero() {
				c.now = func() time.Time { return tt.clock }
			}
			m, err := c.Membership(context.Background(), tt.nik)
			if code := sp.ErrorCodeOf(err); code != sp.CodeAgencyRejected || m != nil {
				t.Fatalf("Membership = %v, %v; want AGENCY_REJECTED", m, err)
			}
			if sp.AgencyOf(err) != sp.AgencyBPJS {
				t.Errorf("agency = %q, want bpjs", sp.AgencyOf(err))
			}
		})
	}
}

func TestMembershipWithinClockSkew(t *testing.T) {
	_, url := sandbox(t)
	c := client(t, url, devConfig())
	c.now = func() time.Time { return fixed.Add(-4 * time.Minute) }
	if m, err := c.Membership(context.Background(), seed.NIKBudi); err != nil || m == nil {
		t.Fatalf("Membership = %v, %v; want Budi (4 minutes is within the 5 allowed)", m, err)
	}
}

func TestMembershipFaults(t *testing.T) {
	for _, f := range []sim.Fault{
		{Agency: sp.AgencyBPJS, Corrupt: true},
		{Agency: sp.AgencyBPJS, Malformed: true},
	} {
		t.Run(fmt.Sprintf("%+v", f), func(t *testing.T) {
			sb, url := sandbox(t)
			if err := sb.SetFault(f); err != nil {
				t.Fatal(err)
			}
			c := client(t, url, devConfig())
			m, err := c.Membership(context.Background(), seed.NIKBudi)
			if code := sp.ErrorCodeOf(err); code != sp.CodeAgencyBadResponse || m != nil {
				t.Fatalf("Membership = %v, %v; want AGENCY_BAD_RESPONSE", m, err)
			}
		})
	}
}

func TestMembershipConcurrent(t *testing.T) {
	_, url := sandbox(t)
	c := client(t, url, devConfig())
	niks := []sp.NIK{seed.NIKBudi, seed.NIKSri, seed.NIKAgus, seed.NIKAndi}
	var wg sync.WaitGroup
	errs := make(chan error, 4*len(niks))
	for range 4 {
		for _, nik := range niks {
			wg.Go(func() {
				m, err := c.Membership(context.Background(), nik)
				if err == nil && m == nil {
					err = fmt.Errorf("no membership")
				}
				if err != nil {
					errs <- fmt.Errorf("%s: %w", nik.Masked(), err)
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// The simulator's answer, fetched raw and decrypted with the adapter's
// scheme, has VClaim's full participant shape.
func TestSimulatorAnswerDecrypts(t *testing.T) {
	_, url := sandbox(t)
	cfg := devConfig()
	ts := fmt.Sprint(fixed.Unix())
	req, _ := http.NewRequest(http.MethodGet, url+"/vclaim-rest/Peserta/nik/"+string(seed.NIKSiti)+"/tglSEP/2026-03-10", nil)
	req.Header.Set("X-cons-id", cfg.ConsID)
	req.Header.Set("X-timestamp", ts)
	req.Header.Set("X-signature", sign(cfg.ConsID, cfg.Secret, ts))
	req.Header.Set("user_key", cfg.UserKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env struct {
		MetaData struct{ Code, Message string }
		Response string
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || env.MetaData.Code != "200" || env.MetaData.Message != "OK" {
		t.Fatalf("HTTP %d, metaData %+v", resp.StatusCode, env.MetaData)
	}
	plain, err := decrypt(responseKey(cfg.ConsID, cfg.Secret, ts), env.Response)
	if err != nil {
		t.Fatalf("decrypt: %v", err)
	}
	var v struct {
		Peserta map[string]any `json:"peserta"`
	}
	if err := json.Unmarshal(plain, &v); err != nil {
		t.Fatal(err)
	}
	p := v.Peserta
	if p["nik"] != string(seed.NIKSiti) || p["sex"] != "P" || p["tglLahir"] != "1983-08-07" || p["pisa"] != "2" {
		t.Errorf("peserta = %v", p)
	}
	umur, _ := p["umur"].(map[string]any)
	if umur["umurSaatPelayanan"] != "42 tahun ,7 bulan ,3 hari" {
		t.Errorf("umur = %v", umur)
	}
	for _, k := range []string{"cob", "informasi", "mr", "hakKelas", "jenisPeserta", "statusPeserta", "provUmum", "tglTMT", "tglTAT", "tglCetakKartu", "noKartu", "nama"} {
		if _, ok := p[k]; !ok {
			t.Errorf("peserta has no %q", k)
		}
	}
}

// vector was made outside Go: Node's crypto (OpenSSL) and the reference
// JavaScript lz-string 1.5.0, for cons id 12345, secret dev-bpjs-secret and
// timestamp 1773111600.
var vector = struct{ consID, secret, timestamp, signature, sealed, plain string }{
	consID: "12345", secret: "dev-bpjs-secret", timestamp: "1773111600",
	signature: "ji/bZOaF0Ah1kJ3wAw5YkpRnzPUl3NOf1NIzHvsPBIk=",
	sealed:    "GqqOC36FpC1kabLHLGwc5Ij7gcBco3EwSLme220DoIH7eRW6mc+M6HL8RtHo7h5CvSRbgDRaWtw+EdhqMexklF3n2ou0//w6aINUrY7b8680VdggkIZWlxfttohuof6+k8hpJlIAOlRBub5i/HnF4JNCb9AE6YkyHG6MO0RamU6tN9dmT7/POsqMPWoSiL7YoRG1UiuJojzxUPUW4akBpo/ZLMIG6o8eURb26iS0nXA=",
	plain:     `{"peserta":{"nama":"BUDI SANTOSO","nik":"3174011505800001","noKartu":"0001234567801","statusPeserta":{"kode":"0","keterangan":"AKTIF"}}}`,
}

func TestSignVector(t *testing.T) {
	if got := sign(vector.consID, vector.secret, vector.timestamp); got != vector.signature {
		t.Errorf("sign = %s, want %s", got, vector.signature)
	}
}

func TestDecryptVector(t *testing.T) {
	got, err := decrypt(responseKey(vector.consID, vector.secret, vector.timestamp), vector.sealed)
	if err != nil || string(got) != vector.plain {
		t.Fatalf("decrypt = %q, %v; want %q", got, err, vector.plain)
	}
}

// seal encrypts as BPJS does, written here with crypto/aes directly.
func seal(t testing.TB, consID, secret, timestamp, plain string) string {
	t.Helper()
	compressed, err := lzstring.CompressToEncodedURIComponent(plain)
	if err != nil {
		t.Fatal(err)
	}
	return sealRaw(consID, secret, timestamp, []byte(compressed))
}

func sealRaw(consID, secret, timestamp string, text []byte) string {
	key := sha256.Sum256([]byte(consID + secret + timestamp))
	block, _ := aes.NewCipher(key[:])
	pad := aes.BlockSize - len(text)%aes.BlockSize
	buf := append(bytes.Clone(text), bytes.Repeat([]byte{byte(pad)}, pad)...)
	cipher.NewCBCEncrypter(block, key[:16]).CryptBlocks(buf, buf)
	return base64.StdEncoding.EncodeToString(buf)
}

func TestDecrypt(t *testing.T) {
	key := responseKey("12345", "s3cret", "1773111600")
	plain := `{"peserta":{"nama":"SRI WAHYUNI","nik":"3201025907850021"}}`
	if got, err := decrypt(key, seal(t, "12345", "s3cret", "1773111600", plain)); err != nil || string(got) != plain {
		t.Fatalf("decrypt = %q, %v; want %q", got, err, plain)
	}

	bad := map[string]string{
		"another timestamp's key": seal(t, "12345", "s3cret", "1773111601", plain),
		"another secret's key":    seal(t, "12345", "other", "1773111600", plain),
		"not base64":              "%%%not base64%%%",
		"not whole blocks":        base64.StdEncoding.EncodeToString([]byte("short")),
		"empty":                   "",
		"not LZ-String text":      sealRaw("12345", "s3cret", "1773111600", []byte(`{"plain":"json"}`)),
	}
	for name, sealed := range bad {
		if got, err := decrypt(key, sealed); err == nil {
			t.Errorf("%s: decrypt = %q, want an error", name, got)
		}
	}
}

// rawField is put in the response field as it is; sealText is sealed as it
// is, without being JSON-encoded first.
type (
	rawField string
	sealText string
)

// fakeGateway answers every call with one envelope whose response is sealed
// with the key of the request's own timestamp, and checks the request's
// signature.
func fakeGateway(t *testing.T, code any, peserta any) string {
	t.Helper()
	cfg := devConfig()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ts := r.Header.Get("X-timestamp")
		if r.Header.Get("X-signature") != sign(cfg.ConsID, cfg.Secret, ts) {
			t.Errorf("request signature does not match its timestamp")
		}
		var response any
		switch p := peserta.(type) {
		case nil:
		case rawField:
			response = string(p)
		case sealText:
			response = seal(t, cfg.ConsID, cfg.Secret, ts, string(p))
		default:
			b, _ := json.Marshal(p)
			response = seal(t, cfg.ConsID, cfg.Secret, ts, string(b))
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"metaData": map[string]any{"code": code, "message": "x"}, "response": response})
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestMembershipAnswers(t *testing.T) {
	budi := map[string]any{"peserta": map[string]any{"nik": string(seed.NIKBudi), "noKartu": "0001234567801",
		"statusPeserta": map[string]any{"kode": "0", "keterangan": "AKTIF"}, "tglTMT": "2014-01-01", "tglTAT": "2099-12-31"}}
	other := map[string]any{"peserta": map[string]any{"nik": string(seed.NIKSiti), "noKartu": "0001234567802",
		"statusPeserta": map[string]any{"kode": "0", "keterangan": "AKTIF"}}}
	badDate := map[string]any{"peserta": map[string]any{"nik": string(seed.NIKBudi), "noKartu": "0001234567801",
		"statusPeserta": map[string]any{"kode": "0", "keterangan": "AKTIF"}, "tglTMT": "01-01-2014"}}

	tests := []struct {
		name    string
		code    any
		peserta any
		want    sp.ErrorCode // "" for success
		found   bool
		msg     string // in the error message
	}{
		{name: "ok", code: "200", peserta: budi, found: true},
		{name: "numeric code", code: 200, peserta: budi, found: true},
		{name: "not found", code: "201"},
		{name: "another participant", code: "200", peserta: other, want: sp.CodeAgencyBadResponse},
		{name: "bad date", code: "200", peserta: badDate, want: sp.CodeAgencyBadResponse},
		{name: "refused", code: "401", want: sp.CodeAgencyRejected},
		{name: "other code", code: "500", want: sp.CodeAgencyBadResponse, msg: `"500"`},
		{name: "200 without response", code: "200", want: sp.CodeAgencyBadResponse},
		{name: "response not base64", code: "200", peserta: rawField("!!!"), want: sp.CodeAgencyBadResponse},
		{name: "response empty", code: "200", peserta: rawField(""), want: sp.CodeAgencyBadResponse},
		{name: "response sealed with another key", code: "200", peserta: rawField(seal(t, "12345", "another-secret", fmt.Sprint(fixed.Unix()), `{"peserta":{}}`)), want: sp.CodeAgencyBadResponse},
		{name: "inner JSON malformed", code: "200", peserta: sealText(`{"peserta":{"nik":`), want: sp.CodeAgencyBadResponse},
		{name: "no peserta", code: "200", peserta: map[string]any{"other": 1}, want: sp.CodeAgencyBadResponse},
		{name: "code not string or number", code: true, want: sp.CodeAgencyBadResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := client(t, fakeGateway(t, tt.code, tt.peserta), devConfig())
			m, err := c.Membership(context.Background(), seed.NIKBudi)
			if tt.want == "" {
				if err != nil || (m != nil) != tt.found {
					t.Fatalf("Membership = %v, %v; want found=%v", m, err, tt.found)
				}
				return
			}
			if code := sp.ErrorCodeOf(err); code != tt.want || m != nil {
				t.Fatalf("Membership = %v, %v; want %s", m, err, tt.want)
			}
			if tt.msg != "" && !strings.Contains(sp.ErrorMessageOf(err), tt.msg) {
				t.Errorf("message %q does not mention %s", sp.ErrorMessageOf(err), tt.msg)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	if err := devConfig().Validate(); err != nil {
		t.Fatalf("dev config: %v", err)
	}
	err := Config{ConsID: "1", UserKey: "k"}.Validate()
	if err == nil {
		t.Fatal("want an error")
	}
	for _, f := range []string{"Secret", "PCareUser", "PCarePassword"} {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not name %s", err, f)
		}
	}
	for _, f := range []string{"ConsID", "UserKey"} {
		if strings.Contains(err.Error(), f) {
			t.Errorf("error %q names %s, which is set", err, f)
		}
	}
	if s := fmt.Sprint(devConfig()); strings.Contains(s, devConfig().Secret) || strings.Contains(s, devConfig().PCarePassword) {
		t.Errorf("Config prints a secret: %s", s)
	}
}

func BenchmarkDecrypt(b *testing.B) {
	// A participant as VClaim sends it.
	plain := `{"peserta":{"cob":{"nmAsuransi":null,"noAsuransi":null,"tglTAT":null,"tglTMT":null},` +
		`"hakKelas":{"keterangan":"KELAS I","kode":"1"},"informasi":{"dinsos":null,"noSKTM":null,"prolanisPRB":null},` +
		`"jenisPeserta":{"keterangan":"PEGAWAI SWASTA","kode":"13"},"mr":{"noMR":null,"noTelepon":"081234567890"},` +
		`"nama":"BUDI SANTOSO","nik":"3174011505800001","noKartu":"0001234567801","pisa":"1",` +
		`"provUmum":{"kdProvider":"0120B012","nmProvider":"PUSKESMAS TEBET"},"sex":"L",` +
		`"statusPeserta":{"keterangan":"AKTIF","kode":"0"},"tglCetakKartu":"2014-01-01","tglLahir":"1980-05-15",` +
		`"tglTAT":"2099-12-31","tglTMT":"2014-01-01",` +
		`"umur":{"umurSaatPelayanan":"45 tahun ,9 bulan ,23 hari","umurSekarang":"45 tahun ,9 bulan ,23 hari"}}}`
	sealed := seal(b, "12345", "dev-bpjs-secret", "1773111600", plain)
	key := responseKey("12345", "dev-bpjs-secret", "1773111600")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decrypt(key, sealed); err != nil {
			b.Fatal(err)
		}
	}
}

// Every participant of a synthetic population, as the simulator answers
// VClaim and PCare (compressed by the library, as BPJS's own gateway
// compresses with the JavaScript original), decrypts to what the library's
// decoder reads.
func TestSimulatorAnswersDecryptAsTheLibrary(t *testing.T) {
	sd := seed.New(fixed)
	sd.AddPopulation(400)
	cfg := devConfig()
	gw := bpjssim.New(sd, bpjssim.Credentials{ConsID: cfg.ConsID, Secret: cfg.Secret, UserKey: cfg.UserKey,
		PCareUser: cfg.PCareUser, PCarePassword: cfg.PCarePassword}, func() time.Time { return fixed })
	ts := fmt.Sprint(fixed.Unix())
	key := responseKey(cfg.ConsID, cfg.Secret, ts)
	answers := 0
	for _, p := range sd.People {
		paths := []string{"/vclaim-rest/Peserta/nik/" + string(p.NIK) + "/tglSEP/2026-03-10"}
		if p.BPJS != nil {
			paths = append(paths, "/pcare-rest/peserta/"+p.BPJS.CardNumber)
		}
		for _, path := range paths {
			r := httptest.NewRequest(http.MethodGet, path, nil)
			r.Header.Set("X-cons-id", cfg.ConsID)
			r.Header.Set("X-timestamp", ts)
			r.Header.Set("X-signature", sign(cfg.ConsID, cfg.Secret, ts))
			r.Header.Set("user_key", cfg.UserKey)
			basic := cfg.PCareUser + ":" + cfg.PCarePassword + ":" + pcareApp
			r.Header.Set("X-authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(basic)))
			w := httptest.NewRecorder()
			gw.ServeHTTP(w, r)
			var env struct{ Response any }
			if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			sealed, ok := env.Response.(string)
			if !ok {
				continue // not a member: no sealed answer
			}
			got, err := decrypt(key, sealed)
			if err != nil {
				t.Fatalf("%s: decrypt: %v", path, err)
			}
			if want := libraryDecrypt(t, key, sealed); string(got) != want {
				t.Fatalf("%s: decrypt = %s; the library reads %s", path, got, want)
			}
			if !json.Valid(got) {
				t.Fatalf("%s: not JSON: %s", path, got)
			}
			answers++
		}
	}
	if answers < 400 {
		t.Errorf("only %d sealed answers compared", answers)
	}
}

// libraryDecrypt opens a response with crypto/aes and the library's
// LZ-String decoder.
func libraryDecrypt(t *testing.T, key []byte, sealed string) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := aes.NewCipher(key)
	cipher.NewCBCDecrypter(block, key[:16]).CryptBlocks(raw, raw)
	raw = raw[:len(raw)-int(raw[len(raw)-1])]
	text, err := lzstring.DecompressFromEncodedURIComponent(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	return text
}
