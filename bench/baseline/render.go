package baseline

import (
	"strings"
	"time"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/graph/globalid"
	"github.com/satupintu/satupintu/readmodel"
)

// The answer to HomeQuery, field for field in the query's order; what
// satupintu's resolvers and scalars write, by hand. A nil slice is a
// GraphQL null (an agency that failed), an empty one an empty list.

type response struct {
	Errors []gqlError `json:"errors,omitempty"`
	Data   data       `json:"data"`
}

type data struct {
	Home home `json:"home"`
}

type gqlError struct {
	Message    string     `json:"message"`
	Path       []string   `json:"path"`
	Extensions extensions `json:"extensions"`
}

type extensions struct {
	Code   string `json:"code"`
	Agency string `json:"agency,omitempty"`
}

type home struct {
	Name      *string    `json:"name"`
	Alerts    []alert    `json:"alerts"`
	Sources   []source   `json:"sources"`
	Health    health     `json:"health"`
	Education *schooling `json:"education"`
	Police    *policeOut `json:"police"`
	Social    *socialOut `json:"social"`
}

type alert struct {
	ID        string  `json:"id"`
	Kind      string  `json:"kind"`
	Severity  string  `json:"severity"`
	Agency    string  `json:"agency"`
	Title     string  `json:"title"`
	Message   string  `json:"message"`
	DueDate   *string `json:"dueDate"`
	ServiceID *string `json:"serviceId"`
	DeepLink  string  `json:"deepLink"`
}

type source struct {
	Agency    string  `json:"agency"`
	Status    string  `json:"status"`
	FetchedAt *string `json:"fetchedAt"`
}

type health struct {
	Membership    *membership    `json:"membership"`
	Immunizations []immunization `json:"immunizations"`
}

type coded struct {
	Code  string `json:"code"`
	Label string `json:"label"`
}

type membership struct {
	CardNumber string `json:"cardNumber"`
	Class      coded  `json:"class"`
	Status     coded  `json:"status"`
	IsActive   bool   `json:"isActive"`
	IsPBI      bool   `json:"isPBI"`
	Arrears    int64  `json:"arrears"`
}

type immunization struct {
	ID         string  `json:"id"`
	Vaccine    vaccine `json:"vaccine"`
	Date       *string `json:"date"`
	DoseNumber int     `json:"doseNumber"`
}

type vaccine struct {
	Code    string `json:"code"`
	Display string `json:"display"`
}

type schooling struct {
	Students []student `json:"students"`
}

type student struct {
	NISN     string `json:"nisn"`
	Name     string `json:"name"`
	Relation string `json:"relation"`
	School   school `json:"school"`
	Grade    int    `json:"grade"`
	PIP      *pip   `json:"pip"`
}

type school struct {
	Name  string `json:"name"`
	Level string `json:"level"`
}

type pip struct {
	Stage        string  `json:"stage"`
	Deadline     *string `json:"deadline"`
	AnnualAmount int64   `json:"annualAmount"`
}

type policeOut struct {
	Licences      []licence     `json:"licences"`
	Certificates  []certificate `json:"certificates"`
	UnpaidTickets []ticket      `json:"unpaidTickets"`
}

type licence struct {
	Number          string  `json:"number"`
	Class           string  `json:"class"`
	ExpiresOn       *string `json:"expiresOn"`
	RenewableOnline bool    `json:"renewableOnline"`
}

type certificate struct {
	Number     string  `json:"number"`
	Level      string  `json:"level"`
	ValidUntil *string `json:"validUntil"`
}

type ticket struct {
	Number    string  `json:"number"`
	Plate     string  `json:"plate"`
	ConfirmBy *string `json:"confirmBy"`
	Fine      int64   `json:"fine"`
	Status    string  `json:"status"`
}

type socialOut struct {
	Registered    bool           `json:"registered"`
	Decile        *int           `json:"decile"`
	Programmes    []programme    `json:"programmes"`
	Disbursements []disbursement `json:"disbursements"`
}

type programme struct {
	Code   string `json:"code"`
	Active bool   `json:"active"`
}

type disbursement struct {
	ID        string  `json:"id"`
	Programme string  `json:"programme"`
	Amount    int64   `json:"amount"`
	Date      *string `json:"date"`
	Status    string  `json:"status"`
}

// render builds the answer for citizen nik. Like satupintu, a failed
// agency makes its fields null with one error naming it, and contributes
// no alert; ids are satupintu's (graph/globalid).
func render(rd *reads, sources *readmodel.Sources, lang sp.Lang, today sp.Date, ids globalid.IDs, nik sp.NIK) response {
	var out response
	fail := func(i int, path ...string) bool {
		err := rd.errs[i]
		if err == nil {
			return false
		}
		e := gqlError{Message: sp.ErrorMessageOf(err), Path: append([]string{"home"}, path...),
			Extensions: extensions{Code: string(sp.ErrorCodeOf(err))}}
		if a := sp.AgencyOf(err); a != "" {
			e.Extensions.Agency = enum(a)
		}
		out.Errors = append(out.Errors, e)
		return true
	}
	h := &out.Data.Home
	if !fail(0, "name") && rd.citizen != nil {
		h.Name = &rd.citizen.Name
	}

	h.Alerts = []alert{}
	for _, a := range readmodel.Alerts(readmodel.Snapshot{Membership: rd.membership, Students: rd.students,
		Police: rd.police, Welfare: rd.welfare}, today) {
		al := alert{ID: ids.Alert(string(nik), a.ID), Kind: string(a.Kind), Severity: string(a.Severity), Agency: enum(a.Agency),
			Title: a.Title.In(lang), Message: a.Message.In(lang), DueDate: date(a.DueDate), DeepLink: a.DeepLink}
		if a.ServiceID != "" {
			al.ServiceID = &a.ServiceID
		}
		h.Alerts = append(h.Alerts, al)
	}

	h.Sources = make([]source, 0, len(sp.Agencies))
	for _, s := range sources.List() {
		h.Sources = append(h.Sources, source{Agency: enum(s.Agency), Status: string(s.Status), FetchedAt: dateTime(s.FetchedAt)})
	}

	if !fail(1, "health", "membership") && rd.membership != nil {
		m := rd.membership
		h.Health.Membership = &membership{CardNumber: m.CardNumber, Class: codedOf(m.Class), Status: codedOf(m.Status),
			IsActive: m.Active(), IsPBI: m.PBI(), Arrears: m.Arrears}
	}
	if !fail(2, "health", "immunizations") {
		h.Health.Immunizations = make([]immunization, 0, len(rd.immunizations))
		for _, im := range rd.immunizations {
			h.Health.Immunizations = append(h.Health.Immunizations, immunization{ID: ids.Immunization(im.ID),
				Vaccine: vaccine{Code: im.Vaccine.Code, Display: im.Vaccine.Display}, Date: date(im.Date), DoseNumber: im.DoseNumber})
		}
	}

	if !fail(3, "education") {
		h.Education = &schooling{Students: make([]student, 0, len(rd.students))}
		for _, s := range rd.students {
			st := student{NISN: string(s.NISN), Name: s.Name, Relation: string(s.Relation),
				School: school{Name: s.SchoolName, Level: string(s.Level)}, Grade: s.Grade}
			if p := s.PIP; p != nil {
				st.PIP = &pip{Stage: string(p.Stage), Deadline: date(p.Deadline), AnnualAmount: p.AnnualAmount}
			}
			h.Education.Students = append(h.Education.Students, st)
		}
	}

	if !fail(4, "police") {
		p := &policeOut{Licences: []licence{}, Certificates: []certificate{}, UnpaidTickets: []ticket{}}
		if rec := rd.police; rec != nil { // unknown to the police: empty lists
			for _, l := range rec.Licences {
				p.Licences = append(p.Licences, licence{Number: l.Number, Class: l.Class, ExpiresOn: date(l.ExpiresOn),
					RenewableOnline: today.DaysUntil(l.ExpiresOn) <= readmodel.SIMRenewalWindow})
			}
			for _, c := range rec.Certificates {
				p.Certificates = append(p.Certificates, certificate{Number: c.Number, Level: c.Level, ValidUntil: date(c.ValidUntil)})
			}
			for _, t := range rec.Tickets {
				p.UnpaidTickets = append(p.UnpaidTickets, ticket{Number: t.Number, Plate: t.Plate, ConfirmBy: date(t.ConfirmBy),
					Fine: t.Fine, Status: string(t.Status)})
			}
		}
		h.Police = p
	}

	if !fail(5, "social") {
		w := rd.welfare
		if w == nil { // not in the register
			w = &readmodel.Welfare{}
		}
		s := &socialOut{Registered: w.Decile > 0, Programmes: []programme{}, Disbursements: []disbursement{}}
		if w.Decile > 0 {
			s.Decile = &w.Decile
		}
		for _, p := range w.Programmes {
			s.Programmes = append(s.Programmes, programme{Code: string(p.Code), Active: p.Active})
		}
		for _, d := range w.Disbursements {
			s.Disbursements = append(s.Disbursements, disbursement{ID: ids.Disbursement(string(nik), d.ID), Programme: string(d.Programme), Amount: d.Amount,
				Date: date(d.Date), Status: string(d.Status)})
		}
		h.Social = s
	}
	return out
}

// enum is an agency as the GraphQL enum Agency spells it.
func enum(a sp.Agency) string { return strings.ToUpper(string(a)) }

func codedOf(c readmodel.Coded) coded { return coded{Code: c.Code, Label: c.Label} }

// date is the Date scalar: null for the zero date.
func date(d sp.Date) *string {
	if d.IsZero() {
		return nil
	}
	s := d.String()
	return &s
}

// dateTime is the DateTime scalar: RFC 3339 in WIB, null for the zero time.
func dateTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.In(sp.Jakarta).Format(time.RFC3339)
	return &s
}
