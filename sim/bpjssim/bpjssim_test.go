package bpjssim

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	lzstring "github.com/daku10/go-lz-string"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/sim/seed"
	"github.com/satupintu/satupintu/sim/simctx"
)

var (
	fixed = time.Date(2026, 3, 10, 3, 0, 0, 0, time.UTC)
	creds = Credentials{ConsID: "12345", Secret: "dev-bpjs-secret", UserKey: "uk", PCareUser: "pc", PCarePassword: "pw"}
)

// The same vector the adapter's tests decrypt, made with Node's crypto and
// the reference JavaScript lz-string.
func TestEncryptVector(t *testing.T) {
	plain := `{"peserta":{"nama":"BUDI SANTOSO","nik":"3174011505800001","noKartu":"0001234567801","statusPeserta":{"kode":"0","keterangan":"AKTIF"}}}`
	want := "GqqOC36FpC1kabLHLGwc5Ij7gcBco3EwSLme220DoIH7eRW6mc+M6HL8RtHo7h5CvSRbgDRaWtw+EdhqMexklF3n2ou0//w6aINUrY7b8680VdggkIZWlxfttohuof6+k8hpJlIAOlRBub5i/HnF4JNCb9AE6YkyHG6MO0RamU6tN9dmT7/POsqMPWoSiL7YoRG1UiuJojzxUPUW4akBpo/ZLMIG6o8eURb26iS0nXA="
	got, err := encrypt("12345", "dev-bpjs-secret", "1773111600", []byte(plain))
	if err != nil || got != want {
		t.Fatalf("encrypt = %s, %v; want %s", got, err, want)
	}
	if sig := signature("12345", "dev-bpjs-secret", "1773111600"); sig != "ji/bZOaF0Ah1kJ3wAw5YkpRnzPUl3NOf1NIzHvsPBIk=" {
		t.Errorf("signature = %s", sig)
	}
}

type reply struct {
	status   int
	code     any
	message  string
	response any
}

// call sends a request signed at fixed, with the PCare header when pcare.
func call(t *testing.T, srv http.Handler, path string, pcare bool, edit func(http.Header)) reply {
	t.Helper()
	ts := strconv.FormatInt(fixed.Unix(), 10)
	r := httptest.NewRequest(http.MethodGet, path, nil)
	r.Header.Set("X-cons-id", creds.ConsID)
	r.Header.Set("X-timestamp", ts)
	r.Header.Set("X-signature", signature(creds.ConsID, creds.Secret, ts))
	r.Header.Set("user_key", creds.UserKey)
	if pcare {
		r.Header.Set("X-authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("pc:pw:095")))
	}
	if edit != nil {
		edit(r.Header)
	}
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, r)
	var env struct {
		MetaData struct {
			Code    any    `json:"code"`
			Message string `json:"message"`
		} `json:"metaData"`
		Response any `json:"response"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &env); err != nil {
		t.Fatalf("%s: body %q: %v", path, w.Body.String(), err)
	}
	return reply{w.Code, env.MetaData.Code, env.MetaData.Message, env.Response}
}

func newServer() *Server {
	return New(seed.New(fixed), creds, func() time.Time { return fixed })
}

func TestErrorsInMetaData(t *testing.T) {
	srv := newServer()
	vclaim := "/vclaim-rest/Peserta/nik/" + string(seed.NIKBudi) + "/tglSEP/2026-03-10"
	pcare := "/pcare-rest/peserta/0003456789012"
	tests := []struct {
		name   string
		path   string
		pcare  bool
		edit   func(http.Header)
		status int
		code   any
	}{
		{"VClaim found", vclaim, false, nil, 200, "200"},
		{"PCare found, numeric code", pcare, true, nil, 200, 200.0},
		{"not a participant", "/vclaim-rest/Peserta/nik/3174015505990009/tglSEP/2026-03-10", false, nil, 200, "201"},
		{"unknown card", "/pcare-rest/peserta/0009999999999", true, nil, 200, 204.0},
		{"NIK not 16 digits", "/vclaim-rest/Peserta/nik/317401/tglSEP/2026-03-10", false, nil, 200, "400"},
		{"bad tglSEP", "/vclaim-rest/Peserta/nik/" + string(seed.NIKBudi) + "/tglSEP/10-03-2026", false, nil, 200, "400"},
		{"card not 13 digits", "/pcare-rest/peserta/12345", true, nil, 200, 400.0},
		{"no headers", vclaim, false, func(h http.Header) { h.Del("X-signature") }, 200, "401"},
		{"wrong cons id", vclaim, false, func(h http.Header) { h.Set("X-cons-id", "1") }, 200, "401"},
		{"wrong user_key", vclaim, false, func(h http.Header) { h.Set("user_key", "x") }, 200, "401"},
		{"bad signature", vclaim, false, func(h http.Header) { h.Set("X-signature", signature("12345", "guess", h.Get("X-timestamp"))) }, 200, "401"},
		{"stale timestamp", vclaim, false, func(h http.Header) {
			ts := strconv.FormatInt(fixed.Add(-301*time.Second).Unix(), 10)
			h.Set("X-timestamp", ts)
			h.Set("X-signature", signature("12345", creds.Secret, ts))
		}, 200, "401"},
		{"PCare without X-authorization", pcare, true, func(h http.Header) { h.Del("X-authorization") }, 200, 401.0},
		{"unknown service", "/antrean/ref/poli", false, nil, 404, "404"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := call(t, srv, tt.path, tt.pcare, tt.edit)
			if got.status != tt.status || got.code != tt.code {
				t.Fatalf("HTTP %d code %#v (%s); want HTTP %d code %#v", got.status, got.code, got.message, tt.status, tt.code)
			}
			if _, sealed := got.response.(string); sealed != (got.message == "OK") {
				t.Errorf("response = %#v with message %q", got.response, got.message)
			}
		})
	}
}

func open(t *testing.T, secret, sealed string) map[string]any {
	t.Helper()
	key := sha256.Sum256([]byte(creds.ConsID + secret + strconv.FormatInt(fixed.Unix(), 10)))
	raw, _ := base64.StdEncoding.DecodeString(sealed)
	block, _ := aes.NewCipher(key[:])
	cipher.NewCBCDecrypter(block, key[:16]).CryptBlocks(raw, raw)
	raw = raw[:len(raw)-int(raw[len(raw)-1])]
	text, err := lzstring.DecompressFromEncodedURIComponent(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		t.Fatalf("%q: %v", text, err)
	}
	return v
}

func TestPCareParticipant(t *testing.T) {
	got := call(t, newServer(), "/pcare-rest/peserta/0003456789012", true, nil)
	p := open(t, creds.Secret, got.response.(string))
	if p["noKartu"] != "0003456789012" || p["aktif"] != false || p["tunggakan"] != 1750000.0 ||
		p["ketAktif"] != "TIDAK AKTIF" || p["tglLahir"] != "03-11-1975" || p["noKTP"] != string(seed.NIKAgus) {
		t.Errorf("peserta = %v", p)
	}
	if prov, _ := p["kdProviderPst"].(map[string]any); prov["kdProvider"] != "1302B005" {
		t.Errorf("kdProviderPst = %v", p["kdProviderPst"])
	}
}

// Corrupt answers 200 OK with a response sealed under another key.
func TestCorrupt(t *testing.T) {
	srv := newServer()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		srv.ServeHTTP(w, r.WithContext(simctx.WithCorrupt(r.Context())))
	})
	got := call(t, h, "/vclaim-rest/Peserta/nik/"+string(seed.NIKBudi)+"/tglSEP/2026-03-10", false, nil)
	if got.code != "200" {
		t.Fatalf("code = %v", got.code)
	}
	fine := call(t, srv, "/vclaim-rest/Peserta/nik/"+string(seed.NIKBudi)+"/tglSEP/2026-03-10", false, nil)
	if got.response == fine.response {
		t.Error("corrupt response equals the good one")
	}
	if p := open(t, creds.Secret, fine.response.(string)); p["peserta"] == nil {
		t.Errorf("good response = %v", p)
	}
}

func TestUmur(t *testing.T) {
	for _, tt := range []struct{ born, on, want string }{
		{"1981-10-10", "2016-11-21", "35 tahun ,1 bulan ,11 hari"},
		{"1980-05-15", "2026-03-10", "45 tahun ,9 bulan ,23 hari"},
		{"2000-02-29", "2026-02-28", "25 tahun ,11 bulan ,30 hari"},
	} {
		born, _ := sp.ParseDate(tt.born)
		on, _ := sp.ParseDate(tt.on)
		if got := vclaimUmur(born, on); got != tt.want {
			t.Errorf("umur(%s, %s) = %q, want %q", tt.born, tt.on, got, tt.want)
		}
	}
}
