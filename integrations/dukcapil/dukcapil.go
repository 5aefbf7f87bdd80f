// Package dukcapil is the adapter of Dukcapil, the civil registry. Its real
// web service is available only by agreement and its schema is not public,
// so satupintu speaks a small, versioned JSON contract (the one sim/ serves).
//
// # Wire contract, version 1
//
// Every request carries X-Api-Key: <key>. Requests are GET; all answers are
// application/json.
//
// GET {base}/api/v1/penduduk/{nik} answers 200 with the citizen:
//
//	{
//	  "nik": "3174011505800001", "no_kk": "3174012003100005",
//	  "nama": "BUDI SANTOSO", "tempat_lahir": "JAKARTA", "tanggal_lahir": "1980-05-15",
//	  "jenis_kelamin": "LAKI-LAKI",            // or "PEREMPUAN"
//	  "agama": "ISLAM", "status_perkawinan": "KAWIN", "pekerjaan": "KARYAWAN SWASTA",
//	  "alamat": {
//	    "jalan": "JL. TEBET BARAT DALAM NO. 12", "rt": "003", "rw": "005",
//	    "kelurahan": {"kode": "31.74.01.1001", "nama": "TEBET BARAT"},
//	    "kecamatan": {"kode": "31.74.01", "nama": "TEBET"},
//	    "kabupaten": {"kode": "31.74", "nama": "KOTA ADM. JAKARTA SELATAN"},
//	    "provinsi":  {"kode": "31", "nama": "DKI JAKARTA"},
//	    "kode_pos": "12810"
//	  }
//	}
//
// Region codes are Kemendagri codes in dotted form; dates are YYYY-MM-DD.
//
// GET {base}/api/v1/kk/{no_kk} answers 200 with the family card, head first:
//
//	{"no_kk": "3174012003100005", "anggota": [
//	  {"nik": "3174011505800001", "nama": "BUDI SANTOSO", "tanggal_lahir": "1980-05-15",
//	   "jenis_kelamin": "LAKI-LAKI", "hubungan": "KEPALA KELUARGA",
//	   "status_perkawinan": "KAWIN"}, ...]}
//
// hubungan is one of KEPALA KELUARGA, SUAMI, ISTRI, ANAK, ORANG TUA, MERTUA,
// CUCU, MENANTU, FAMILI LAIN, PEMBANTU, LAINNYA. status_perkawinan (BELUM
// KAWIN, KAWIN, CERAI HIDUP, CERAI MATI), a column of the printed card,
// was added to version 1 later and may be absent.
//
// Errors are {"error": {"code": "...", "message": "..."}}:
//
//	401 UNAUTHORIZED  X-Api-Key missing or wrong
//	400 BAD_REQUEST   the NIK or KK in the path is not well-formed
//	404 NOT_FOUND     no such citizen or family card
//	404 NO_ROUTE      no such endpoint (any other method or path)
//	5xx               the service is failing; reads are retried
//
// # Adapter behaviour
//
// An unknown citizen is (nil, nil). A 404 that is not NOT_FOUND, a document
// whose NIK or KK is not the one asked, or any malformed number, region
// code, date or enumeration is AGENCY_BAD_RESPONSE; 401/403/400 are
// AGENCY_REJECTED. A family card is read on behalf of one citizen, who must
// be on it: otherwise, and for a card the registry does not know, FORBIDDEN.
package dukcapil

import (
	"context"
	"errors"
	"fmt"
	"strings"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/integrations/agency"
	"github.com/satupintu/satupintu/readmodel"
)

// Config is the key Dukcapil issued to satupintu.
type Config = agency.JSONConfig

// Client reads the civil registry.
type Client struct{ api *agency.JSONAPI }

var _ readmodel.CivilRegistry = (*Client)(nil)

// New returns the adapter over c, the Dukcapil agency client. cfg must be valid.
func New(c *agency.Client, cfg Config) *Client { return &Client{api: agency.NewJSONAPI(c, cfg)} }

// Citizen reads the civil record of nik; nil, nil when the registry does
// not know it.
func (cl *Client) Citizen(ctx context.Context, nik sp.NIK) (*readmodel.Citizen, error) {
	return agency.ReadJSON(ctx, cl.api, agency.JSONRead{Citizen: nik, Kind: "citizen",
		Path: "api/v1/penduduk/" + string(nik), What: "citizen record"}, penduduk.citizen)
}

// Family reads family card kk on behalf of nik, who must be a member of it.
// The cache holds the card under nik; the member check after the read
// guarantees a card cached for nik is never returned for another kk.
func (cl *Client) Family(ctx context.Context, nik sp.NIK, kk sp.KK) (*readmodel.Family, error) {
	if err := agency.CheckNIK(nik); err != nil {
		return nil, err
	}
	if _, err := sp.ParseKK(string(kk)); err != nil {
		return nil, sp.Errorf(sp.CodeInvalidInput, "invalid family card number: %v", err)
	}
	fam, err := agency.ReadJSON(ctx, cl.api, agency.JSONRead{Citizen: nik, Kind: "family",
		Path: "api/v1/kk/" + string(kk), What: "family card",
		// Not cached (an error): an unknown card must not displace the
		// citizen's own card in the cache.
		NotFound: notMember,
	}, func(w kartuKeluarga, nik sp.NIK) (*readmodel.Family, error) {
		f, err := w.family(kk)
		if err != nil {
			return nil, err
		}
		if !member(f, nik) {
			return nil, notMember()
		}
		return f, nil
	})
	if err != nil {
		return nil, err
	}
	if fam == nil || fam.KK != kk || !member(fam, nik) {
		return nil, notMember()
	}
	return fam, nil
}

func notMember() error {
	return sp.Errorf(sp.CodeForbidden, "a citizen may only read the family card they are on")
}

func member(f *readmodel.Family, nik sp.NIK) bool {
	for _, m := range f.Members {
		if m.NIK == nik {
			return true
		}
	}
	return false
}

// Wire shapes of contract v1.
type wilayah struct {
	Kode string `json:"kode"`
	Nama string `json:"nama"`
}

type alamat struct {
	Jalan     string  `json:"jalan"`
	RT        string  `json:"rt"`
	RW        string  `json:"rw"`
	Kelurahan wilayah `json:"kelurahan"`
	Kecamatan wilayah `json:"kecamatan"`
	Kabupaten wilayah `json:"kabupaten"`
	Provinsi  wilayah `json:"provinsi"`
	KodePos   string  `json:"kode_pos"`
}

type penduduk struct {
	NIK              string `json:"nik"`
	NoKK             string `json:"no_kk"`
	Nama             string `json:"nama"`
	TempatLahir      string `json:"tempat_lahir"`
	TanggalLahir     string `json:"tanggal_lahir"`
	JenisKelamin     string `json:"jenis_kelamin"`
	Agama            string `json:"agama"`
	StatusPerkawinan string `json:"status_perkawinan"`
	Pekerjaan        string `json:"pekerjaan"`
	Alamat           alamat `json:"alamat"`
}

type anggota struct {
	NIK              string `json:"nik"`
	Nama             string `json:"nama"`
	TanggalLahir     string `json:"tanggal_lahir"`
	JenisKelamin     string `json:"jenis_kelamin"`
	Hubungan         string `json:"hubungan"`
	StatusPerkawinan string `json:"status_perkawinan"` // optional
}

type kartuKeluarga struct {
	NoKK    string    `json:"no_kk"`
	Anggota []anggota `json:"anggota"`
}

// citizen checks and converts the record asked for nik.
func (p penduduk) citizen(nik sp.NIK) (*readmodel.Citizen, error) {
	if p.NIK != string(nik) {
		return nil, errors.New("nik is not the one asked")
	}
	kk, err := sp.ParseKK(p.NoKK)
	if err != nil {
		return nil, fmt.Errorf("no_kk: %w", err)
	}
	if strings.TrimSpace(p.Nama) == "" {
		return nil, errors.New("nama is empty")
	}
	born, err := sp.ParseDate(p.TanggalLahir)
	if err != nil {
		return nil, fmt.Errorf("tanggal_lahir: %w", err)
	}
	sex, err := parseSex(p.JenisKelamin)
	if err != nil {
		return nil, err
	}
	addr, err := p.Alamat.address()
	if err != nil {
		return nil, err
	}
	return &readmodel.Citizen{
		NIK: nik, KK: kk, Name: p.Nama, BirthPlace: p.TempatLahir, BirthDate: born, Sex: sex,
		Religion: p.Agama, MaritalStatus: p.StatusPerkawinan, Occupation: p.Pekerjaan, Address: addr,
	}, nil
}

// address checks each region code's level and that each lies inside the
// next one up (kelurahan 31.74.01.1001 in kecamatan 31.74.01, ...).
func (a alamat) address() (readmodel.Address, error) {
	levels := []struct {
		name  string
		w     wilayah
		level sp.RegionLevel
	}{
		{"provinsi", a.Provinsi, sp.RegionProvince},
		{"kabupaten", a.Kabupaten, sp.RegionRegency},
		{"kecamatan", a.Kecamatan, sp.RegionDistrict},
		{"kelurahan", a.Kelurahan, sp.RegionVillage},
	}
	regions := make([]readmodel.Region, len(levels))
	for i, l := range levels {
		code, err := sp.ParseRegionCode(l.w.Kode)
		if err != nil {
			return readmodel.Address{}, fmt.Errorf("alamat.%s.kode: %w", l.name, err)
		}
		if code.Level() != l.level {
			return readmodel.Address{}, fmt.Errorf("alamat.%s.kode %q is not a %s code", l.name, code, l.level)
		}
		if i > 0 && !strings.HasPrefix(string(code), string(regions[i-1].Code)+".") {
			return readmodel.Address{}, fmt.Errorf("alamat.%s.kode %q is not inside %s", l.name, code, regions[i-1].Code)
		}
		regions[i] = readmodel.Region{Code: code, Name: l.w.Nama}
	}
	return readmodel.Address{
		Street: a.Jalan, RT: a.RT, RW: a.RW,
		Province: regions[0], Regency: regions[1], District: regions[2], Village: regions[3],
		PostalCode: a.KodePos,
	}, nil
}

// family checks and converts the card asked as kk.
func (k kartuKeluarga) family(kk sp.KK) (*readmodel.Family, error) {
	if k.NoKK != string(kk) {
		return nil, errors.New("no_kk is not the one asked")
	}
	if len(k.Anggota) == 0 {
		return nil, errors.New("the card has no members")
	}
	f := &readmodel.Family{KK: kk, Members: make([]readmodel.FamilyMember, 0, len(k.Anggota))}
	for i, a := range k.Anggota {
		nik, err := sp.ParseNIK(a.NIK)
		if err != nil {
			return nil, fmt.Errorf("anggota[%d].nik: %w", i, err)
		}
		born, err := sp.ParseDate(a.TanggalLahir)
		if err != nil {
			return nil, fmt.Errorf("anggota[%d].tanggal_lahir: %w", i, err)
		}
		sex, err := parseSex(a.JenisKelamin)
		if err != nil {
			return nil, fmt.Errorf("anggota[%d]: %w", i, err)
		}
		rel, ok := relationships[a.Hubungan]
		if !ok {
			return nil, fmt.Errorf("anggota[%d].hubungan %q is not a known relationship", i, a.Hubungan)
		}
		f.Members = append(f.Members, readmodel.FamilyMember{NIK: nik, Name: a.Nama, BirthDate: born, Sex: sex, Relationship: rel,
			MaritalStatus: strings.TrimSpace(a.StatusPerkawinan)})
	}
	return f, nil
}

// relationships maps the family card's "status hubungan dalam keluarga".
var relationships = map[string]readmodel.Relationship{
	"KEPALA KELUARGA": readmodel.RelationshipHead,
	"SUAMI":           readmodel.RelationshipSpouse,
	"ISTRI":           readmodel.RelationshipSpouse,
	"ANAK":            readmodel.RelationshipChild,
	"ORANG TUA":       readmodel.RelationshipParent,
	"MERTUA":          readmodel.RelationshipParent,
	"CUCU":            readmodel.RelationshipGrandchild,
	"MENANTU":         readmodel.RelationshipOther,
	"FAMILI LAIN":     readmodel.RelationshipOther,
	"PEMBANTU":        readmodel.RelationshipOther,
	"LAINNYA":         readmodel.RelationshipOther,
}

func parseSex(s string) (readmodel.Sex, error) {
	switch s {
	case "LAKI-LAKI":
		return readmodel.SexMale, nil
	case "PEREMPUAN":
		return readmodel.SexFemale, nil
	}
	return "", fmt.Errorf("jenis_kelamin %q is neither LAKI-LAKI nor PEREMPUAN", s)
}

// Forget deletes the cached copies of nik's records, every kind this
// adapter reads (a citizen's erasure: privacy.CacheForgetter).
func (cl *Client) Forget(ctx context.Context, nik sp.NIK) (int, error) {
	return cl.api.Forget(ctx, nik, "citizen", "family")
}
