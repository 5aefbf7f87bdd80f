package sim

import (
	"net/http"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/readmodel"
	"github.com/satupintu/satupintu/sim/seed"
	"github.com/satupintu/satupintu/sim/simctx"
)

// mountDukcapil mounts the civil-registry simulator. Dukcapil's own web
// service schema is not public; this is the small JSON contract documented
// in package integrations/dukcapil:
//
//	GET /api/v1/penduduk/{nik}  the citizen
//	GET /api/v1/kk/{kk}         the family card and its members
//
// Every request needs X-Api-Key; errors are {"error":{"code","message"}}.
func (s *Sandbox) mountDukcapil() {
	s.mountJSON(sp.AgencyDukcapil, s.Creds.DukcapilKey, routes{
		"GET /api/v1/penduduk/{nik}": s.dukcapilCitizen,
		"GET /api/v1/kk/{kk}":        s.dukcapilFamily,
	})
}

// Wire shapes of the Dukcapil contract, in the registry's Indonesian terms.
type dukcapilRegion struct {
	Kode string `json:"kode"`
	Nama string `json:"nama"`
}

type dukcapilAddress struct {
	Jalan     string         `json:"jalan"`
	RT        string         `json:"rt"`
	RW        string         `json:"rw"`
	Kelurahan dukcapilRegion `json:"kelurahan"`
	Kecamatan dukcapilRegion `json:"kecamatan"`
	Kabupaten dukcapilRegion `json:"kabupaten"`
	Provinsi  dukcapilRegion `json:"provinsi"`
	KodePos   string         `json:"kode_pos"`
}

type dukcapilPenduduk struct {
	NIK              string          `json:"nik"`
	NoKK             string          `json:"no_kk"`
	Nama             string          `json:"nama"`
	TempatLahir      string          `json:"tempat_lahir"`
	TanggalLahir     string          `json:"tanggal_lahir"`
	JenisKelamin     string          `json:"jenis_kelamin"`
	Agama            string          `json:"agama"`
	StatusPerkawinan string          `json:"status_perkawinan"`
	Pekerjaan        string          `json:"pekerjaan"`
	Alamat           dukcapilAddress `json:"alamat"`
}

type dukcapilAnggota struct {
	NIK              string `json:"nik"`
	Nama             string `json:"nama"`
	TanggalLahir     string `json:"tanggal_lahir"`
	JenisKelamin     string `json:"jenis_kelamin"`
	Hubungan         string `json:"hubungan"`
	StatusPerkawinan string `json:"status_perkawinan"`
}

type dukcapilKK struct {
	NoKK    string            `json:"no_kk"`
	Anggota []dukcapilAnggota `json:"anggota"`
}

func (s *Sandbox) dukcapilCitizen(w http.ResponseWriter, r *http.Request) {
	nik, ok := pathNIK(w, r, "nik")
	if !ok {
		return
	}
	p := s.Seed.ByNIK(nik)
	if p == nil {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "NIK tidak terdaftar")
		return
	}
	if simctx.Corrupt(r.Context()) {
		writeJSON(w, http.StatusOK, legacyPage(legacyRow(p)))
		return
	}
	a := p.Address
	writeJSON(w, http.StatusOK, dukcapilPenduduk{
		NIK: string(p.NIK), NoKK: string(p.KK), Nama: p.Name,
		TempatLahir: p.BirthPlace, TanggalLahir: p.BirthDate.String(), JenisKelamin: jenisKelamin(p.Sex),
		Agama: p.Religion, StatusPerkawinan: p.MaritalStatus, Pekerjaan: p.Occupation,
		Alamat: dukcapilAddress{
			Jalan: a.Street, RT: a.RT, RW: a.RW,
			Kelurahan: region(a.Village), Kecamatan: region(a.District),
			Kabupaten: region(a.Regency), Provinsi: region(a.Province),
			KodePos: a.PostalCode,
		},
	})
}

func (s *Sandbox) dukcapilFamily(w http.ResponseWriter, r *http.Request) {
	kk, err := sp.ParseKK(r.PathValue("kk"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "BAD_REQUEST", "kk must be a valid 16-digit family card number")
		return
	}
	members := s.Seed.Family(kk)
	if len(members) == 0 {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "nomor KK tidak terdaftar")
		return
	}
	if simctx.Corrupt(r.Context()) {
		rows := make([]map[string]string, 0, len(members))
		for _, m := range members {
			rows = append(rows, legacyRow(m))
		}
		writeJSON(w, http.StatusOK, legacyPage(rows...))
		return
	}
	card := dukcapilKK{NoKK: string(kk), Anggota: make([]dukcapilAnggota, 0, len(members))}
	for _, m := range members {
		card.Anggota = append(card.Anggota, dukcapilAnggota{
			NIK: string(m.NIK), Nama: m.Name, TanggalLahir: m.BirthDate.String(),
			JenisKelamin: jenisKelamin(m.Sex), Hubungan: hubungan(m), StatusPerkawinan: m.MaritalStatus,
		})
	}
	writeJSON(w, http.StatusOK, card)
}

func region(r readmodel.Region) dukcapilRegion {
	return dukcapilRegion{Kode: string(r.Code), Nama: r.Name}
}

func jenisKelamin(s readmodel.Sex) string {
	if s == readmodel.SexFemale {
		return "PEREMPUAN"
	}
	return "LAKI-LAKI"
}

// hubungan is the "status hubungan dalam keluarga" column of a family card.
func hubungan(p *seed.Person) string {
	switch p.Relationship {
	case readmodel.RelationshipHead:
		return "KEPALA KELUARGA"
	case readmodel.RelationshipSpouse:
		if p.Sex == readmodel.SexFemale {
			return "ISTRI"
		}
		return "SUAMI"
	case readmodel.RelationshipChild:
		return "ANAK"
	case readmodel.RelationshipParent:
		return "ORANG TUA"
	case readmodel.RelationshipGrandchild:
		return "CUCU"
	}
	return "FAMILI LAIN"
}

// The Corrupt fault answers in the shape of an older paged Dukcapil
// service: valid JSON, upper-case columns inside "content", nothing where
// the v1 contract puts it.
func legacyRow(p *seed.Person) map[string]string {
	return map[string]string{
		"NIK": string(p.NIK), "NO_KK": string(p.KK), "NAMA_LGKP": p.Name,
		"TGL_LHR": p.BirthDate.String(), "JENIS_KLMIN": jenisKelamin(p.Sex),
	}
}

func legacyPage(rows ...map[string]string) map[string]any {
	return map[string]any{"content": rows, "lastPage": true, "numberOfElements": len(rows)}
}
