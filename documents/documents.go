// Package documents is the citizen's documents wallet: their official
// documents as the agencies hold them (KTP-el/IKD and KK from Dukcapil, SIM
// and SKCK from the police, the JKN card from BPJS, KIP from education),
// each issued as an SD-JWT VC signed by satupintu (sdjwt) whose status a
// Token Status List publishes (statuslist); one-time shares of chosen
// claims with registered verifiers, each recorded in the citizen's access
// log and consents.
//
// Nothing here calls an agency: documents are derived from the records the
// request's loader read (readmodel), through the adapters and the
// resilient chain like every other field.
package documents

import (
	"context"
	"errors"
	"sync"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/privacy"
	"github.com/satupintu/satupintu/readmodel"
)

// Type is a kind of document.
type Type string

const (
	TypeIKD  Type = "IKD"  // KTP-el, in the app: Identitas Kependudukan Digital
	TypeKK   Type = "KK"   // Kartu Keluarga
	TypeSIM  Type = "SIM"  // driving licence, one per class
	TypeSKCK Type = "SKCK" // police clearance certificate
	TypeJKN  Type = "JKN"  // BPJS Kesehatan card (JKN-KIS)
	TypeKIP  Type = "KIP"  // Kartu Indonesia Pintar
)

// Types lists every type, in display order.
var Types = []Type{TypeIKD, TypeKK, TypeSIM, TypeSKCK, TypeJKN, TypeKIP}

// Status is what the document is worth today.
type Status string

const (
	StatusValid     Status = "VALID"
	StatusExpired   Status = "EXPIRED"   // past its valid-until date
	StatusSuspended Status = "SUSPENDED" // the agency suspended it; it may come back
	StatusRevoked   Status = "REVOKED"   // the agency withdrew it for good
)

// Claim is one personal claim of a document's credential.
type Claim struct {
	Name  string
	Value any // string, bool, or a map for the address
}

// Document is one of the citizen's documents.
type Document struct {
	Type       Type
	Number     string
	Class      string // the SIM class; "" for other types
	Agency     sp.Agency
	Issuer     string  // the issuing authority, as printed on the document
	IssuedOn   sp.Date // zero when the agency does not say
	ValidUntil sp.Date // zero: no end (KTP-el is for life, a KK until it changes)
	Status     Status
	Holder     sp.NIK
	// Claims are the personal claims the credential makes disclosable, in
	// the order of the type's catalogue (ClaimNames); the identity claims
	// are missing when the civil registry could not be read.
	Claims []Claim
}

// Key names the document for its status-list slot: stable for the same
// document number, whoever reads it.
func (d Document) Key() string { return string(d.Type) + ":" + d.Number }

// Title is the document's name as the citizen reads it.
func (d Document) Title(l sp.Lang) string {
	t := titles[d.Type].In(l)
	if d.Type == TypeSIM {
		if l == sp.LangEN {
			return "Driving licence (SIM " + d.Class + ")"
		}
		return "SIM " + d.Class
	}
	return t
}

// Claim returns the value of claim name, if the document has it.
func (d Document) Claim(name string) (any, bool) {
	for _, c := range d.Claims {
		if c.Name == name {
			return c.Value, true
		}
	}
	return nil, false
}

// HasIdentity reports whether the civil registry's claims are in (the
// credential cannot be issued without them).
func (d Document) HasIdentity() bool {
	_, ok := d.Claim("name")
	return ok
}

// Category is the kind of personal data the document is, for the access
// log and consents.
func (t Type) Category() privacy.Category {
	switch t {
	case TypeSIM, TypeSKCK:
		return privacy.CategoryPolice
	case TypeJKN:
		return privacy.CategoryHealth
	case TypeKIP:
		return privacy.CategoryEducation
	}
	return privacy.CategoryIdentity
}

// Valid reports whether t is a known type.
func (t Type) Valid() bool {
	_, ok := titles[t]
	return ok
}

var titles = map[Type]sp.Text{
	TypeIKD:  {ID: "KTP Elektronik (IKD)", EN: "Electronic identity card (KTP-el, IKD)"},
	TypeKK:   {ID: "Kartu Keluarga", EN: "Family card (KK)"},
	TypeSIM:  {ID: "SIM", EN: "Driving licence (SIM)"},
	TypeSKCK: {ID: "SKCK", EN: "Police clearance certificate (SKCK)"},
	TypeJKN:  {ID: "Kartu JKN-KIS", EN: "National health insurance card (JKN-KIS)"},
	TypeKIP:  {ID: "Kartu Indonesia Pintar", EN: "Indonesia Smart Card (KIP)"},
}

// The issuing authorities, as printed.
const (
	issuerDukcapil  = "Direktorat Jenderal Kependudukan dan Pencatatan Sipil, Kementerian Dalam Negeri"
	issuerKorlantas = "Korps Lalu Lintas, Kepolisian Negara Republik Indonesia"
	issuerPolri     = "Kepolisian Negara Republik Indonesia"
	issuerBPJS      = "BPJS Kesehatan"
	issuerKIP       = "Kementerian Pendidikan Dasar dan Menengah"
)

// Records are what the agencies told about the citizen, each nil (or
// empty) when that agency does not know them or could not be read.
type Records struct {
	Citizen    *readmodel.Citizen
	Family     *readmodel.Family
	Membership *readmodel.Membership
	Students   []readmodel.StudentRecord
	Police     *readmodel.PoliceRecord
}

// Reader reads a citizen's records for one request (readmodel.Loader).
type Reader interface {
	NIK() sp.NIK
	Citizen(ctx context.Context) (*readmodel.Citizen, error)
	Family(ctx context.Context) (*readmodel.Family, error)
	Membership(ctx context.Context) (*readmodel.Membership, error)
	Students(ctx context.Context) ([]readmodel.StudentRecord, error)
	Police(ctx context.Context) (*readmodel.PoliceRecord, error)
}

// Read reads the records documents come from, the agencies in parallel,
// and returns what came with each agency's failure: one agency down never
// hides the others' documents.
func Read(ctx context.Context, r Reader) (Records, []error) {
	var (
		rec  Records
		errs [5]error
		wg   sync.WaitGroup
	)
	wg.Go(func() {
		rec.Citizen, errs[0] = r.Citizen(ctx)
		if errs[0] == nil && rec.Citizen != nil {
			rec.Family, errs[1] = r.Family(ctx)
		}
	})
	wg.Go(func() { rec.Membership, errs[2] = r.Membership(ctx) })
	wg.Go(func() { rec.Students, errs[3] = r.Students(ctx) })
	wg.Go(func() { rec.Police, errs[4] = r.Police(ctx) })
	wg.Wait()
	var out []error
	for _, err := range errs {
		if err != nil {
			out = append(out, err)
		}
	}
	return rec, out
}

// Derive lists the documents in rec of citizen nik on day today, in
// display order (Types).
func Derive(nik sp.NIK, rec Records, today sp.Date) []Document {
	var out []Document
	id := identity(rec.Citizen, today)
	add := func(d Document, own ...Claim) {
		d.Holder = nik
		d.Claims = order(d.Type, append(own, id...))
		out = append(out, d)
	}
	if c := rec.Citizen; c != nil && adult(c, today) {
		// A resident gets a KTP-el at 17 or on marrying (UU 24/2013); it is
		// valid for life.
		add(Document{Type: TypeIKD, Number: string(c.NIK), Agency: sp.AgencyDukcapil, Issuer: issuerDukcapil, Status: StatusValid},
			Claim{"document_number", string(c.NIK)}, Claim{"religion", c.Religion}, Claim{"marital_status", c.MaritalStatus},
			Claim{"occupation", c.Occupation}, Claim{"nationality", "WNI"}, Claim{"address", address(c.Address)})
	}
	if f, c := rec.Family, rec.Citizen; f != nil && c != nil {
		own := []Claim{{"document_number", string(f.KK)}, {"address", address(c.Address)}}
		for _, m := range f.Members {
			if m.NIK == c.NIK {
				own = append(own, Claim{"relationship", string(m.Relationship)})
			}
			if m.Relationship == readmodel.RelationshipHead {
				own = append(own, Claim{"head_of_family", m.Name})
			}
		}
		add(Document{Type: TypeKK, Number: string(f.KK), Agency: sp.AgencyDukcapil, Issuer: issuerDukcapil, Status: StatusValid}, own...)
	}
	if p := rec.Police; p != nil {
		for _, l := range p.Licences {
			st := dated(l.ExpiresOn, today)
			switch {
			case l.Revoked():
				st = StatusRevoked
			case l.Suspended() && st == StatusValid:
				st = StatusSuspended
			}
			add(Document{Type: TypeSIM, Number: l.Number, Class: l.Class, Agency: sp.AgencyPolice, Issuer: issuerKorlantas,
				IssuedOn: l.IssuedOn, ValidUntil: l.ExpiresOn, Status: st},
				Claim{"document_number", l.Number}, Claim{"driving_class", l.Class}, Claim{"issue_date", l.IssuedOn.String()},
				Claim{"expiry_date", l.ExpiresOn.String()}, Claim{"issuing_office", l.Office})
		}
		for _, x := range p.Certificates {
			add(Document{Type: TypeSKCK, Number: x.Number, Agency: sp.AgencyPolice, Issuer: issuerPolri,
				IssuedOn: x.IssuedOn, ValidUntil: x.ValidUntil, Status: dated(x.ValidUntil, today)},
				Claim{"document_number", x.Number}, Claim{"certificate_purpose", x.Purpose}, Claim{"issuing_level", x.Level},
				Claim{"issue_date", x.IssuedOn.String()}, Claim{"expiry_date", x.ValidUntil.String()})
		}
	}
	if m := rec.Membership; m != nil {
		st := StatusValid
		if !m.Active() {
			// Non-active (premium unpaid, say) comes back when settled.
			st = StatusSuspended
			if !m.CoverageEnd.IsZero() && m.CoverageEnd.Before(today) {
				st = StatusExpired
			}
		}
		add(Document{Type: TypeJKN, Number: m.CardNumber, Agency: sp.AgencyBPJS, Issuer: issuerBPJS,
			IssuedOn: m.CoverageStart, ValidUntil: m.CoverageEnd, Status: st},
			Claim{"document_number", m.CardNumber}, Claim{"care_class", m.Class.Label}, Claim{"participant_type", m.ParticipantType.Label},
			Claim{"primary_clinic", m.PrimaryClinic.Label})
	}
	for _, s := range rec.Students {
		// A parent sees their children's records; the card is the child's.
		if s.Relation != readmodel.StudentSelf || s.PIP == nil || s.PIP.KIPNumber == "" {
			continue
		}
		st := StatusValid
		if s.PIP.Stage == readmodel.PIPWithdrawn || !s.PIP.Eligible {
			st = StatusRevoked
		}
		add(Document{Type: TypeKIP, Number: s.PIP.KIPNumber, Agency: sp.AgencyEducation, Issuer: issuerKIP, Status: st},
			Claim{"document_number", s.PIP.KIPNumber}, Claim{"nisn", string(s.NISN)}, Claim{"school_name", s.SchoolName})
	}
	return out
}

// adult: 17 or older, or married (or once married), per Adminduk.
func adult(c *readmodel.Citizen, today sp.Date) bool {
	return c.BirthDate.AgeOn(today) >= 17 || c.MaritalStatus != "" && c.MaritalStatus != "BELUM KAWIN"
}

// dated is VALID through the valid-until day, EXPIRED after it.
func dated(until, today sp.Date) Status {
	if !until.IsZero() && until.Before(today) {
		return StatusExpired
	}
	return StatusValid
}

// identity are the civil registry's claims every document carries: who
// the holder is, and the derived age claims.
func identity(c *readmodel.Citizen, today sp.Date) []Claim {
	if c == nil {
		return nil
	}
	age := c.BirthDate.AgeOn(today)
	return []Claim{
		{"nik", string(c.NIK)}, {"name", c.Name}, {"birthdate", c.BirthDate.String()}, {"place_of_birth", c.BirthPlace},
		{"sex", string(c.Sex)}, {"age_over_17", age >= 17}, {"age_over_21", age >= 21},
	}
}

func address(a readmodel.Address) map[string]any {
	return map[string]any{
		"street_address": a.Street, "rt": a.RT, "rw": a.RW, "village": a.Village.Name, "district": a.District.Name,
		"regency": a.Regency.Name, "province": a.Province.Name, "postal_code": a.PostalCode, "country": "ID",
	}
}

// order keeps the claims the type's catalogue names, in its order; a
// claim given twice keeps the first (the document's own over identity's).
func order(t Type, claims []Claim) []Claim {
	out := make([]Claim, 0, len(claims))
	for _, name := range ClaimNames(t) {
		for _, c := range claims {
			if c.Name == name {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// ErrNoSuchDocument: the citizen has no document with that id.
var ErrNoSuchDocument = errors.New("documents: no such document of the citizen")
