package readmodel

import (
	"time"

	sp "github.com/satupintu/satupintu"
)

// What each agency knows about a citizen, in satupintu's own terms. Adapters
// translate each agency's wire format into these; resolvers map them to
// GraphQL. A nil record or empty list means "the agency does not know this
// citizen", never an error.

// Sex as recorded by the civil registry.
type Sex string

const (
	SexMale   Sex = "MALE"
	SexFemale Sex = "FEMALE"
)

// Region is a Kemendagri region with its name.
type Region struct {
	Code sp.RegionCode
	Name string
}

// Address as on the identity card.
type Address struct {
	Street     string
	RT, RW     string
	Village    Region
	District   Region
	Regency    Region
	Province   Region
	PostalCode string
}

// Citizen is the civil-registry (Dukcapil) record of one person.
type Citizen struct {
	NIK           sp.NIK
	KK            sp.KK
	Name          string
	BirthPlace    string
	BirthDate     sp.Date
	Sex           Sex
	Religion      string
	MaritalStatus string
	Occupation    string
	Address       Address
}

// Relationship of a family-card member to the head of the family.
type Relationship string

const (
	RelationshipHead       Relationship = "HEAD"
	RelationshipSpouse     Relationship = "SPOUSE"
	RelationshipChild      Relationship = "CHILD"
	RelationshipParent     Relationship = "PARENT"
	RelationshipGrandchild Relationship = "GRANDCHILD"
	RelationshipOther      Relationship = "OTHER"
)

// FamilyMember is one row of a family card (Kartu Keluarga).
type FamilyMember struct {
	NIK          sp.NIK
	Name         string
	BirthDate    sp.Date
	Sex          Sex
	Relationship Relationship
	// MaritalStatus as Dukcapil writes it (BELUM KAWIN, KAWIN, CERAI
	// HIDUP, CERAI MATI); "" when the card's answer does not carry it.
	MaritalStatus string
}

// Family is a family card and its members.
type Family struct {
	KK      sp.KK
	Members []FamilyMember
}

// Coded is a code with its agency label, e.g. {"21", "PBI (APBN)"}.
type Coded struct {
	Code  string
	Label string
}

// Membership is a BPJS Kesehatan (JKN) participation.
type Membership struct {
	CardNumber      string  // noKartu, 13 digits
	Class           Coded   // hakKelas: {"3","KELAS III"}
	ParticipantType Coded   // jenisPeserta: {"21","PBI (APBN)"}
	Status          Coded   // statusPeserta: {"0","AKTIF"}
	PrimaryClinic   Coded   // provUmum: the assigned FKTP
	Arrears         int64   // premium arrears in rupiah (PCare tunggakan)
	CoverageStart   sp.Date // tglTMT
	CoverageEnd     sp.Date // tglTAT
}

// Active reports whether the membership is active (statusPeserta "0").
func (m Membership) Active() bool { return m.Status.Code == "0" }

// PBI reports whether the state pays the premium (Penerima Bantuan Iuran).
func (m Membership) PBI() bool {
	switch m.ParticipantType.Code {
	case "21", "22":
		return true
	}
	return false
}

// Coding is a FHIR coding.
type Coding struct {
	System  string
	Code    string
	Display string
}

// Immunization is one vaccination recorded in SATUSEHAT.
type Immunization struct {
	ID         string
	Vaccine    Coding // KFA code
	Reason     Coding // IM-Dasar, IM-Lanjutan, …
	Date       sp.Date
	DoseNumber int
	Status     string // FHIR status, e.g. "completed"
	Facility   string
}

// Relation of a student record to the citizen asking.
type StudentRelation string

const (
	StudentSelf  StudentRelation = "SELF"
	StudentChild StudentRelation = "CHILD"
)

// SchoolLevel of a school.
type SchoolLevel string

const (
	LevelSD  SchoolLevel = "SD"
	LevelSMP SchoolLevel = "SMP"
	LevelSMA SchoolLevel = "SMA"
	LevelSMK SchoolLevel = "SMK"
)

// PIPStage is where a student's Smart Indonesia Programme aid stands.
type PIPStage string

const (
	PIPNominated PIPStage = "NOMINATED" // SK Nominasi: the account must be activated before the deadline
	PIPPaid      PIPStage = "PAID"      // SK Pemberian: funds paid
	PIPWithdrawn PIPStage = "WITHDRAWN"
)

// PIPStatus is a student's PIP/KIP status.
type PIPStatus struct {
	KIPNumber    string
	Eligible     bool
	Stage        PIPStage
	Deadline     sp.Date // activation deadline while NOMINATED
	AnnualAmount int64   // rupiah
	Bank         string
}

// School is where a student is enrolled.
type School struct {
	NPSN  string
	Name  string
	Level SchoolLevel
}

// StudentRecord is a Dapodik student record.
type StudentRecord struct {
	NISN       sp.NISN
	NIK        sp.NIK
	Name       string
	Relation   StudentRelation
	SchoolNPSN string
	SchoolName string
	Level      SchoolLevel
	Grade      int
	ClassName  string
	PIP        *PIPStatus
}

// LicenceStatus is what the police say of a licence besides its dates: a
// court or the police may suspend it (it comes back) or revoke it (it does
// not). Expiry is not a status: it follows from ExpiresOn.
type LicenceStatus string

const (
	LicenceActive    LicenceStatus = "ACTIVE"
	LicenceSuspended LicenceStatus = "SUSPENDED"
	LicenceRevoked   LicenceStatus = "REVOKED"
)

// DrivingLicence is a SIM.
type DrivingLicence struct {
	Number    string
	Class     string // A, B1, B2, C, CI, CII, D
	IssuedOn  sp.Date
	ExpiresOn sp.Date
	Office    string
	Status    LicenceStatus // "" is ACTIVE (records cached before the field existed)
}

// Suspended reports whether the police have suspended the licence.
func (l DrivingLicence) Suspended() bool { return l.Status == LicenceSuspended }

// Revoked reports whether the police have revoked the licence.
func (l DrivingLicence) Revoked() bool { return l.Status == LicenceRevoked }

// PoliceCertificate is an SKCK.
type PoliceCertificate struct {
	Number     string
	Purpose    string
	Level      string // MABES, POLDA, POLRES, POLSEK
	IssuedOn   sp.Date
	ValidUntil sp.Date
}

// TicketStatus of an ETLE ticket.
type TicketStatus string

const (
	TicketUnconfirmed TicketStatus = "UNCONFIRMED"
	TicketConfirmed   TicketStatus = "CONFIRMED"
	TicketPaid        TicketStatus = "PAID"
)

// TrafficTicket is an ETLE (camera) ticket on a vehicle the citizen owns.
type TrafficTicket struct {
	Number     string
	Plate      string
	Violation  string
	Location   string
	OccurredAt time.Time
	ConfirmBy  sp.Date // after this the vehicle registration is blocked
	Fine       int64
	Status     TicketStatus
}

// PoliceRecord is what the police hold about a citizen.
type PoliceRecord struct {
	Licences     []DrivingLicence
	Certificates []PoliceCertificate
	Tickets      []TrafficTicket // unpaid only
}

// ProgrammeCode of a social-aid programme.
type ProgrammeCode string

const (
	ProgrammePKH  ProgrammeCode = "PKH"
	ProgrammeBPNT ProgrammeCode = "BPNT"
	ProgrammePBI  ProgrammeCode = "PBI_JK"
)

// Programme is a social-aid programme a family receives.
type Programme struct {
	Code   ProgrammeCode
	Name   string
	Active bool
	Since  sp.Date
}

// DisbursementStatus of one aid payment.
type DisbursementStatus string

const (
	DisbursementScheduled DisbursementStatus = "SCHEDULED"
	DisbursementPaid      DisbursementStatus = "PAID"
	DisbursementFailed    DisbursementStatus = "FAILED"
)

// Disbursement is one scheduled or past aid payment.
type Disbursement struct {
	ID        string
	Programme ProgrammeCode
	Period    string // e.g. "Tahap 4 2026"
	Amount    int64
	Date      sp.Date // scheduled or paid on
	Status    DisbursementStatus
	Channel   string
}

// Welfare is the citizen's entry in the social register (DTSEN).
type Welfare struct {
	Decile        int // 1 (poorest) … 10
	UpdatedOn     sp.Date
	Programmes    []Programme
	Disbursements []Disbursement
}

// SourceStatus says how fresh one agency's part of an answer is.
type SourceStatus string

const (
	SourceOK          SourceStatus = "OK"
	SourceStale       SourceStatus = "STALE"
	SourceUnavailable SourceStatus = "UNAVAILABLE"
)

// Source is the freshness of one agency's data in an answer.
type Source struct {
	Agency    sp.Agency
	Status    SourceStatus
	FetchedAt time.Time // zero when unavailable
}

// Level is the administrative level the region's code names.
func (r Region) Level() sp.RegionLevel { return r.Code.Level() }

// School is the student's school.
func (s StudentRecord) School() School {
	return School{NPSN: s.SchoolNPSN, Name: s.SchoolName, Level: s.Level}
}

// SIMRenewalWindow is how many days before expiry a driving licence may be
// renewed online.
const SIMRenewalWindow = 90

// RenewableOnline reports whether the licence is within its online
// renewal window today (WIB).
func (l DrivingLicence) RenewableOnline() bool {
	return sp.DateOf(time.Now()).DaysUntil(l.ExpiresOn) <= SIMRenewalWindow
}

// Registered reports whether the family is in the social register.
func (w Welfare) Registered() bool { return w.Decile > 0 }

// RegisteredDecile is the welfare decile, nil when not registered.
func (w Welfare) RegisteredDecile() *int {
	if w.Decile == 0 {
		return nil
	}
	d := w.Decile
	return &d
}
