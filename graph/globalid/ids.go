package globalid

import (
	"crypto/hmac"
	"crypto/sha256"
)

// KeyFrom derives the key of the ids from the deployment's secret
// (SATUPINTU_CACHE_KEY), so that every instance derives the same.
func KeyFrom(secret []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("graphql ids"))
	return m.Sum(nil)
}

// IDs makes the id of each object of the schema from its natural key.
// The key of an id is never a personal number: those become references
// (Refs.Of), one kind of number apart from another.
type IDs struct{ refs Refs }

// NewIDs returns the ids under key (see KeyFrom).
func NewIDs(key []byte) IDs { return IDs{refs: NewRefs(key)} }

// Ref is the reference of a personal number of a kind.
func (x IDs) Ref(kind, value string) string { return x.refs.Of(kind, value) }

// citizen is the key of what exists once per citizen.
func (x IDs) citizen(nik string) string { return x.refs.Of("nik", nik) }

// Citizen is the id of what exists once per citizen: Me, Home, Health,
// Education, Police, Social, Address.
func (x IDs) Citizen(typ, nik string) string { return Encode(typ, x.citizen(nik)) }

// CitizenKey tells whether key (of a decoded id) is the citizen's.
func (x IDs) CitizenKey(key, nik string) bool { return key == x.citizen(nik) }

// OfCitizen is the id of one of the citizen's objects named by key among
// theirs: a Source by agency, an AidProgramme by code, an Eligibility by
// service.
func (x IDs) OfCitizen(typ, nik, key string) string { return Encode(typ, x.citizen(nik)+":"+key) }

// Family is the id of a family card.
func (x IDs) Family(kk string) string { return Encode("Family", x.refs.Of("kk", kk)) }

// FamilyMember is the id of a person's row on a family card.
func (x IDs) FamilyMember(nik string) string { return Encode("FamilyMember", x.citizen(nik)) }

// Membership is the id of a BPJS Kesehatan membership, by card number.
func (x IDs) Membership(card string) string {
	return Encode("Membership", x.refs.Of("bpjs-card", card))
}

// Immunization is the id of a SATUSEHAT Immunization resource.
func (x IDs) Immunization(resource string) string {
	return Encode("Immunization", x.refs.Of("satusehat-immunization", resource))
}

// StudentRecord is the id of a student's record, by NISN.
func (x IDs) StudentRecord(nisn string) string {
	return Encode("StudentRecord", x.refs.Of("nisn", nisn))
}

// PipStatus is the id of a student's PIP aid, by KIP number.
func (x IDs) PipStatus(kip string) string { return Encode("PipStatus", x.refs.Of("kip", kip)) }

// DrivingLicence is the id of a SIM, by number.
func (x IDs) DrivingLicence(number string) string {
	return Encode("DrivingLicence", x.refs.Of("sim", number))
}

// PoliceCertificate is the id of an SKCK, by number.
func (x IDs) PoliceCertificate(number string) string {
	return Encode("PoliceCertificate", x.refs.Of("skck", number))
}

// TrafficTicket is the id of an ETLE ticket, by number.
func (x IDs) TrafficTicket(number string) string {
	return Encode("TrafficTicket", x.refs.Of("etle", number))
}

// Disbursement is the id of an aid payment the citizen sees, by the
// ministry's id.
func (x IDs) Disbursement(nik, id string) string {
	return Encode("Disbursement", x.refs.Of("disbursement", nik+"\x00"+id))
}

// Alert is the id of one of the citizen's alerts (readmodel.Alert.ID).
func (x IDs) Alert(nik, id string) string { return Encode("Alert", x.refs.Of("alert", nik+"\x00"+id)) }

// Device is the id of an installation, by FCM token.
func (x IDs) Device(token string) string { return Encode("Device", x.refs.Of("fcm-token", token)) }

// Keys satupintu mints (case numbers, notification ids) and public codes
// (the catalog, regions, schools) stay readable inside the base64.

// Case is the id of a case, by number.
func Case(number string) string { return Encode("Case", number) }

// CaseDelivery is the id of a case's forwarding state.
func CaseDelivery(number string) string { return Encode("CaseDelivery", number) }

// FieldValue is the id of one value of a case's form.
func FieldValue(number, name string) string { return Encode("FieldValue", number+":"+name) }

// Notification is the id of an inbox entry.
func Notification(id string) string { return Encode("Notification", id) }

// Service is the id of a catalog service, by code.
func Service(code string) string { return Encode("Service", code) }

// LifeEvent is the id of a life event, by code.
func LifeEvent(code string) string { return Encode("LifeEvent", code) }

// OfflineInfo is the id of a service's offline information.
func OfflineInfo(service string) string { return Encode("OfflineInfo", service) }

// ServiceField is the id of a field of a service's form.
func ServiceField(service, field string) string { return Encode("ServiceField", service+":"+field) }

// FieldOption is the id of a choice of an ENUM field.
func FieldOption(service, field, value string) string {
	return Encode("FieldOption", Digest(service, field, value))
}

// Region is the id of a Kemendagri region, by code.
func Region(code string) string { return Encode("Region", code) }

// School is the id of a school, by NPSN.
func School(npsn string) string { return Encode("School", npsn) }

// CodedValue is the id of an agency's code with its label: a value,
// named by what it holds.
func CodedValue(code, label string) string { return Encode("CodedValue", Digest(code, label)) }

// Coding is the id of a FHIR coding, by system and code.
func Coding(system, code string) string { return Encode("Coding", Digest(system, code)) }

// CasePayment is the id of a case's bill; VirtualAccount and Qris those of
// its payment instructions.
func CasePayment(billID string) string { return Encode("CasePayment", billID) }

// VirtualAccount is the id of a bill's virtual account.
func VirtualAccount(billID string) string { return Encode("VirtualAccount", billID) }

// Qris is the id of a bill's QRIS code.
func Qris(billID string) string { return Encode("Qris", billID) }
