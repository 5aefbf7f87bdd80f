// Package education is the adapter of the education registry: Dapodik
// student records and their PIP/KIP (Smart Indonesia Programme) status.
// There is no public API, so satupintu speaks a small, versioned JSON
// contract (the one sim/ serves).
//
// # Wire contract, version 1
//
// Every request carries X-Api-Key: <key>. Requests are GET; all answers are
// application/json.
//
// GET {base}/api/v1/students?nik={nik} answers 200 with the student records
// of nik: their own (relation SELF) and those of the children on the family
// card of which nik is head or spouse (relation CHILD). A NIK that Dapodik
// knows neither as pupil nor as parent answers 200 {"students": []}.
//
//	{"students": [{
//	  "nisn": "0123456781", "nik": "3174012103120003", "name": "RIZKY SANTOSO",
//	  "birthDate": "2012-03-21", "relation": "CHILD",
//	  "school": {"npsn": "20102345", "name": "SMP NEGERI 73 JAKARTA", "level": "SMP"},
//	  "grade": 8, "className": "VIII-B",
//	  "pip": {                              // null when the pupil has no PIP
//	    "kipNumber": "512734",
//	    "eligible": true,                   // "Layak PIP"
//	    "stage": "NOMINATED",               // NOMINATED (SK Nominasi), PAID (SK Pemberian), WITHDRAWN
//	    "deadline": "2026-04-01",           // account activation deadline; null unless NOMINATED
//	    "annualAmount": 750000,             // rupiah a year
//	    "bank": "BANK BNI"
//	  }
//	}]}
//
// level is SD, SMP, SMA or SMK; grade 1-13; dates are YYYY-MM-DD.
//
// Errors are {"error": {"code": "...", "message": "..."}}:
//
//	401 UNAUTHORIZED  X-Api-Key missing or wrong
//	400 BAD_REQUEST   nik missing or not a well-formed NIK
//	404 NO_ROUTE      no such endpoint (any other method or path)
//	5xx               the service is failing; reads are retried
//
// # Adapter behaviour
//
// No records is an empty list, not an error. A missing "students" list, a
// malformed NISN, NIK, date, level, relation or stage, a SELF record for
// another NIK or a CHILD record for the NIK asked, or a NOMINATED stage
// without a deadline is AGENCY_BAD_RESPONSE; 401/403/400 are
// AGENCY_REJECTED; any 404 is AGENCY_BAD_RESPONSE (this endpoint has no
// "not found").
package education

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/integrations/agency"
	"github.com/satupintu/satupintu/readmodel"
)

// Config is the key the education registry issued to satupintu.
type Config = agency.JSONConfig

// Client reads the education registry.
type Client struct{ api *agency.JSONAPI }

var _ readmodel.Schools = (*Client)(nil)

// New returns the adapter over c, the education agency client. cfg must be valid.
func New(c *agency.Client, cfg Config) *Client { return &Client{api: agency.NewJSONAPI(c, cfg)} }

// Students reads the student records of nik and of their children; an
// empty list when there are none.
func (cl *Client) Students(ctx context.Context, nik sp.NIK) ([]readmodel.StudentRecord, error) {
	return agency.ReadJSON(ctx, cl.api, agency.JSONRead{Citizen: nik, Kind: "students",
		Path: "api/v1/students?nik=" + url.QueryEscape(string(nik)), What: "student records",
		// The registry answers [] for a citizen it does not know.
		NotFound: func() error { return cl.api.BadResponse("HTTP 404 from the students search", nil) },
	}, studentList.records)
}

// Wire shapes of contract v1.
type studentList struct {
	Students []student `json:"students"` // nil when the key is absent: a wrong shape
}

type student struct {
	NISN      string `json:"nisn"`
	NIK       string `json:"nik"`
	Name      string `json:"name"`
	BirthDate string `json:"birthDate"`
	Relation  string `json:"relation"`
	School    struct {
		NPSN  string `json:"npsn"`
		Name  string `json:"name"`
		Level string `json:"level"`
	} `json:"school"`
	Grade     int    `json:"grade"`
	ClassName string `json:"className"`
	PIP       *pip   `json:"pip"`
}

type pip struct {
	KIPNumber    string  `json:"kipNumber"`
	Eligible     bool    `json:"eligible"`
	Stage        string  `json:"stage"`
	Deadline     *string `json:"deadline"`
	AnnualAmount int64   `json:"annualAmount"`
	Bank         string  `json:"bank"`
}

// records checks and converts the answer to a query for nik.
func (l studentList) records(nik sp.NIK) ([]readmodel.StudentRecord, error) {
	if l.Students == nil {
		return nil, errors.New(`no "students" list`)
	}
	out := make([]readmodel.StudentRecord, 0, len(l.Students))
	for i, s := range l.Students {
		r, err := s.record(nik)
		if err != nil {
			return nil, fmt.Errorf("students[%d]: %w", i, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func (s student) record(asked sp.NIK) (readmodel.StudentRecord, error) {
	var r readmodel.StudentRecord
	nisn, err := sp.ParseNISN(s.NISN)
	if err != nil {
		return r, fmt.Errorf("nisn: %w", err)
	}
	nik, err := sp.ParseNIK(s.NIK)
	if err != nil {
		return r, fmt.Errorf("nik: %w", err)
	}
	rel := readmodel.StudentRelation(s.Relation)
	switch {
	case rel == readmodel.StudentSelf && nik != asked:
		return r, errors.New("relation SELF on another person's record")
	case rel == readmodel.StudentChild && nik == asked:
		return r, errors.New("relation CHILD on the asking person's own record")
	case rel != readmodel.StudentSelf && rel != readmodel.StudentChild:
		return r, fmt.Errorf("relation %q is neither SELF nor CHILD", s.Relation)
	}
	if _, err := sp.ParseDate(s.BirthDate); err != nil {
		return r, fmt.Errorf("birthDate: %w", err)
	}
	level := readmodel.SchoolLevel(s.School.Level)
	switch level {
	case readmodel.LevelSD, readmodel.LevelSMP, readmodel.LevelSMA, readmodel.LevelSMK:
	default:
		return r, fmt.Errorf("school.level %q is not SD, SMP, SMA or SMK", s.School.Level)
	}
	if strings.TrimSpace(s.School.NPSN) == "" {
		return r, errors.New("school.npsn is empty")
	}
	if s.Grade < 1 || s.Grade > 13 {
		return r, fmt.Errorf("grade %d is not 1-13", s.Grade)
	}
	r = readmodel.StudentRecord{
		NISN: nisn, NIK: nik, Name: s.Name, Relation: rel,
		SchoolNPSN: s.School.NPSN, SchoolName: s.School.Name, Level: level,
		Grade: s.Grade, ClassName: s.ClassName,
	}
	if s.PIP != nil {
		p, err := s.PIP.status()
		if err != nil {
			return readmodel.StudentRecord{}, fmt.Errorf("pip: %w", err)
		}
		r.PIP = p
	}
	return r, nil
}

func (p pip) status() (*readmodel.PIPStatus, error) {
	stage := readmodel.PIPStage(p.Stage)
	switch stage {
	case readmodel.PIPNominated, readmodel.PIPPaid, readmodel.PIPWithdrawn:
	default:
		return nil, fmt.Errorf("stage %q is not NOMINATED, PAID or WITHDRAWN", p.Stage)
	}
	if strings.TrimSpace(p.KIPNumber) == "" {
		return nil, errors.New("kipNumber is empty")
	}
	if p.AnnualAmount < 0 {
		return nil, errors.New("annualAmount is negative")
	}
	out := &readmodel.PIPStatus{KIPNumber: p.KIPNumber, Eligible: p.Eligible, Stage: stage, AnnualAmount: p.AnnualAmount, Bank: p.Bank}
	if p.Deadline != nil {
		d, err := sp.ParseDate(*p.Deadline)
		if err != nil {
			return nil, fmt.Errorf("deadline: %w", err)
		}
		out.Deadline = d
	}
	if stage == readmodel.PIPNominated && out.Deadline.IsZero() {
		return nil, errors.New("NOMINATED without an activation deadline")
	}
	return out, nil
}

// Forget deletes the cached copies of nik's records, every kind this
// adapter reads (a citizen's erasure: privacy.CacheForgetter).
func (cl *Client) Forget(ctx context.Context, nik sp.NIK) (int, error) {
	return cl.api.Forget(ctx, nik, "students")
}
