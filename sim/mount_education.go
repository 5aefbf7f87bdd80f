package sim

import (
	"net/http"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/readmodel"
	"github.com/satupintu/satupintu/sim/seed"
	"github.com/satupintu/satupintu/sim/simctx"
)

// mountEducation mounts the education simulator: Dapodik student records
// with their PIP (Smart Indonesia Programme) status. There is no public API;
// this is the JSON contract documented in package integrations/education:
//
//	GET /api/v1/students?nik={nik}  the person's own record and their children's
//
// Every request needs X-Api-Key; errors are {"error":{"code","message"}}.
func (s *Sandbox) mountEducation() {
	s.mountJSON(sp.AgencyEducation, s.Creds.EducationKey, routes{"GET /api/v1/students": s.educationStudents})
}

type educationSchool struct {
	NPSN  string `json:"npsn"`
	Name  string `json:"name"`
	Level string `json:"level"`
}

type educationPIP struct {
	KIPNumber    string  `json:"kipNumber"`
	Eligible     bool    `json:"eligible"` // "Layak PIP"
	Stage        string  `json:"stage"`    // NOMINATED (SK Nominasi), PAID (SK Pemberian), WITHDRAWN
	Deadline     *string `json:"deadline"` // account activation deadline while NOMINATED, else null
	AnnualAmount int64   `json:"annualAmount"`
	Bank         string  `json:"bank"`
}

type educationStudent struct {
	NISN      string          `json:"nisn"`
	NIK       string          `json:"nik"`
	Name      string          `json:"name"`
	BirthDate string          `json:"birthDate"`
	Relation  string          `json:"relation"` // SELF or CHILD, relative to the nik asked
	School    educationSchool `json:"school"`
	Grade     int             `json:"grade"`
	ClassName string          `json:"className"`
	PIP       *educationPIP   `json:"pip"`
}

type educationStudents struct {
	Students []educationStudent `json:"students"`
}

func (s *Sandbox) educationStudents(w http.ResponseWriter, r *http.Request) {
	nik, err := sp.ParseNIK(r.URL.Query().Get("nik"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "BAD_REQUEST", "query parameter nik must be a valid 16-digit NIK")
		return
	}
	// A NIK Dapodik does not know, as pupil or parent, simply has no records.
	out := educationStudents{Students: []educationStudent{}}
	if p := s.Seed.ByNIK(nik); p != nil {
		if p.Student != nil {
			out.Students = append(out.Students, studentOf(p, readmodel.StudentSelf))
		}
		for _, c := range s.Seed.Children(p) {
			if c.Student != nil {
				out.Students = append(out.Students, studentOf(c, readmodel.StudentChild))
			}
		}
	}
	if simctx.Corrupt(r.Context()) {
		writeJSON(w, http.StatusOK, legacyDapodik(out.Students))
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func studentOf(p *seed.Person, rel readmodel.StudentRelation) educationStudent {
	st := p.Student
	out := educationStudent{
		NISN: string(st.NISN), NIK: string(p.NIK), Name: p.Name, BirthDate: p.BirthDate.String(),
		Relation:  string(rel),
		School:    educationSchool{NPSN: st.SchoolNPSN, Name: st.SchoolName, Level: string(st.Level)},
		Grade:     st.Grade,
		ClassName: st.ClassName,
	}
	if pip := st.PIP; pip != nil {
		out.PIP = &educationPIP{KIPNumber: pip.KIPNumber, Eligible: pip.Eligible, Stage: string(pip.Stage),
			AnnualAmount: pip.AnnualAmount, Bank: pip.Bank}
		if !pip.Deadline.IsZero() {
			d := pip.Deadline.String()
			out.PIP.Deadline = &d
		}
	}
	return out
}

// legacyDapodik is the Corrupt fault's answer: valid JSON in the shape of a
// Dapodik table export, with no "students" list.
func legacyDapodik(students []educationStudent) map[string]any {
	rows := make([]map[string]any, 0, len(students))
	for _, st := range students {
		rows = append(rows, map[string]any{
			"nisn": st.NISN, "nama": st.Name, "tanggal_lahir": st.BirthDate,
			"nama_rombel": st.ClassName, "tingkat_pendidikan_id": st.Grade, "sekolah_id": st.School.NPSN,
		})
	}
	return map[string]any{"status": "OK", "data": rows}
}
