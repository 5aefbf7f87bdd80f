// Package bpjssim simulates BPJS Kesehatan's web services, VClaim and
// PCare, behind one gateway as on apijkn (paths relative to where it is
// mounted):
//
//	GET /vclaim-rest/Peserta/nik/{nik}/tglSEP/{yyyy-MM-dd}
//	GET /pcare-rest/peserta/{noKartu}
//
// Every call carries X-cons-id, X-timestamp, X-signature and user_key; PCare
// adds X-authorization. Like BPJS, it answers HTTP 200 whatever happens and
// puts the outcome in metaData: "200" with the response encrypted, "201"
// not found, "401" refused, "400" bad parameters. VClaim writes
// metaData.code as a string, PCare as a number.
package bpjssim

import (
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/readmodel"
	"github.com/satupintu/satupintu/sim/seed"
	"github.com/satupintu/satupintu/sim/simctx"
)

// MaxSkew is how far X-timestamp may be from the gateway's clock.
const MaxSkew = 300 * time.Second

// pcareApp is the application code PCare appends to its Basic credentials.
const pcareApp = "095"

// Credentials are what the gateway demands of every call.
type Credentials struct {
	ConsID, Secret, UserKey  string
	PCareUser, PCarePassword string
}

// Server is the BPJS gateway over the seed.
type Server struct {
	seed  *seed.Seed
	creds Credentials
	now   func() time.Time
	mux   *http.ServeMux
}

// New builds the gateway. now is the gateway's clock: X-timestamp is
// checked against it.
func New(sd *seed.Seed, creds Credentials, now func() time.Time) *Server {
	s := &Server{seed: sd, creds: creds, now: now, mux: http.NewServeMux()}
	s.mux.HandleFunc("GET /vclaim-rest/Peserta/nik/{nik}/tglSEP/{tglSEP}", s.call(false, s.vclaimPeserta))
	s.mux.HandleFunc("GET /pcare-rest/peserta/{noKartu}", s.call(true, s.pcarePeserta))
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeEnvelope(w, http.StatusNotFound, false, 404, "Service tidak ditemukan", nil)
	})
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// answer is what a BPJS service decides: a metaData code and message
// and, with code 200, the payload to encrypt.
type answer struct {
	code    int
	message string
	payload any
}

// call checks a request's credentials, runs the service and writes its
// answer in the envelope, encrypted with the key of the request's timestamp.
func (s *Server) call(pcare bool, service func(*http.Request) answer) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		timestamp, refusal := s.refusal(r, pcare)
		if refusal != "" {
			writeEnvelope(w, http.StatusOK, pcare, 401, refusal, nil)
			return
		}
		a := service(r)
		if a.code != 200 {
			writeEnvelope(w, http.StatusOK, pcare, a.code, a.message, nil)
			return
		}
		plain, err := json.Marshal(a.payload)
		if err != nil {
			writeEnvelope(w, http.StatusInternalServerError, pcare, 500, "Internal server error", nil)
			return
		}
		secret := s.creds.Secret
		if simctx.Corrupt(r.Context()) {
			secret += "-wrong" // well-formed, but sealed with a key the caller cannot derive
		}
		sealed, err := encrypt(s.creds.ConsID, secret, timestamp, plain)
		if err != nil {
			writeEnvelope(w, http.StatusInternalServerError, pcare, 500, "Internal server error", nil)
			return
		}
		writeEnvelope(w, http.StatusOK, pcare, 200, "OK", sealed)
	}
}

// refusal checks the gateway headers and returns the request's
// timestamp, or the reason it is refused. Secrets are compared in constant
// time.
func (s *Server) refusal(r *http.Request, pcare bool) (timestamp, refusal string) {
	c := s.creds
	consID := r.Header.Get("X-cons-id")
	timestamp = r.Header.Get("X-timestamp")
	sig := r.Header.Get("X-signature")
	userKey := r.Header.Get("user_key")
	if consID == "" || timestamp == "" || sig == "" || userKey == "" {
		return "", "Header X-cons-id, X-timestamp, X-signature dan user_key wajib diisi"
	}
	if !equal(consID, c.ConsID) {
		return "", "Consumer ID tidak terdaftar"
	}
	if !equal(userKey, c.UserKey) {
		return "", "User key tidak valid"
	}
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil || s.now().Sub(time.Unix(sec, 0)).Abs() > MaxSkew {
		return "", "Timestamp tidak valid atau sudah kedaluwarsa"
	}
	if !equal(sig, signature(consID, c.Secret, timestamp)) {
		return "", "Signature tidak valid"
	}
	if pcare {
		want := "Basic " + base64.StdEncoding.EncodeToString([]byte(c.PCareUser+":"+c.PCarePassword+":"+pcareApp))
		if !equal(r.Header.Get("X-authorization"), want) {
			return "", "Username atau password PCare tidak valid"
		}
	}
	return timestamp, ""
}

func equal(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// envelope is the answer of every BPJS service. Code is a string for
// VClaim and a number for PCare.
type envelope struct {
	MetaData meta `json:"metaData"`
	Response any  `json:"response"`
}

type meta struct {
	Code    any    `json:"code"`
	Message string `json:"message"`
}

func writeEnvelope(w http.ResponseWriter, status int, pcare bool, code int, message string, response any) {
	m := meta{Code: strconv.Itoa(code), Message: message}
	if pcare {
		m.Code = code
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(envelope{MetaData: m, Response: response})
}

// vclaimPeserta answers a participant by NIK.
func (s *Server) vclaimPeserta(r *http.Request) answer {
	nik, err := sp.ParseNIK(r.PathValue("nik"))
	if err != nil {
		return answer{code: 400, message: "NIK tidak sesuai format (16 digit)"}
	}
	tglSEP, err := sp.ParseDate(r.PathValue("tglSEP"))
	if err != nil {
		return answer{code: 400, message: "Format tanggal SEP tidak sesuai (yyyy-MM-dd)"}
	}
	p := s.seed.ByNIK(nik)
	if p == nil || p.BPJS == nil {
		return answer{code: 201, message: "Peserta tidak ditemukan"}
	}
	return answer{code: 200, message: "OK", payload: map[string]any{"peserta": vclaimParticipant(p, tglSEP, sp.DateOf(s.now()))}}
}

type vclaimCode struct {
	Keterangan string `json:"keterangan"`
	Kode       string `json:"kode"`
}

type vclaimProvider struct {
	KdProvider string `json:"kdProvider"`
	NmProvider string `json:"nmProvider"`
}

type vclaimPerson struct {
	COB           map[string]any    `json:"cob"`
	HakKelas      vclaimCode        `json:"hakKelas"`
	Informasi     map[string]any    `json:"informasi"`
	JenisPeserta  vclaimCode        `json:"jenisPeserta"`
	MR            map[string]any    `json:"mr"`
	Nama          string            `json:"nama"`
	NIK           string            `json:"nik"`
	NoKartu       string            `json:"noKartu"`
	Pisa          string            `json:"pisa"`
	ProvUmum      vclaimProvider    `json:"provUmum"`
	Sex           string            `json:"sex"`
	StatusPeserta vclaimCode        `json:"statusPeserta"`
	TglCetakKartu string            `json:"tglCetakKartu"`
	TglLahir      string            `json:"tglLahir"`
	TglTAT        string            `json:"tglTAT"`
	TglTMT        string            `json:"tglTMT"`
	Umur          map[string]string `json:"umur"`
}

func vclaimParticipant(p *seed.Person, tglSEP, today sp.Date) vclaimPerson {
	m := p.BPJS.Membership
	var phone any
	if p.BPJS.Phone != "" {
		phone = p.BPJS.Phone
	}
	return vclaimPerson{
		COB:           map[string]any{"nmAsuransi": nil, "noAsuransi": nil, "tglTAT": nil, "tglTMT": nil},
		HakKelas:      vclaimCode{Kode: m.Class.Code, Keterangan: m.Class.Label},
		Informasi:     map[string]any{"dinsos": nil, "noSKTM": nil, "prolanisPRB": nil},
		JenisPeserta:  vclaimCode{Kode: m.ParticipantType.Code, Keterangan: m.ParticipantType.Label},
		MR:            map[string]any{"noMR": nil, "noTelepon": phone},
		Nama:          p.Name,
		NIK:           string(p.NIK),
		NoKartu:       m.CardNumber,
		Pisa:          vclaimPisa(p.Relationship),
		ProvUmum:      vclaimProvider{KdProvider: m.PrimaryClinic.Code, NmProvider: m.PrimaryClinic.Label},
		Sex:           sex(p.Sex),
		StatusPeserta: vclaimCode{Kode: m.Status.Code, Keterangan: m.Status.Label},
		TglCetakKartu: m.CoverageStart.String(),
		TglLahir:      p.BirthDate.String(),
		TglTAT:        m.CoverageEnd.String(),
		TglTMT:        m.CoverageStart.String(),
		Umur: map[string]string{
			"umurSaatPelayanan": vclaimUmur(p.BirthDate, tglSEP),
			"umurSekarang":      vclaimUmur(p.BirthDate, today),
		},
	}
}

// pcarePeserta answers a participant by card number, with arrears.
func (s *Server) pcarePeserta(r *http.Request) answer {
	card := r.PathValue("noKartu")
	if len(card) != 13 || !digits(card) {
		return answer{code: 400, message: "Nomor kartu harus 13 digit"}
	}
	var p *seed.Person
	for _, q := range s.seed.People {
		if q.BPJS != nil && q.BPJS.CardNumber == card {
			p = q
			break
		}
	}
	if p == nil {
		// Not established how PCare words this; 204 NO_CONTENT is its empty answer elsewhere.
		return answer{code: 204, message: "Peserta tidak ditemukan"}
	}
	return answer{code: 200, message: "OK", payload: pcareParticipant(p)}
}

type pcareCode struct {
	Nama string `json:"nama"`
	Kode string `json:"kode"`
}

type pcareProvider struct {
	KdProvider *string `json:"kdProvider"`
	NmProvider *string `json:"nmProvider"`
}

type pcarePerson struct {
	NoKartu          string         `json:"noKartu"`
	Nama             string         `json:"nama"`
	HubunganKeluarga string         `json:"hubunganKeluarga"`
	Sex              string         `json:"sex"`
	TglLahir         string         `json:"tglLahir"`
	TglMulaiAktif    string         `json:"tglMulaiAktif"`
	TglAkhirBerlaku  string         `json:"tglAkhirBerlaku"`
	KdProviderPst    pcareProvider  `json:"kdProviderPst"`
	KdProviderGigi   pcareProvider  `json:"kdProviderGigi"`
	JnsKelas         pcareCode      `json:"jnsKelas"`
	JnsPeserta       pcareCode      `json:"jnsPeserta"`
	GolDarah         string         `json:"golDarah"`
	NoHP             string         `json:"noHP"`
	NoKTP            string         `json:"noKTP"`
	PstProl          string         `json:"pstProl"`
	PstPrb           string         `json:"pstPrb"`
	Aktif            bool           `json:"aktif"`
	KetAktif         string         `json:"ketAktif"`
	Asuransi         map[string]any `json:"asuransi"`
	Tunggakan        int64          `json:"tunggakan"`
}

func pcareParticipant(p *seed.Person) pcarePerson {
	m := p.BPJS.Membership
	ket := "AKTIF"
	if !m.Active() {
		ket = "TIDAK AKTIF"
	}
	return pcarePerson{
		NoKartu:          m.CardNumber,
		Nama:             p.Name,
		HubunganKeluarga: pcareHubungan(p),
		Sex:              sex(p.Sex),
		TglLahir:         pcareDate(p.BirthDate),
		TglMulaiAktif:    pcareDate(m.CoverageStart),
		TglAkhirBerlaku:  pcareDate(m.CoverageEnd),
		KdProviderPst:    pcareProvider{KdProvider: &m.PrimaryClinic.Code, NmProvider: &m.PrimaryClinic.Label},
		JnsKelas:         pcareCode{Kode: m.Class.Code, Nama: m.Class.Label},
		JnsPeserta:       pcareCode{Kode: m.ParticipantType.Code, Nama: m.ParticipantType.Label},
		GolDarah:         "0",
		NoHP:             p.BPJS.Phone,
		NoKTP:            string(p.NIK),
		Aktif:            m.Active(),
		KetAktif:         ket,
		Asuransi:         map[string]any{"kdAsuransi": nil, "nmAsuransi": nil, "noAsuransi": nil, "cob": false},
		Tunggakan:        m.Arrears,
	}
}

func sex(s readmodel.Sex) string {
	if s == readmodel.SexFemale {
		return "P"
	}
	return "L"
}

// pisa is VClaim's family position: 1 participant, 2 spouse, 3 child.
func vclaimPisa(r readmodel.Relationship) string {
	switch r {
	case readmodel.RelationshipSpouse:
		return "2"
	case readmodel.RelationshipChild:
		return "3"
	}
	return "1"
}

func pcareHubungan(p *seed.Person) string {
	switch p.Relationship {
	case readmodel.RelationshipSpouse:
		if p.Sex == readmodel.SexFemale {
			return "Istri"
		}
		return "Suami"
	case readmodel.RelationshipChild:
		return "Anak"
	}
	return "Peserta"
}

// pcareDate is PCare's date form, dd-MM-yyyy.
func pcareDate(d sp.Date) string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%02d-%02d-%04d", d.Day, d.Month, d.Year)
}

// umur is VClaim's age text, "35 tahun ,1 bulan ,11 hari".
func vclaimUmur(born, on sp.Date) string {
	y := on.Year - born.Year
	m := int(on.Month) - int(born.Month)
	d := on.Day - born.Day
	if d < 0 {
		m--
		d += time.Date(on.Year, on.Month, 0, 0, 0, 0, 0, time.UTC).Day() // days in the month before
	}
	if m < 0 {
		y--
		m += 12
	}
	return fmt.Sprintf("%d tahun ,%d bulan ,%d hari", y, m, d)
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
