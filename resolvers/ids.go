package resolvers

import (
	"context"
	"crypto/rand"
	"strconv"

	sp "github.com/satupintu/satupintu"
	"github.com/satupintu/satupintu/cases"
	"github.com/satupintu/satupintu/graph/globalid"
	"github.com/satupintu/satupintu/readmodel"
)

// The ids of the schema's objects (the scheme is in graph/globalid). Each
// type's key is its natural key: a case number, a catalog code, a region
// code; a personal number (NIK, KK, NISN, card, licence, certificate and
// ticket numbers, FCM tokens, agency record ids) only as its reference
// (Refs.Of), so no id holds one. What exists once per citizen (home,
// health, the sources of their data…) is keyed by the reference of the
// citizen's NIK.

// Kinds of the personal numbers references are made of: a number of one
// kind never shares a reference with an equal number of another.
const (
	refNIK          = "nik"
	refKK           = "kk"
	refNISN         = "nisn"
	refKIP          = "kip"
	refBPJSCard     = "bpjs-card"
	refImmunization = "satusehat-immunization"
	refLicence      = "sim"
	refCertificate  = "skck"
	refTicket       = "etle"
	refDisbursement = "disbursement"
	refAlert        = "alert"
	refFCMToken     = "fcm-token"
)

// refs returns the references under IDKey, or under a random key of this
// process when none is configured.
func (r *Resolver) refs() globalid.Refs {
	r.refsOnce.Do(func() {
		key := r.IDKey
		if len(key) == 0 {
			key = make([]byte, 32)
			_, _ = rand.Read(key)
		}
		r.idRefs = globalid.NewRefs(key)
	})
	return r.idRefs
}

func (r *Resolver) ref(kind, value string) string { return r.refs().Of(kind, value) }

// citizenKey is the key of what exists once per citizen.
func (r *Resolver) citizenKey(nik sp.NIK) string { return r.ref(refNIK, string(nik)) }

// ofCitizen is the id of the signed-in citizen's object of type typ (one
// per citizen: Home, Health, Education, Police, Social, Address).
func (r *Resolver) ofCitizen(ctx context.Context, typ string) (string, error) {
	p, err := citizen(ctx)
	if err != nil {
		return "", err
	}
	return globalid.Encode(typ, r.citizenKey(p.NIK)), nil
}

// ofCitizenAnd is the id of the signed-in citizen's object of type typ
// named by key among theirs (a source by agency, a programme by code).
func (r *Resolver) ofCitizenAnd(ctx context.Context, typ, key string) (string, error) {
	p, err := citizen(ctx)
	if err != nil {
		return "", err
	}
	return r.citizenAndID(p.NIK, typ, key), nil
}

func (r *Resolver) citizenAndID(nik sp.NIK, typ, key string) string {
	return globalid.Encode(typ, r.citizenKey(nik)+":"+key)
}

func (r *Resolver) meID(nik sp.NIK) string { return globalid.Encode("Me", r.citizenKey(nik)) }
func (r *Resolver) familyID(kk sp.KK) string {
	return globalid.Encode("Family", r.ref(refKK, string(kk)))
}
func (r *Resolver) memberID(nik sp.NIK) string {
	return globalid.Encode("FamilyMember", r.citizenKey(nik))
}

func (r *Resolver) membershipID(m *readmodel.Membership) string {
	return globalid.Encode("Membership", r.ref(refBPJSCard, m.CardNumber))
}

func (r *Resolver) immunizationID(i *readmodel.Immunization) string {
	return globalid.Encode("Immunization", r.ref(refImmunization, i.ID))
}

func (r *Resolver) studentID(s *readmodel.StudentRecord) string {
	return globalid.Encode("StudentRecord", r.ref(refNISN, string(s.NISN)))
}

func schoolID(npsn string) string { return globalid.Encode("School", npsn) }

func (r *Resolver) licenceID(l *readmodel.DrivingLicence) string {
	return globalid.Encode("DrivingLicence", r.ref(refLicence, l.Number))
}

func (r *Resolver) certificateID(c *readmodel.PoliceCertificate) string {
	return globalid.Encode("PoliceCertificate", r.ref(refCertificate, c.Number))
}

func (r *Resolver) ticketID(t *readmodel.TrafficTicket) string {
	return globalid.Encode("TrafficTicket", r.ref(refTicket, t.Number))
}

func (r *Resolver) programmeID(nik sp.NIK, p *readmodel.Programme) string {
	return r.citizenAndID(nik, "AidProgramme", string(p.Code))
}

func (r *Resolver) disbursementID(nik sp.NIK, d *readmodel.Disbursement) string {
	return globalid.Encode("Disbursement", r.ref(refDisbursement, string(nik)+"\x00"+d.ID))
}

func (r *Resolver) alertID(nik sp.NIK, alertID string) string {
	return globalid.Encode("Alert", r.ref(refAlert, string(nik)+"\x00"+alertID))
}

func (r *Resolver) deviceID(token string) string {
	return globalid.Encode("Device", r.ref(refFCMToken, token))
}

// Case numbers and notification ids are satupintu's own random ids;
// catalog codes are public: they stay readable inside the base64.

func caseID(number string) string             { return globalid.Encode("Case", number) }
func notificationID(id string) string         { return globalid.Encode("Notification", id) }
func serviceID(code string) string            { return globalid.Encode("Service", code) }
func lifeEventID(code string) string          { return globalid.Encode("LifeEvent", code) }
func offlineID(service string) string         { return globalid.Encode("OfflineInfo", service) }
func deliveryID(number string) string         { return globalid.Encode("CaseDelivery", number) }
func fieldValueID(number, name string) string { return globalid.Encode("FieldValue", number+":"+name) }

func serviceFieldID(service, field string) string {
	return globalid.Encode("ServiceField", service+":"+field)
}

func optionID(service, field, value string) string {
	return globalid.Encode("FieldOption", globalid.Digest(service, field, value))
}

// entryID names a history entry by its case and what it records: the same
// entry in case.history and in a caseUpdated message has the same id.
func entryID(number string, e cases.Entry) string {
	return globalid.Encode("CaseHistoryEntry", number+":"+globalid.Digest(
		strconv.FormatInt(e.At.UnixNano(), 10), string(e.Status), string(e.Source), strconv.Itoa(e.Sequence), e.EventID, string(e.Skipped)))
}

func regionID(code sp.RegionCode) string { return globalid.Encode("Region", string(code)) }

// Codes with labels, and FHIR codings, are values: named by what they hold.
func codedID(c *readmodel.Coded) string {
	return globalid.Encode("CodedValue", globalid.Digest(c.Code, c.Label))
}
func codingID(c *readmodel.Coding) string {
	return globalid.Encode("Coding", globalid.Digest(c.System, c.Code))
}

// Arguments that take an id accept the bare key too: a case number from a
// push or a deep link, a catalog code from an alert.
func caseNumber(id string) string      { return globalid.KeyOf("Case", id) }
func notificationKey(id string) string { return globalid.KeyOf("Notification", id) }
func serviceCode(id string) string     { return globalid.KeyOf("Service", id) }
func lifeEventCode(id string) string   { return globalid.KeyOf("LifeEvent", id) }
